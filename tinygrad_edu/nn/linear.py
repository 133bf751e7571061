"""``linear``, ``Linear`` (an affine layer) and ``MLP`` (a stack of them with activations between).

A linear layer maps each input row x (n_in numbers) to z = W·x + b
(n_out numbers).  For a batch, the rows of X are the samples, so the layer
computes

    Z = X·Wᵀ + b        (m×n_in)·(n_in×n_out) + (1×n_out) = m×n_out

with W of shape (n_out, n_in), as in PyTorch and in Nielsen's notation
(Wⱼₖ connects input k to unit j), and b a 1×n_out row added to every row.
Backward: ∂L/∂W = gᵀ·X, ∂L/∂b = the column sums of g, ∂L/∂X = g·W.

>>> import random
>>> from tinygrad_edu.matrix import Matrix
>>> layer = Linear(2, 3, init="constant", rng=random.Random(0))   # every weight 0
>>> layer(Matrix([[1.0, 2.0]])).data
[[0.0, 0.0, 0.0]]
>>> mlp = MLP([2, 8, 1], activation="relu", init="he_normal", rng=random.Random(0))
>>> mlp(Matrix([[0.5, -0.5], [1.0, 1.0]])).shape
(2, 1)
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from typing import Any

from .. import matrix_ops
from ..matrix import Matrix, check_entries, matrix_from
from ..seeding import generator
from ..reals import is_int
from . import init as initialisers
from .init import Initialiser
from .activations import make_activation
from .module import Module, Sequential


def linear(x: Matrix, weight: Matrix, bias: Matrix | None = None) -> Matrix:
    """X·Wᵀ + b as one node (:data:`tinygrad_edu.matrix_ops.linear`), PyTorch's ``F.linear``.

    The same numbers and gradients as ``x @ weight.T + bias``, with one node
    instead of three; without a bias it is ``x @ weight.T``.

    >>> X, W, b = Matrix([[1.0, 2.0]]), Matrix([[0.5, -1.0], [2.0, 0.0]]), Matrix([[0.25, 0.0]])
    >>> Z = linear(X, W, b)
    >>> Z.data, Z.op, Z.data == (X @ W.T + b).data
    ([[-1.25, 2.0]], 'linear', True)
    """
    for name, value in (("x", x), ("weight", weight), ("bias", bias)):
        if not isinstance(value, Matrix) and not (name == "bias" and value is None):
            raise TypeError(f"linear: {name} must be a Matrix, got {type(value).__name__}")
    if bias is None:
        return x @ weight.T
    # The node's type is the most special one among the inputs (a DualMatrix carries tangents).
    kind = next((type(v) for v in (x, weight, bias) if type(v) is not Matrix), Matrix)
    return kind.apply(matrix_ops.linear, (x, weight, bias))


class Linear(Module):
    """z = x·Wᵀ + b for every row x of the input; ``.weight`` is n_out×n_in, ``.bias`` 1×n_out.

    ``init`` (a name from :mod:`tinygrad_edu.nn.init` or a function
    ``(n_out, n_in, rng) → Matrix``) draws the weight; the default is
    ``"standard_uniform"``, U(−1/√n_in, 1/√n_in), PyTorch's default.
    ``bias_init`` draws the 1×n_out bias the same way, called as
    ``bias_init(1, n_out, rng)``: ``"zeros"`` by default, ``"standard_normal"``
    for Nielsen's N(0, 1) biases.  ``bias=False`` leaves the bias out.
    ``rng``: a ``random.Random``; without one, the shared generator that
    :func:`tinygrad_edu.manual_seed` seeds (as ``torch.nn.Linear`` uses PyTorch's).
    """

    def __init__(
        self,
        n_in: int,
        n_out: int,
        init: str | Initialiser = "standard_uniform",
        rng: random.Random | None = None,
        *,
        bias: bool = True,
        bias_init: str | Initialiser = "zeros",
    ) -> None:
        for size in (n_in, n_out):
            if not is_int(size) or size < 1:
                raise ValueError(f"Linear: n_in and n_out must be integers >= 1, got {(n_in, n_out)!r}")
        check_entries("Linear", n_out, n_in, what="a weight of shape")
        if not isinstance(bias, bool):
            raise TypeError(f"Linear: bias must be True or False, got {bias!r}")
        rng = generator("Linear", rng)
        weight_init, bias_initialiser = initialisers.get(init), initialisers.get(bias_init)
        self.n_in, self.n_out = n_in, n_out
        self.weight = initialisers.drawn("Linear weight", weight_init, n_out, n_in, rng)
        self.bias: Matrix | None = None
        if bias:
            self.bias = initialisers.drawn("Linear bias", bias_initialiser, 1, n_out, rng)

    def forward(self, x: Any) -> Matrix:
        inputs = matrix_from(x, f"Linear({self.n_in} → {self.n_out})")
        if inputs.shape[1] != self.n_in:
            raise ValueError(
                f"Linear({self.n_in} → {self.n_out}): the input has shape {inputs.shape}, "
                f"expected {self.n_in} columns (one row per sample)"
            )
        return linear(inputs, self.weight, self.bias)

    def extra_repr(self) -> str:
        return f"n_in={self.n_in}, n_out={self.n_out}, bias={self.bias is not None}"


class MLP(Sequential):
    """A multilayer perceptron: ``Linear`` layers of the given ``sizes`` with an activation between.

    ``MLP([2, 16, 16, 1])`` is Linear(2→16), act, Linear(16→16), act,
    Linear(16→1): no activation after the last layer (its output is a logit
    or a regression value; the loss applies the sigmoid or softmax).  Pass
    ``output_activation`` to add one.

    * ``activation``: a name (``"tanh"`` default, ``"sigmoid"``, ``"relu"``,
      ``"leaky_relu"``, ``"prelu"``, ``"elu"``, ``"softplus"``, ``"identity"``)
      or a factory of modules (``ReLU``, ``lambda: LeakyReLU(0.2)``).
    * ``init``: the weight initialiser, a name from :mod:`tinygrad_edu.nn.init`
      or a function ``(n_out, n_in, rng) → Matrix``; default ``"xavier_uniform"``
      (the match for tanh; use ``"he_normal"`` for relu).
    * ``bias_init``: ``"zeros"`` (default) or ``"standard_normal"``, N(0, 1).
      Nielsen's setup is ``init="lecun_normal", bias_init="standard_normal"``.

    The layers are named as in a PyTorch ``Sequential``: ``"0.weight"``,
    ``"2.weight"``, ...; ``mlp.linears`` lists the Linear layers alone.
    """

    def __init__(
        self,
        sizes: Sequence[int],
        activation: str | Callable[[], Module] = "tanh",
        init: str | Initialiser = "xavier_uniform",
        rng: random.Random | None = None,
        *,
        bias_init: str | Initialiser = "zeros",
        output_activation: str | Callable[[], Module] | None = None,
    ) -> None:
        if isinstance(sizes, (str, bytes)) or not isinstance(sizes, Sequence):
            raise TypeError(f"MLP: sizes must be a list of layer sizes such as [2, 16, 1], got {sizes!r:.60}")
        sizes = list(sizes)
        if len(sizes) < 2:
            raise ValueError(f"MLP: sizes needs at least an input and an output size, got {sizes!r}")
        for size in sizes:
            if not is_int(size) or size < 1:
                raise ValueError(f"MLP: every size must be an integer >= 1, got {sizes!r:.60}")
        rng = generator("MLP", rng)
        # Every name checked before the first layer draws from rng: a bad argument changes nothing.
        initialisers.get(init), initialisers.get(bias_init), make_activation(activation)
        if output_activation is not None:
            make_activation(output_activation)
        layers: list[Module] = []
        for k, (n_in, n_out) in enumerate(zip(sizes, sizes[1:])):
            layers.append(Linear(n_in, n_out, init=init, rng=rng, bias_init=bias_init))
            if k < len(sizes) - 2:
                layers.append(make_activation(activation))
        if output_activation is not None:
            layers.append(make_activation(output_activation))
        super().__init__(*layers)
        self.sizes = sizes

    @property
    def linears(self) -> list[Linear]:
        """The Linear layers, first to last (layer l of the lecture is ``linears[l - 1]``)."""
        return [layer for layer in self if isinstance(layer, Linear)]
