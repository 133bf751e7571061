"""Derivatives as functions: ``grad`` (reverse mode), higher orders, and forward mode.

Reverse mode (``grad``) gets ∂output/∂x for *every* input in one backward pass:
the right tool for a loss with many parameters.  Forward mode (dual numbers,
``jvp``) carries one directional derivative along with the values: one pass
per input direction, and no graph to store.  Both use the same rules from
:mod:`tinygrad_edu.ops`, so comparing them checks the engines, not the rules;
finite differences (:mod:`tinygrad_edu.numeric`) check the rules.

>>> from tinygrad_edu import Value
>>> x = Value(0.5)
>>> y = x.tanh()
>>> (dy,) = grad(y, [x], create_graph=True)   # tanh′ = 1 − tanh², as a Value
>>> (d2y,) = grad(dy, [x])                     # tanh″ = −2 tanh (1 − tanh²)
>>> round(d2y, 12) == round(-2 * y.data * (1 - y.data ** 2), 12)
True
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from .operators import Arithmetic
from .ops import Op
from .reals import (
    Real, as_constant, as_data, as_number, check_function, check_number, is_int, is_real, numbers_of, plain_params,
    rounded, short, to_float,
)
from .backward import backpropagate
from .matrix import Matrix
from .value import Value, one_like, zero_like

if TYPE_CHECKING:
    from typing_extensions import Self


def grad(output: Any, inputs: Any, create_graph: bool = False, grad_output: Any = None) -> list[Any]:
    """∂output/∂x for each x in ``inputs``, like ``torch.autograd.grad``.

    ``inputs`` is a list of Values (or Matrices), or a single one.  The
    result is always a list with one gradient per input -- for a single
    input a list of one, as ``torch.autograd.grad`` returns a tuple of one --
    and every ``.grad`` is left untouched.  An input the output does not
    depend on gets 0, and so does every input when the output is a plain
    number, a constant (as HIPS autograd, and PyTorch with
    ``materialize_grads=True``).  With ``create_graph=True`` each gradient is
    a :class:`Value` (or a Matrix, for Matrix outputs) that can be
    differentiated again.

    >>> x, y = Value(2.0), Value(5.0)
    >>> grad(x * y, [x, y])
    [5.0, 2.0]
    >>> grad(x * y, x)            # a single input: a list of one
    [5.0]
    >>> grad(3.0, [x])            # a constant does not depend on x
    [0.0]
    >>> x.grad, y.grad
    (0.0, 0.0)
    """
    if not isinstance(create_graph, bool):
        raise TypeError(f"grad: create_graph must be True or False, got {create_graph!r}")
    inputs = _input_list(inputs)
    if isinstance(output, Matrix):  # a Matrix knows its seed's shape and how to return zeros
        return output.gradients(inputs, create_graph=create_graph, grad_output=grad_output)
    for x in inputs:
        if not isinstance(x, Value):
            raise TypeError(f"grad: every input must be a Value, got {short(x)} of type {type(x).__name__}")
    if isinstance(output, Value):
        seed = one_like(output.data) if grad_output is None else as_number("grad", grad_output)
        grads: dict[Any, Any] = backpropagate(output, seed, create_graph)
    elif is_real(output):
        grads = {}  # a constant: nothing depends on anything
    else:
        raise TypeError(f"grad: output must be a Value, a Matrix or a number, got {short(output)} "
                        f"of type {type(output).__name__}")
    result = [grads[x] if x in grads else zero_like(x.data) for x in inputs]
    if create_graph:  # constants (d(x + y)/dx = 1) become Values too, for a uniform type
        result = [g if isinstance(g, Value) else Value(g) for g in result]
    return result


def _input_list(inputs: Any) -> list[Any]:
    """``inputs`` as a list: a single node becomes a list of one; a generator is read once."""
    if isinstance(inputs, Arithmetic):  # a Value, a Matrix
        return [inputs]
    try:
        return list(inputs)
    except TypeError:
        raise TypeError(f"grad: inputs must be a Value, a Matrix or a list of them, got {short(inputs)} "
                        f"of type {type(inputs).__name__}") from None


def derivative(f: Callable[[Value], Any], x: Real, order: int = 1) -> Real:
    """The ``order``-th derivative of a one-argument function ``f`` at ``x``, by reverse mode.

    Each order differentiates the graph of the previous derivative
    (``create_graph=True``).

    >>> derivative(lambda t: t ** 3, 2.0, order=2)    # (t³)″ = 6t
    12.0
    >>> derivative(lambda t: t.exp(), 0.0, order=3)
    1.0
    """
    if not is_int(order):
        raise TypeError(f"derivative: order must be an int, got {order!r}")
    if order < 1:
        raise ValueError(f"derivative: order must be at least 1, got {order!r}")
    if not callable(f):
        raise TypeError(f"derivative: f must be a function of one Value, got {short(f)}")
    check_number("derivative", x)
    point = Value(x)
    d = f(point)
    for _ in range(order):
        if not isinstance(d, Value):  # the previous derivative was a constant
            return 0.0
        (d,) = grad(d, [point], create_graph=True)
    result: Real = d.data
    return result


class Dual(Arithmetic):
    """A dual number ``data + tangent·ε`` with ε² = 0: forward-mode differentiation.

    Taylor's theorem to first order, f(a + bε) = f(a) + f′(a)·b·ε, is exact
    for dual numbers, so carrying ``tangent`` through every op computes the
    derivative along the way.

    >>> x = Dual(3.0, 1.0)       # seed: dx/dx = 1
    >>> y = x * x + 2 * x
    >>> y.data, y.tangent        # y = 15, dy/dx = 2·3 + 2 = 8
    (15.0, 8.0)
    """

    __slots__ = ("data", "tangent")

    def __init__(self, data: Real, tangent: Real = 0.0) -> None:
        self.data = as_data("Dual", data)  # a Fraction stays exact, anything else a plain float
        self.tangent = as_number("Dual", tangent)  # an int tangent (1, 0) keeps Fractions exact

    @classmethod
    def apply(cls, op: Op, inputs: Sequence[Any], params: tuple[Any, ...] = ()) -> Self:
        """Chain rule, forward: tangent(out) = Σᵢ ∂out/∂inputᵢ · tangent(inputᵢ).

        >>> from tinygrad_edu import ops
        >>> Dual.apply(ops.mul, (Dual(3.0, 1.0), Dual(5.0, 0.0)))   # ∂(xy)/∂x = y
        Dual(15.0, 5.0)
        """
        partner = next((x.data for x in inputs if isinstance(x, Dual)), None)
        duals = [x if isinstance(x, Dual) else _constant(op, x, partner) for x in inputs]
        numbers = [d.data for d in duals]
        params = plain_params(params) if params else params
        op.validate(numbers, params)
        try:
            out = op.forward(*numbers, *params)
            partials = op.local_derivatives(*numbers, *params, out=out)
        except OverflowError:  # a Fraction beyond float range met a float: round it (IEEE 754)
            numbers = list(rounded(numbers))
            out = op.forward(*numbers, *params)
            partials = op.local_derivatives(*numbers, *params, out=out)
        tangent: Real = 0
        for partial, d in zip(partials, duals):
            if d.tangent != 0:  # skip, so an infinite slope times a zero tangent is not nan
                try:
                    tangent = tangent + partial * d.tangent
                except OverflowError:
                    tangent = to_float(tangent) + to_float(partial) * to_float(d.tangent)
        return cls(out, tangent)

    def __repr__(self) -> str:
        return f"Dual({self.data!r}, {self.tangent!r})"


def _constant(op: Op, x: Any, partner: Any) -> Dual:
    """A plain number in a forward-mode expression (the 2 in ``x / 2``): a Dual with tangent 0,
    a Fraction beside a Fraction (so x / 2 stays exact), see :func:`~tinygrad_edu.ops.as_constant`."""
    constant = Dual.__new__(Dual)
    constant.data = as_constant(op.name, x, partner)
    constant.tangent = 0
    return constant


def jvp(f: Callable[..., Any], inputs: Sequence[Real], tangents: Sequence[Real]) -> tuple[Real, Real]:
    """Forward mode: ``(f(inputs), ∇f(inputs) · tangents)`` in one pass.

    ``f`` takes numbers-like arguments and returns one.  With a one-hot
    ``tangents`` the result is one partial derivative.

    >>> jvp(lambda x, y: x * y, [2.0, 5.0], [1.0, 0.0])   # ∂(xy)/∂x = y
    (10.0, 5.0)
    """
    return _jvp("jvp", f, numbers_of("jvp", inputs), numbers_of("jvp", tangents, "tangent"))


def _jvp(where: str, f: Callable[..., Any], inputs: list[Real], tangents: list[Real]) -> tuple[Real, Real]:
    check_function(where, f)
    if len(inputs) != len(tangents):
        raise ValueError(f"{where}: {len(inputs)} inputs but {len(tangents)} tangents")
    out = f(*[Dual(x, t) for x, t in zip(inputs, tangents)])
    if is_real(out):  # f ignored its inputs
        return out, 0.0
    if not isinstance(out, Dual):
        raise TypeError(f"{where}: f must return a number computed from its inputs, got {short(out)}")
    return out.data, out.tangent


def forward_gradient(f: Callable[..., Any], inputs: Sequence[Real]) -> list[Real]:
    """Every partial derivative of ``f`` by forward mode: one pass per input.

    >>> forward_gradient(lambda x, y: x * x * y, [3.0, 2.0])     # 2xy, x²
    [12.0, 9.0]
    """
    inputs = numbers_of("forward_gradient", inputs)
    n = len(inputs)
    # Integer seeds 1 and 0 keep Fraction inputs exact (1 * Fraction is a Fraction).
    return [_jvp("forward_gradient", f, inputs, [1 if j == i else 0 for j in range(n)])[1] for i in range(n)]


def reverse_gradient(f: Callable[..., Any], inputs: Sequence[Real]) -> list[Any]:
    """Every partial derivative of ``f`` by reverse mode: one backward pass for all.

    >>> reverse_gradient(lambda x, y: x * x * y, [3.0, 2.0])     # 2xy, x²
    [12.0, 9.0]
    """
    check_function("reverse_gradient", f)
    points = [Value(x) for x in numbers_of("reverse_gradient", inputs)]
    return grad(f(*points), points)
