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

from . import matrix_ops, ops
from .operators import Arithmetic
from .ops import Op
from .reals import (
    Real, as_constant, as_data, as_number, check_function, check_number, is_int, is_real, numbers_of, plain_params,
    rounded, short, to_float,
)
from .backward import backpropagate, chain_rule
from .matrix import Matrix, matrix_from
from .matrix_ops import MatrixOp, elementwise, shape_of
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
        if not create_graph:
            # Speed only: the gradients are read from the nodes' _g slots, not from a dict of every
            # node.  An input the output does not depend on is not reset by the chain rule: reset it first.
            for x in inputs:
                x._g = None
            chain_rule(output, seed)
            return [zero_like(x.data) if x._g is None else x._g for x in inputs]
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
        # A Fraction stays exact, anything else a plain float; an int tangent (1, 0) keeps Fractions
        # exact.  Either part may also be a node itself (nested modes, below): kept as it is.
        self.data = data if _is_node(data) else as_data("Dual", data)
        self.tangent = tangent if _is_node(tangent) else as_number("Dual", tangent)

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
            if any(_is_node(x) for x in numbers):  # nested modes: skip on a first reading
                out, partials = _on_nodes(op, numbers, params)
            else:
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


# ---------------------------------------------------------------------------
# Nested modes: skip on a first reading.  A dual number's parts may be nodes themselves:
# * Dual(Dual(x, 1), Dual(1, 0)) -- a dual number of dual numbers -- carries f(x), f′(x) twice
#   and f″(x) in its tangent's tangent: forward mode over forward mode;
# * Dual(Value(x), Value(v)) makes its tangent ∇f·v a graph of Values, whose gradient is the
#   Hessian-vector product H·v: reverse mode over forward mode;
# * and a Value may hold a Dual (``hvp`` below): reverse mode run on dual numbers, forward
#   mode over reverse mode, H·v again.
# The rules of the table are written with the ops themselves, so they run on any such node.
# ---------------------------------------------------------------------------

def _is_node(x: Any) -> bool:
    """True for a node that can stand where a number does (a Dual, a Value), not a plain number."""
    return isinstance(x, (Dual, Value))


def _on_nodes(op: Op, numbers: Sequence[Any], params: tuple[Any, ...]) -> tuple[Any, tuple[Any, ...]]:
    """``op``'s output and local derivatives when its inputs are nodes: the op and its rule applied to
    them, so that each inner node records or carries its own derivatives."""
    out = op(*numbers, *params)
    partials = op.derivative(*numbers, *params, out)
    return out, ((partials,) if op.arity == 1 else tuple(partials))


def hvp(f: Callable[..., Any], inputs: Sequence[Real], vector: Sequence[Real]) -> list[Real]:
    """The Hessian-vector product H·v of a scalar function ``f`` at ``inputs``, by forward mode over
    reverse mode: reverse mode (``grad``) run on dual numbers x + vε, so that each gradient entry
    carries its derivative along v, (H·v)ᵢ = Σⱼ ∂²f/∂xᵢ∂xⱼ·vⱼ.  One pass, no n×n Hessian.

    >>> hvp(lambda x, y: x * x * y, [3.0, 2.0], [1.0, 0.0])      # H = [[2y, 2x], [2x, 0]]
    [4.0, 6.0]
    """
    check_function("hvp", f)
    inputs = numbers_of("hvp", inputs)
    vector = numbers_of("hvp", vector, "tangent")
    if len(inputs) != len(vector):
        raise ValueError(f"hvp: {len(inputs)} inputs but a vector of {len(vector)}")
    leaves = [Value(Dual(x, v)) for x, v in zip(inputs, vector)]
    out = f(*leaves)
    if not isinstance(out, Value):  # f ignored its inputs: no curvature
        return [0.0] * len(inputs)
    return [g.tangent if isinstance(g, Dual) else 0.0 for g in grad(out, leaves)]


def _constant(op: Op, x: Any, partner: Any) -> Dual:
    """A plain number in a forward-mode expression (the 2 in ``x / 2``): a Dual with tangent 0,
    a Fraction beside a Fraction (so x / 2 stays exact), see :func:`~tinygrad_edu.ops.as_constant`."""
    constant = Dual.__new__(Dual)
    constant.data = as_constant(op.name, x, partner)
    constant.tangent = 0
    return constant


def jvp(f: Callable[..., Any], inputs: Sequence[Any], tangents: Sequence[Any]) -> tuple[Any, Any]:
    """Forward mode: ``(f(inputs), ∇f(inputs) · tangents)`` in one pass.

    ``f`` takes numbers-like arguments and returns one.  With a one-hot
    ``tangents`` the result is one partial derivative.

    >>> jvp(lambda x, y: x * y, [2.0, 5.0], [1.0, 0.0])   # ∂(xy)/∂x = y
    (10.0, 5.0)

    With Matrix inputs (and a Matrix or list of rows as each tangent), ``f``
    gets :class:`DualMatrix` arguments and the result is ``(f(X), J·V)``, two
    Matrices: the directional derivative of the whole output.

    >>> W = Matrix([[1.0, 2.0], [0.0, 1.0]])
    >>> y, dy = jvp(lambda X: W @ X * X, [Matrix([[1.0], [2.0]])], [[[1.0], [0.0]]])
    >>> y.data, dy.data                       # d(W·x ⊙ x) = W·dx ⊙ x + W·x ⊙ dx
    ([[5.0], [4.0]], [[6.0], [0.0]])
    """
    if isinstance(inputs, (list, tuple)) and any(isinstance(x, Matrix) for x in inputs):
        return _matrix_jvp(f, inputs, tangents)
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


class DualMatrix(Matrix):
    """A Matrix that carries a tangent matrix of its shape along: forward mode for whole matrices.

    Every matrix operation computes its result as usual and, from the inputs' tangents, the
    result's tangent (each matrix op's ``jvp`` rule: dA·B + A·dB for a product, the op itself for
    a linear one such as a sum, f′ entry by entry for an elementwise one).  ``tangent`` is ``None``
    for a constant.  Nothing is recorded: there is no graph to store.

    >>> X = DualMatrix([[1.0, 2.0]], [[1.0, 0.0]])      # move the first entry
    >>> Y = (X * X).sum()
    >>> Y.data, Y.tangent                              # d(x₁² + x₂²) = 2x₁·1
    ([[5.0]], [[2.0]])
    """

    __slots__ = ("tangent",)

    def __init__(self, rows: Any, tangent: Any = None) -> None:
        super().__init__(rows, requires_grad=False)
        self.tangent = None if tangent is None else matrix_from(tangent, "DualMatrix: tangent").tolist()
        if self.tangent is not None and shape_of(self.tangent) != self.shape:
            raise ValueError(f"DualMatrix: a tangent of shape {shape_of(self.tangent)} for a matrix of shape "
                             f"{self.shape}")

    @classmethod
    def apply(cls, op: Op | MatrixOp, inputs: Sequence[Any], params: tuple[Any, ...] = ()) -> Self:
        """The result as ``Matrix.apply`` makes it, and its tangent from the op's ``jvp`` rule.

        >>> import math
        >>> X = DualMatrix([[1.0, 2.0]], [[1.0, 1.0]])
        >>> DualMatrix.apply(ops.exp, (X,)).tangent == [[math.exp(1.0), math.exp(2.0)]]
        True
        """
        node = super().apply(op, inputs, params)  # checks shapes and domains first
        matrix_op = op if isinstance(op, MatrixOp) else elementwise(op)
        tangents = [x.tangent if isinstance(x, DualMatrix) else None for x in inputs]
        node.tangent = None
        if any(t is not None for t in tangents):
            if params and not isinstance(op, MatrixOp):
                params = plain_params(params)
            rows = [x.data if isinstance(x, Matrix) else [[x]] for x in inputs]
            node.tangent = matrix_op.jvp(tangents, node.data, *rows, *params)
        return node


    # A plain Matrix on the left (W @ X, 2 * X) must still make a DualMatrix: Python asks the right
    # operand first when its class is a subclass that defines its own reflected operator.
    def __rmatmul__(self, other: Any) -> Self:
        return self.apply(matrix_ops.matmul, (other, self))

    def __radd__(self, other: Any) -> Self:
        return self.apply(ops.add, (other, self))

    def __rsub__(self, other: Any) -> Self:
        return self.apply(ops.sub, (other, self))

    def __rmul__(self, other: Any) -> Self:
        return self.apply(ops.mul, (other, self))

    def __rtruediv__(self, other: Any) -> Self:
        return self.apply(ops.div, (other, self))

    def __rpow__(self, other: Any) -> Self:
        return self.apply(ops.pow_xy, (other, self))

    def __rmod__(self, other: Any) -> Self:
        return self.apply(ops.modulo, (other, self))


def _matrix_jvp(f: Callable[..., Any], inputs: Sequence[Any], tangents: Sequence[Any]) -> tuple[Matrix, Matrix]:
    """``jvp`` for Matrix inputs: f on DualMatrix arguments; (f(X), J·V) as two constant Matrices."""
    check_function("jvp", f)
    if len(inputs) != len(tangents):
        raise ValueError(f"jvp: {len(inputs)} inputs but {len(tangents)} tangents")
    points = [DualMatrix(matrix_from(x, "jvp: input").data, t) for x, t in zip(inputs, tangents)]
    out = f(*points)
    if not isinstance(out, Matrix):
        raise TypeError(f"jvp: f must return a Matrix computed from its inputs, got {short(out)}")
    tangent = out.tangent if isinstance(out, DualMatrix) else None
    m, n = out.shape
    zeros = [[0.0] * n for _ in range(m)]  # f did not use its inputs: no change
    return Matrix.constant(out.tolist()), Matrix.constant(tangent if tangent is not None else zeros)


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
