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

from typing import Callable, Sequence

from .operators import Arithmetic
from .ops import NUMBERS, Op, check_number
from .value import Value, backpropagate


def grad(output, inputs: Sequence, create_graph: bool = False, grad_output=None) -> list:
    """∂output/∂x for each x in ``inputs``, like ``torch.autograd.grad``.

    Returns a list with one gradient per input and leaves every ``.grad``
    untouched.  An input the output does not depend on gets 0.  With
    ``create_graph=True`` each gradient is a :class:`Value` (or a Matrix, for
    Matrix outputs) that can be differentiated again.

    >>> x, y = Value(2.0), Value(5.0)
    >>> grad(x * y, [x, y])
    [5.0, 2.0]
    >>> x.grad, y.grad
    (0.0, 0.0)
    """
    gradients = getattr(output, "gradients", None)
    if gradients is not None:  # a Matrix: it knows its own backward
        return gradients(inputs, create_graph=create_graph, grad_output=grad_output)
    if not isinstance(output, Value):
        raise TypeError(f"grad: output must be a Value or a Matrix, got {type(output).__name__}")
    for x in inputs:
        if not isinstance(x, Value):
            raise TypeError(f"grad: every input must be a Value, got {x!r}")
    if grad_output is not None:
        check_number("grad", grad_output)
    grads = backpropagate(output, grad_output, create_graph=create_graph)
    result = [grads.get(x, 0.0) for x in inputs]
    if create_graph:  # constants (d(x + y)/dx = 1) become Values too, for a uniform type
        result = [g if isinstance(g, Value) else Value(g) for g in result]
    return result


def derivative(f: Callable, x: float, order: int = 1) -> float:
    """The ``order``-th derivative of a one-argument function ``f`` at ``x``, by reverse mode.

    Each order differentiates the graph of the previous derivative
    (``create_graph=True``).

    >>> derivative(lambda t: t ** 3, 2.0, order=2)    # (t³)″ = 6t
    12.0
    >>> derivative(lambda t: t.exp(), 0.0, order=3)
    1.0
    """
    if order < 1:
        raise ValueError(f"derivative: order must be at least 1, got {order!r}")
    point = Value(x)
    d = f(point)
    for _ in range(order):
        if not isinstance(d, Value):  # the previous derivative was a constant
            return 0.0
        (d,) = grad(d, [point], create_graph=True)
    return d.data


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

    def __init__(self, data, tangent=0.0) -> None:
        check_number("Dual", data)
        check_number("Dual", tangent)
        self.data = float(data) if isinstance(data, int) else data
        self.tangent = tangent

    @classmethod
    def apply(cls, op: Op, inputs, params: tuple = ()) -> "Dual":
        """Chain rule, forward: tangent(out) = Σᵢ ∂out/∂inputᵢ · tangent(inputᵢ)."""
        duals = [x if isinstance(x, Dual) else Dual(x) for x in inputs]
        numbers = [d.data for d in duals]
        op.validate(numbers, params)
        out = op.forward(*numbers, *params)
        partials = op.local_derivatives(*numbers, *params, out=out)
        tangent = 0
        for partial, d in zip(partials, duals):
            if d.tangent != 0:  # skip, so an infinite slope times a zero tangent is not nan
                tangent = tangent + partial * d.tangent
        return cls(out, tangent)

    def __repr__(self) -> str:
        return f"Dual({self.data!r}, {self.tangent!r})"


def jvp(f: Callable, inputs: Sequence, tangents: Sequence) -> tuple:
    """Forward mode: ``(f(inputs), ∇f(inputs) · tangents)`` in one pass.

    ``f`` takes numbers-like arguments and returns one.  With a one-hot
    ``tangents`` the result is one partial derivative.

    >>> jvp(lambda x, y: x * y, [2.0, 5.0], [1.0, 0.0])   # ∂(xy)/∂x = y
    (10.0, 5.0)
    """
    if len(inputs) != len(tangents):
        raise ValueError(f"jvp: {len(inputs)} inputs but {len(tangents)} tangents")
    out = f(*[Dual(x, t) for x, t in zip(inputs, tangents)])
    if isinstance(out, NUMBERS):  # f ignored its inputs
        return out, 0.0
    return out.data, out.tangent


def forward_gradient(f: Callable, inputs: Sequence) -> list:
    """Every partial derivative of ``f`` by forward mode: one pass per input."""
    n = len(inputs)
    # Integer seeds 1 and 0 keep Fraction inputs exact (1 * Fraction is a Fraction).
    return [jvp(f, inputs, [1 if j == i else 0 for j in range(n)])[1] for i in range(n)]


def reverse_gradient(f: Callable, inputs: Sequence) -> list:
    """Every partial derivative of ``f`` by reverse mode: one backward pass for all."""
    points = [Value(x) for x in inputs]
    return grad(f(*points), points)
