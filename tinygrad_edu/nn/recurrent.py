"""Recurrent cells: vanilla RNN, LSTM and GRU, one time step each, and ``unroll`` over T steps.

A cell maps the input xₜ (a batch of rows, m×input_size) and the previous
state to the new state.  ``cell(x)`` starts from a zero state; ``cell(x, state)``
continues.  Unrolled over T steps, the same weights are used at every step,
so their gradient is the sum of T contributions, and the gradient reaching
an early step has been multiplied by one Jacobian ∂hₜ/∂hₜ₋₁ per later step:

* vanilla RNN, hₜ = tanh(xₜ·W_ihᵀ + hₜ₋₁·W_hhᵀ + b):
  ∂hₜ/∂hₜ₋₁ = diag(1 − hₜ²)·W_hh, so the product over T steps behaves like
  (γλ)^T with λ the largest singular value of W_hh and γ = 1 for tanh
  (Pascanu et al. 2013): it vanishes or explodes geometrically;
* LSTM, cₜ = fₜ ⊙ cₜ₋₁ + iₜ ⊙ gₜ: along the cell state the factor is the forget
  gate fₜ itself, not a squashing derivative times a weight, so with fₜ near 1
  the gradient survives many steps;
* GRU, hₜ = (1 − zₜ) ⊙ nₜ + zₜ ⊙ hₜ₋₁: the update gate zₜ opens the same kind of
  direct path.

Every gate here is the same piece, a :class:`Gate`, written as PyTorch
writes it: xₜ·W_ihᵀ + b_ih + hₜ₋₁·W_hhᵀ + b_hh, with its own weights, so each
gate's parameters are named after it (``"forget.weight_ih"``).  Two biases per
gate look redundant, since they only add up, but they are PyTorch's, and
they are not idle: each gets the same gradient, so a step of SGD moves their
sum twice as far as it would move one bias.  Keeping both means that a
PyTorch cell's every number comes over (:mod:`tinygrad_edu.nn.torch_compat`
stacks the gates into PyTorch's ``weight_ih``, ``bias_hh``, …) and trains the
same way here.  The vanilla RNN cell is one gate followed by tanh.

>>> import random
>>> from tinygrad_edu.matrix import Matrix
>>> cell = LSTMCell(1, 2, rng=random.Random(0))
>>> xs = [Matrix([[0.5]]), Matrix([[-1.0]]), Matrix([[0.25]])]
>>> outputs, (h, c) = unroll(cell, xs)
>>> len(outputs), h.shape, c.shape
(3, (1, 2), (1, 2))
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import Any

from ..matrix import Matrix, check_entries, matrix_from
from ..reals import finite_number, is_int, short
from ..seeding import generator
from . import init as initialisers
from .init import Initialiser
from .module import Module


def _check_sizes(where: str, input_size: object, hidden_size: object) -> None:
    if not (is_int(input_size) and is_int(hidden_size) and input_size >= 1 and hidden_size >= 1):
        raise ValueError(f"{where}: input_size and hidden_size must be integers >= 1, "
                         f"got {(input_size, hidden_size)!r}")
    check_entries(where, hidden_size, max(input_size, hidden_size), what="a weight of shape")


class Gate(Module):
    """One affine map of the input and the previous hidden state: x·W_ihᵀ + b_ih + h·W_hhᵀ + b_hh.

    W_ih is hidden×input, W_hh hidden×hidden, b_ih and b_hh 1×hidden.  ``init``
    draws W_ih, ``recurrent_init`` W_hh; b_ih starts at ``bias_value`` (a
    forget gate's bias) and b_hh at 0.  ``from_input`` and ``from_hidden``
    are the two halves, for the GRU's candidate, which gates the second.
    """

    def __init__(self, input_size: int, hidden_size: int, init: Initialiser, recurrent_init: Initialiser,
                 rng: random.Random, bias_value: float = 0.0, where: str = "Gate") -> None:
        self.weight_ih = initialisers.drawn(f"{where} weight_ih", init, hidden_size, input_size, rng)
        self.weight_hh = initialisers.drawn(f"{where} weight_hh", recurrent_init, hidden_size, hidden_size, rng)
        self.bias_ih = Matrix.full(1, hidden_size, bias_value)
        self.bias_hh = Matrix.zeros(1, hidden_size)

    @property
    def bias(self) -> Matrix:
        """b_ih, under the short name: ``cell.forget.bias.data[0][:] = ...`` sets a gate's starting
        bias (b_hh starts at 0).  The gate adds both: its whole bias is b_ih + b_hh."""
        return self.bias_ih

    def from_input(self, x: Matrix) -> Matrix:
        return x @ self.weight_ih.T + self.bias_ih

    def from_hidden(self, h: Matrix) -> Matrix:
        return h @ self.weight_hh.T + self.bias_hh

    def forward(self, x: Matrix, h: Matrix) -> Matrix:
        # Summed in this order so that with b_hh = 0 (its start) the numbers are those of one bias.
        return x @ self.weight_ih.T + h @ self.weight_hh.T + self.bias_ih + self.bias_hh


class _Cell(Module):
    """What the three cells share: sizes, checking the input and the state."""

    input_size: int
    hidden_size: int

    def _set_sizes(self, where: str, input_size: int, hidden_size: int) -> None:
        _check_sizes(where, input_size, hidden_size)
        self.input_size, self.hidden_size = input_size, hidden_size

    def _input(self, x: Any) -> Matrix:
        inputs = matrix_from(x, f"{type(self).__name__}: the input")
        if inputs.shape[1] != self.input_size:
            raise ValueError(f"{type(self).__name__}: the input has shape {inputs.shape}, "
                             f"expected {self.input_size} columns (one row per sequence in the batch)")
        return inputs

    def _hidden(self, h: Any, batch: int, what: str = "hidden state") -> Matrix:
        """The given state, checked, or zeros (a constant) when there is none yet."""
        if h is None:
            return Matrix.zeros(batch, self.hidden_size, requires_grad=False)
        state = matrix_from(h, f"{type(self).__name__}: the {what}")
        if state.shape != (batch, self.hidden_size):
            raise ValueError(f"{type(self).__name__}: the {what} has shape {state.shape}, "
                             f"expected {(batch, self.hidden_size)}")
        return state

    def extra_repr(self) -> str:
        return f"input_size={self.input_size}, hidden_size={self.hidden_size}"


class RNNCell(_Cell, Gate):
    """hₜ = tanh(xₜ·W_ihᵀ + b_ih + hₜ₋₁·W_hhᵀ + b_hh)  (``nonlinearity="relu"`` for relu):
    one :class:`Gate` and a squashing function.

    Returns the new hidden state hₜ, m×hidden_size.  Weights start from
    ``init`` (default U(−1/√n_in, 1/√n_in)); ``recurrent_init`` for W_hh
    defaults to the same (pass ``"scaled_identity"`` or your own to study
    the largest singular value's effect).  Both biases start at 0.
    """

    def __init__(self, input_size: int, hidden_size: int, rng: random.Random | None = None, *,
                 nonlinearity: str = "tanh", init: str | Initialiser = "standard_uniform",
                 recurrent_init: str | Initialiser | None = None) -> None:
        self._set_sizes("RNNCell", input_size, hidden_size)
        rng = generator("RNNCell", rng)
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"RNNCell: nonlinearity must be 'tanh' or 'relu', got {nonlinearity!r}")
        self.nonlinearity = nonlinearity
        init = initialisers.get(init)
        recurrent = init if recurrent_init is None else initialisers.get(recurrent_init)
        Gate.__init__(self, input_size, hidden_size, init, recurrent, rng, where="RNNCell")

    def forward(self, x: Any, h: Any = None) -> Matrix:
        x = self._input(x)
        h = self._hidden(h, x.shape[0])
        z = Gate.forward(self, x, h)
        return z.tanh() if self.nonlinearity == "tanh" else z.relu()


class LSTMCell(_Cell):
    """Long short-term memory (Hochreiter & Schmidhuber 1997), one step:

        iₜ = σ(input gate)     fₜ = σ(forget gate)     oₜ = σ(output gate)
        gₜ = tanh(candidate)
        cₜ = fₜ ⊙ cₜ₋₁ + iₜ ⊙ gₜ
        hₜ = oₜ ⊙ tanh(cₜ)

    each gate being x·W_ihᵀ + b_ih + hₜ₋₁·W_hhᵀ + b_hh with its own weights
    (PyTorch's ``LSTMCell``, whose stacked i, f, g, o are ``input``, ``forget``,
    ``candidate``, ``output`` here).  The state is the pair ``(h, c)``;
    ``cell(x)`` starts from zeros and returns the new pair.  ``forget_bias``
    is the forget gate's starting b_ih: with a large one fₜ ≈ 1 and the cell
    state (and its gradient) is carried far.
    """

    def __init__(self, input_size: int, hidden_size: int, rng: random.Random | None = None, *,
                 init: str | Initialiser = "standard_uniform", recurrent_init: str | Initialiser | None = None,
                 forget_bias: float = 0.0) -> None:
        self._set_sizes("LSTMCell", input_size, hidden_size)
        finite_number("LSTMCell", "forget_bias", forget_bias)
        rng = generator("LSTMCell", rng)
        init = initialisers.get(init)
        recurrent = init if recurrent_init is None else initialisers.get(recurrent_init)
        self.input = Gate(input_size, hidden_size, init, recurrent, rng, where="LSTMCell input")
        self.forget = Gate(input_size, hidden_size, init, recurrent, rng, bias_value=forget_bias,
                           where="LSTMCell forget")
        self.candidate = Gate(input_size, hidden_size, init, recurrent, rng, where="LSTMCell candidate")
        self.output = Gate(input_size, hidden_size, init, recurrent, rng, where="LSTMCell output")

    def forward(self, x: Any, state: tuple[Any, Any] | None = None) -> tuple[Matrix, Matrix]:
        x = self._input(x)
        batch = x.shape[0]
        if state is None:
            h_prev = c_prev = None
        elif isinstance(state, tuple) and len(state) == 2:
            h_prev, c_prev = state
        else:
            raise TypeError(f"LSTMCell: the state must be a tuple (h, c), got {type(state).__name__}")
        h_prev = self._hidden(h_prev, batch, "hidden state h")
        c_prev = self._hidden(c_prev, batch, "cell state c")
        i = self.input(x, h_prev).sigmoid()
        f = self.forget(x, h_prev).sigmoid()
        g = self.candidate(x, h_prev).tanh()
        o = self.output(x, h_prev).sigmoid()
        c = f * c_prev + i * g
        h = o * c.tanh()
        return h, c


class GRUCell(_Cell):
    """Gated recurrent unit (Cho et al. 2014), one step, in PyTorch's form:

        rₜ = σ(reset gate)          zₜ = σ(update gate)
        nₜ = tanh(xₜ·W_inᵀ + b_in + rₜ ⊙ (hₜ₋₁·W_hnᵀ + b_hn))
        hₜ = (1 − zₜ) ⊙ nₜ + zₜ ⊙ hₜ₋₁

    The candidate's second bias b_hn sits inside rₜ ⊙ (…), so the reset gate
    scales it too: unlike the other gates' two biases, it does not just add
    to b_in.  Returns the new hidden state.
    """

    def __init__(self, input_size: int, hidden_size: int, rng: random.Random | None = None, *,
                 init: str | Initialiser = "standard_uniform",
                 recurrent_init: str | Initialiser | None = None) -> None:
        self._set_sizes("GRUCell", input_size, hidden_size)
        rng = generator("GRUCell", rng)
        init = initialisers.get(init)
        recurrent = init if recurrent_init is None else initialisers.get(recurrent_init)
        self.reset = Gate(input_size, hidden_size, init, recurrent, rng, where="GRUCell reset")
        self.update = Gate(input_size, hidden_size, init, recurrent, rng, where="GRUCell update")
        self.candidate = Gate(input_size, hidden_size, init, recurrent, rng, where="GRUCell candidate")

    def forward(self, x: Any, h: Any = None) -> Matrix:
        x = self._input(x)
        h = self._hidden(h, x.shape[0])
        r = self.reset(x, h).sigmoid()
        z = self.update(x, h).sigmoid()
        n = (self.candidate.from_input(x) + r * self.candidate.from_hidden(h)).tanh()
        new_h: Matrix = (1 - z) * n + z * h
        return new_h


def unroll(cell: Module, xs: Sequence[Any], state: Any = None) -> tuple[list[Matrix], Any]:
    """Run ``cell`` over the inputs x₁ … x_T in order: returns ``(outputs, final state)``.

    ``outputs[t]`` is the hidden state hₜ after step t (for an LSTM the h of
    the pair).  ``state`` is the state before the first step (zeros if None).

    >>> import random
    >>> from tinygrad_edu.matrix import Matrix
    >>> cell = RNNCell(1, 1, rng=random.Random(0), init="constant", recurrent_init="constant")
    >>> outputs, h = unroll(cell, [Matrix([[1.0]])] * 4)
    >>> [o.data for o in outputs]           # all weights 0: tanh(0) = 0 at every step
    [[[0.0]], [[0.0]], [[0.0]], [[0.0]]]
    """
    if not isinstance(cell, Module):
        raise TypeError(f"unroll: cell must be a Module, got {cell!r}")
    if isinstance(xs, (str, bytes, int, float, Matrix)) or not hasattr(xs, "__iter__"):
        raise TypeError(f"unroll: xs must be a list of inputs, one per step, got {short(xs)}")
    xs = list(xs)
    if not xs:
        raise ValueError("unroll: no inputs (a sequence needs at least one step)")
    outputs = []
    for x in xs:
        state = cell(x) if state is None else cell(x, state)
        outputs.append(state[0] if isinstance(state, tuple) else state)
    return outputs, state
