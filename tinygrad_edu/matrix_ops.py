"""The matrix operations: one table of forward rules and vector-Jacobian rules.

This file is to :class:`~tinygrad_edu.matrix.Matrix` what :mod:`tinygrad_edu.ops`
is to :class:`~tinygrad_edu.value.Value`.  Every operation is defined once, as
a :class:`MatrixOp` with two rules side by side:

* ``forward(*inputs, *params)`` -- the result, from plain lists of rows,
* ``vjp(g, out, needs, *inputs, *params)`` -- the **vector-Jacobian product**:
  given the upstream gradient ``g = ∂L/∂out`` (a matrix of the output's
  shape), return ``∂L/∂input`` for each input, a matrix of that input's shape.

Why a vector-Jacobian product and not a Jacobian?  The Jacobian of
``Y = A·B`` with respect to ``A`` has (m·n)·(m·k) entries, almost all zero.
Backward never needs it, only ``g`` times it, and that has a closed form the
size of ``A``: ``∂L/∂A = g·Bᵀ``.  Each rule below is that closed form, written
for the whole matrix.

The rules are written with Matrix operations (``g @ b.T``, ``g.sum(axis=0)``),
so the same rule serves two purposes:

* ordinary backward runs it under ``no_grad()``: each step makes a plain
  matrix, with no history;
* ``create_graph=True`` runs it with recording on: the gradient is itself a
  graph and can be differentiated again (second derivatives, Hessian-vector
  products).

Two rules also have a plain path that ordinary backward takes, on the lists
directly: ``matmul`` (g·Bᵀ and Aᵀ·g read in place, without making the
transposed copies) and the elementwise functions (f′ entry by entry, fused
with the product by g).  Same formula, fewer passes over the data; the tests
check both paths against the scalar engine.

``needs`` (PyTorch's ``ctx.needs_input_grad``) says which inputs want a
gradient; a rule skips the work for the others (constants, the data ``X``)
and returns ``None`` there.

Elementwise operations are *not* re-derived here.  ``exp``, ``tanh``,
``sigmoid``, ``+``, ``*``... reuse the scalar table :mod:`tinygrad_edu.ops`
entry by entry: the forward maps ``op.forward`` over the elements and the
local derivative is the scalar ``op.derivative`` -- see :class:`Elementwise`.

>>> from tinygrad_edu.matrix import Matrix
>>> A = Matrix([[1.0, 2.0], [3.0, 4.0]])
>>> B = Matrix([[5.0], [6.0]])
>>> loss = (A @ B).sum()
>>> loss.backward()
>>> A.grad        # g·Bᵀ with g = [[1], [1]]: every row of ∂L/∂A is Bᵀ
[[5.0, 6.0], [5.0, 6.0]]
>>> B.grad        # Aᵀ·g: the column sums of A
[[4.0], [6.0]]
"""

from __future__ import annotations

import math
import operator
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from . import ops
from .mode import flags
from .reals import NUMBERS, to_float

if TYPE_CHECKING:
    from .matrix import Matrix

#: A matrix's data: a list of rows, each a list of numbers.
Rows = list[list[Any]]
#: An upstream gradient or local derivative in a rule: a Matrix, or a plain number (the 1 of x + y).
Gradient = Any
#: What a vector-Jacobian rule returns: one gradient per input, None for an input that needs none.
Products = tuple["Matrix | None", ...]

_mul = operator.mul
_add = operator.add


def shape_of(rows: Rows) -> tuple[int, int]:
    """(number of rows, number of columns) of a list of rows."""
    return (len(rows), len(rows[0]))


# ---------------------------------------------------------------------------
# Kernels: the loops on plain lists of rows that the rules share.  They use
# zip, map and comprehensions so that the inner loops run in C (no Python
# function call per element where one can be avoided).
# ---------------------------------------------------------------------------

def dots(u: Sequence[Any], vectors: Sequence[Sequence[Any]]) -> list[Any]:
    """The dot products of ``u`` with each of ``vectors``: one row of a matrix product.

    >>> dots([1, 2], [[3, 4], [5, 6]])
    [11, 17]
    """
    return _DOTS(u, vectors)


def _products(u: Sequence[Any], vectors: Sequence[Sequence[Any]]) -> list[Any]:
    """``dots`` when ``u`` has one entry (an outer product, a column times a row): one
    multiplication each, not one call each.  (Speed only.  The ``+ 0`` makes it the same
    number as a sum starting from 0 would be: −0.0 becomes 0.0, a Fraction stays exact.)"""
    (x,) = u
    return [x * v[0] + 0 for v in vectors]


def _dots_by_sum(u: Sequence[Any], vectors: Sequence[Sequence[Any]]) -> list[Any]:
    return [sum(map(_mul, u, v)) for v in vectors]


_sumprod: Any = getattr(math, "sumprod", None)  # Python 3.12+; None before (then _dots_by_sum is used)


def _dots_by_sumprod(u: Sequence[Any], vectors: Sequence[Sequence[Any]]) -> list[Any]:
    # A comprehension, not map(sumprod, repeat(u), vectors): 3.12+ runs it inline, about 10% cheaper.
    return [_sumprod(u, v) for v in vectors]


#: Speed only: Python 3.12+ has ``math.sumprod``, a dot product in one C call, about twice as
#: fast as ``sum(map(mul, u, v))`` (which 3.12 made slower: ``sum`` of floats is compensated
#: there).  It rounds each sum once, from extended precision, so a last digit can differ.
_DOTS = _dots_by_sumprod if hasattr(math, "sumprod") else _dots_by_sum


def matmul_rows(a: Rows, b: Rows) -> Rows:
    """A·B for lists of rows: entry (i, j) is the dot product of row i of A and column j of B.

    >>> matmul_rows([[1, 2], [3, 4]], [[1, 0], [0, 1]])
    [[1, 2], [3, 4]]
    """
    columns = list(zip(*b))  # read B by columns once, not once per row of A
    kernel = _products if len(b) == 1 else _DOTS
    return [kernel(row, columns) for row in a]


def matmul_rows_by_rows(a: Rows, b: Rows) -> Rows:
    """A·Bᵀ without transposing B: entry (i, j) is the dot product of row i of A and row j of B.

    >>> matmul_rows_by_rows([[1, 2]], [[3, 4], [5, 6]])
    [[11, 17]]
    """
    kernel = _products if b and len(b[0]) == 1 else _DOTS
    return [kernel(row, b) for row in a]


def matmul_columns_by_columns(a: Rows, b: Rows) -> Rows:
    """Aᵀ·B without transposing A: entry (i, j) is the dot product of column i of A and column j of B.

    >>> matmul_columns_by_columns([[1, 2], [3, 4]], [[1], [1]])
    [[4], [6]]
    """
    b_columns = list(zip(*b))
    kernel = _products if len(a) == 1 else _DOTS
    return [kernel(a_column, b_columns) for a_column in zip(*a)]


def transpose_rows(a: Rows) -> Rows:
    """Aᵀ: rows become columns.

    >>> transpose_rows([[1, 2, 3], [4, 5, 6]])
    [[1, 4], [2, 5], [3, 6]]
    """
    return list(map(list, zip(*a)))


def broadcast_rows(a: Rows, m: int, n: int) -> Rows:
    """The m×n matrix that ``a`` stands for when it is broadcast: a 1×n row is
    repeated m times, an m×1 column n times, a 1×1 entry m·n times.
    Every row of the result is a new list (nothing is shared with ``a``).

    >>> broadcast_rows([[1, 2]], 2, 2)
    [[1, 2], [1, 2]]
    >>> broadcast_rows([[1], [2]], 2, 3)
    [[1, 1, 1], [2, 2, 2]]
    """
    rows = a if len(a) == m else a * m
    if len(rows[0]) == n:
        return [row[:] for row in rows]
    return [[row[0]] * n for row in rows]


def _stretched(a: Rows, m: int, n: int) -> Rows:
    """``a`` seen as m rows of n entries, for reading only: the rows of a
    broadcast operand are shared, not copied (cheaper than ``broadcast_rows``)."""
    if len(a[0]) != n:
        a = [[row[0]] * n for row in a]
    return a if len(a) == m else a * m


def broadcast_shape(name: str, symbol: str, shape_a: tuple[int, int], shape_b: tuple[int, int]) -> tuple[int, int]:
    """The shape of ``a <symbol> b`` under the broadcasting rule, or ``ValueError``.

    The rule (NumPy's and PyTorch's, in two dimensions): along each axis the
    two sizes must be equal, or one of them must be 1, and that operand is
    repeated along the axis.  So an m×n matrix combines with another m×n, a
    1×n row (a bias added to every row of a batch), an m×1 column, or 1×1.

    >>> broadcast_shape("add", "+", (4, 3), (1, 3))
    (4, 3)
    >>> broadcast_shape("add", "+", (2, 3), (3, 2))
    Traceback (most recent call last):
    ValueError: add: (2, 3) + (3, 2): shapes do not broadcast (rows: 2 and 3 differ and neither is 1)
    """
    result = []
    for axis, p, q in (("rows", shape_a[0], shape_b[0]), ("columns", shape_a[1], shape_b[1])):
        if p != q and p != 1 and q != 1:
            raise ValueError(
                f"{name}: {shape_a} {symbol} {shape_b}: shapes do not broadcast "
                f"({axis}: {p} and {q} differ and neither is 1)"
            )
        result.append(max(p, q))
    return (result[0], result[1])


def sum_to(g: Matrix, shape: tuple[int, int]) -> Matrix:
    """Undo broadcasting in backward: sum ``g`` over the axes along which an
    operand of ``shape`` was repeated.

    If a 1×n bias b was added to every one of m rows, it influenced the loss
    m times, once per row, and its gradient is the sum of those m
    contributions: the column sums of the upstream gradient,
    ∂L/∂b = Σᵢ gᵢ (``g.sum(axis=0)``).  Works on Matrix nodes, so it is
    recorded under ``create_graph``.
    """
    m, n = g.shape
    if shape[0] == 1 and m != 1:
        g = g.sum(axis=0)
    if shape[1] == 1 and n != 1:
        g = g.sum(axis=1)
    return g


def _constant_like(g: Matrix, rows: Rows) -> Matrix:
    """A constant Matrix (no gradient, no history) of the same class as ``g``."""
    return type(g).constant(rows)


# ---------------------------------------------------------------------------
# The protocol
# ---------------------------------------------------------------------------

class MatrixOp:
    """One matrix operation: ``forward`` and its vector-Jacobian rule ``vjp``.

    ``forward(*inputs, *params)`` gets plain lists of rows and returns a new
    list of rows; it raises ``ValueError`` (naming the operation and the
    shapes) before computing anything when the shapes do not fit.

    ``vjp(g, out, needs, *inputs, *params)`` gets Matrix nodes -- the
    upstream gradient ``g``, the output ``out`` and the inputs -- and returns
    a tuple with one gradient per input (``None`` where ``needs`` is False).
    """

    name = "matrix op"
    arity = 1
    #: Takes ``arity`` or more inputs (the elementwise dot and sum_of); False: exactly ``arity``.
    variadic = False
    #: The op is linear in its one input (sum, transpose, select_rows...): forward mode (``jvp``)
    #: applies the op itself to the input's tangent.
    linear = False

    def forward(self, *args: Any) -> Rows:
        raise NotImplementedError

    def vjp(self, g: Matrix, out: Matrix, needs: Sequence[bool], *args: Any) -> Products:
        raise NotImplementedError

    def jvp(self, tangents: Sequence[Rows | None], out: Rows, *args: Any) -> Rows:
        """Forward mode (skip on a first reading): the output's tangent from the inputs' tangents
        (``None`` for a constant), on plain lists of rows.  A linear op is its own rule."""
        if self.linear:
            return self.forward(tangents[0], *args[self.arity:])
        raise NotImplementedError(f"{self.name}: no forward-mode rule")

    def __repr__(self) -> str:
        return f"MatrixOp({self.name!r})"


# ---------------------------------------------------------------------------
# The table.  Each class: the math in the docstring, then forward, then vjp.
# ---------------------------------------------------------------------------

class MatMul(MatrixOp):
    """Y = A·B, with A m×k and B k×n, so Y is m×n and Yᵢⱼ = Σₗ Aᵢₗ Bₗⱼ.

    Backward, with g = ∂L/∂Y (m×n):

        ∂L/∂A = g·Bᵀ   (m×n)·(n×k) = m×k, the shape of A
        ∂L/∂B = Aᵀ·g   (k×m)·(m×n) = k×n, the shape of B

    (∂L/∂Aᵢₗ = Σⱼ gᵢⱼ Bₗⱼ: Aᵢₗ meets Bₗⱼ in every entry of row i.)  A chain of
    layers multiplies the gradient by one Bᵀ per layer on its way back:
    the product of layer Jacobians behind vanishing and exploding gradients.
    """

    name = "matmul"
    arity = 2

    def forward(self, a: Rows, b: Rows) -> Rows:
        (m, k), (k2, n) = shape_of(a), shape_of(b)
        if k != k2:
            raise ValueError(
                f"matmul: {(m, k)} @ {(k2, n)}: inner dimensions {k} and {k2} differ"
            )
        return matmul_rows(a, b)

    def jvp(self, tangents: Sequence[Rows | None], out: Rows, a: Rows, b: Rows) -> Rows:
        """Forward mode: d(A·B) = dA·B + A·dB (the product rule, for matrices)."""
        ta, tb = tangents
        parts = ([matmul_rows(ta, b)] if ta is not None else []) + ([matmul_rows(a, tb)] if tb is not None else [])
        return parts[0] if len(parts) == 1 else [[s + t for s, t in zip(p, q)] for p, q in zip(*parts)]

    def vjp(self, g: Matrix, out: Matrix, needs: Sequence[bool], a: Matrix, b: Matrix) -> Products:
        if flags.grad_enabled:  # create_graph: the gradients must themselves be graphs
            return (g @ b.T if needs[0] else None, a.T @ g if needs[1] else None)
        # Plain backward: the same two products on the lists, read in the order they
        # need, without making the transposed copies Bᵀ and Aᵀ first.
        return (
            _constant_like(g, matmul_rows_by_rows(g.data, b.data)) if needs[0] else None,
            _constant_like(g, matmul_columns_by_columns(a.data, g.data)) if needs[1] else None,
        )


class Linear(MatrixOp):
    """Y = X·Wᵀ + b, a dense layer as one node (PyTorch's ``F.linear``): X m×k (a row per
    sample), W n×k (a row per unit), b 1×n, so Y is m×n and Yᵢⱼ = Σₗ Xᵢₗ Wⱼₗ + bⱼ.

    Backward, with g = ∂L/∂Y (m×n):

        ∂L/∂X = g·W    (m×n)·(n×k) = m×k
        ∂L/∂W = gᵀ·X   (n×m)·(m×k) = n×k
        ∂L/∂b = Σᵢ gᵢ  the column sums: b was added to every row

    The same numbers as ``X @ W.T + b`` (the same products, summed in the same
    order), from one node instead of three: no transposed copy of W forward or
    back, and the bias added as each entry is made.  (Speed: skip on a first
    reading; ``X @ W.T + b`` is the same thing, op by op.)
    """

    name = "linear"
    arity = 3

    def forward(self, x: Rows, w: Rows, b: Rows) -> Rows:
        (m, k), (n, k2), bias_shape = shape_of(x), shape_of(w), shape_of(b)
        if k != k2:
            raise ValueError(f"linear: x {(m, k)} · Wᵀ with W {(n, k2)}: x has {k} columns, W has {k2}")
        if bias_shape != (1, n):
            raise ValueError(f"linear: the bias has shape {bias_shape}, expected {(1, n)} (one entry per row of W)")
        kernel = _products if k == 1 else _DOTS  # (as matmul_rows chooses, so the numbers are the same)
        (bias,) = b
        return [list(map(_add, kernel(row, w), bias)) for row in x]

    def jvp(self, tangents: Sequence[Rows | None], out: Rows, x: Rows, w: Rows, b: Rows) -> Rows:
        """Forward mode: dY = dX·Wᵀ + X·dWᵀ + db (the product rule, and db on every row)."""
        tx, tw, tb = tangents
        m, n = shape_of(out)
        parts = ([matmul_rows_by_rows(tx, w)] if tx is not None else []) + (
            [matmul_rows_by_rows(x, tw)] if tw is not None else []) + (
            [[list(tb[0]) for _ in range(m)]] if tb is not None else [])
        if not parts:  # no input has a tangent
            return [[0.0] * n for _ in range(m)]
        total = parts[0]
        for part in parts[1:]:
            total = [list(map(_add, t, p)) for t, p in zip(total, part)]
        return total

    def vjp(self, g: Matrix, out: Matrix, needs: Sequence[bool], x: Matrix, w: Matrix, b: Matrix) -> Products:
        if flags.grad_enabled:  # create_graph: the gradients must themselves be graphs
            return (g @ w if needs[0] else None, g.T @ x if needs[1] else None,
                    g.sum(axis=0) if needs[2] else None)
        return (
            _constant_like(g, matmul_rows(g.data, w.data)) if needs[0] else None,
            _constant_like(g, matmul_columns_by_columns(g.data, x.data)) if needs[1] else None,
            _constant_like(g, sum_op.forward(g.data, 0)) if needs[2] else None,
        )


class Transpose(MatrixOp):
    """Y = Aᵀ, Yᵢⱼ = Aⱼᵢ.  Backward: ∂L/∂A = gᵀ (transposing is its own adjoint)."""

    name = "transpose"
    linear = True

    def forward(self, a: Rows) -> Rows:
        return transpose_rows(a)

    def vjp(self, g: Matrix, out: Matrix, needs: Sequence[bool], a: Matrix) -> Products:
        return (g.T,)


class Sum(MatrixOp):
    """Sum of the entries: all of them (axis None, a 1×1 result), down each
    column (axis 0, a 1×n row) or along each row (axis 1, an m×1 column).

    Every entry enters its sum with coefficient 1, so each receives the
    upstream gradient of the sum it went into:

        ∂L/∂A = g broadcast back to A's shape   (g 1×1, 1×n or m×1)

    Sum and broadcast are adjoint to each other: the backward of one is the other.
    """

    name = "sum"
    linear = True

    def forward(self, a: Rows, axis: int | None) -> Rows:
        if axis is None:
            return [[sum(map(sum, a))]]
        if axis == 0:
            return [[sum(column) for column in zip(*a)]]
        return [[sum(row)] for row in a]

    def vjp(self, g: Matrix, out: Matrix, needs: Sequence[bool], a: Matrix, axis: int | None) -> Products:
        return (g.broadcast_to(a.shape),)


class Mean(MatrixOp):
    """Mean of the entries (all, axis 0 or axis 1): the sum divided by the count N.

    Each entry's weight is 1/N, so ∂L/∂A = (g / N) broadcast back to A's shape.
    """

    name = "mean"
    linear = True

    def forward(self, a: Rows, axis: int | None) -> Rows:
        m, n = shape_of(a)
        if axis is None:
            return [[sum(map(sum, a)) / (m * n)]]
        if axis == 0:
            return [[sum(column) / m for column in zip(*a)]]
        return [[sum(row) / n] for row in a]

    def vjp(self, g: Matrix, out: Matrix, needs: Sequence[bool], a: Matrix, axis: int | None) -> Products:
        m, n = a.shape
        count = m * n if axis is None else (m if axis == 0 else n)
        return ((g / count).broadcast_to(a.shape),)


class BroadcastTo(MatrixOp):
    """Repeat a 1×1, 1×n or m×1 matrix to the shape (m, n).

    Each input entry is copied into several outputs, so its gradient is the
    sum of theirs: ∂L/∂A = g summed over the repeated axes (``sum_to``).
    """

    name = "broadcast_to"
    linear = True

    def forward(self, a: Rows, m: int, n: int) -> Rows:
        broadcast_shape("broadcast_to", "to", shape_of(a), (m, n))
        if (m, n) != (max(len(a), m), max(len(a[0]), n)):
            raise ValueError(f"broadcast_to: {shape_of(a)} to {(m, n)}: the target is smaller")
        return broadcast_rows(a, m, n)

    def vjp(self, g: Matrix, out: Matrix, needs: Sequence[bool], a: Matrix, m: int, n: int) -> Products:
        return (sum_to(g, a.shape),)


class SelectRows(MatrixOp):
    """Y = the rows of A listed in ``index`` (a tuple of row numbers), in order.

    Backward scatters each row of g back to the row it came from, adding
    when a row was picked twice: ∂L/∂Aᵢ = Σ over picks p of row i of gₚ.
    """

    name = "select_rows"
    linear = True

    def forward(self, a: Rows, index: tuple[int, ...]) -> Rows:
        return [a[i][:] for i in index]

    def vjp(self, g: Matrix, out: Matrix, needs: Sequence[bool], a: Matrix, index: tuple[int, ...]) -> Products:
        return (g.scatter_rows(index, a.shape[0]),)


class ScatterRows(MatrixOp):
    """The adjoint of :class:`SelectRows`: an m×n matrix of zeros with row p of
    A added into row ``index[p]``.  Backward picks the rows again:
    ∂L/∂Aₚ = g[index[p]]."""

    name = "scatter_rows"
    linear = True

    def forward(self, a: Rows, index: tuple[int, ...], m: int) -> Rows:
        n = len(a[0])
        rows = [[0.0] * n for _ in range(m)]
        for i, row in zip(index, a):
            rows[i] = [s + x for s, x in zip(rows[i], row)]
        return rows

    def vjp(self, g: Matrix, out: Matrix, needs: Sequence[bool], a: Matrix, index: tuple[int, ...],
            m: int) -> Products:
        return (g.select_rows(index),)


class GatherColumns(MatrixOp):
    """Y = one entry of each row: Yᵢ = A[i, index[i]], an m×1 column (``torch.gather(A, 1, index)``).

    Backward puts each gᵢ back where its entry came from, zeros elsewhere
    (:class:`ScatterColumns`): only the picked entries get a gradient.  Cross-
    entropy picks each row's target log-probability this way; multiplying by a
    one-hot matrix instead would compute 0·(−inf) = nan wherever another
    class has probability 0.
    """

    name = "gather_columns"
    linear = True

    def forward(self, a: Rows, index: tuple[int, ...]) -> Rows:
        return [[row[j]] for row, j in zip(a, index)]

    def vjp(self, g: Matrix, out: Matrix, needs: Sequence[bool], a: Matrix, index: tuple[int, ...]) -> Products:
        return (g.scatter_columns(index, a.shape[1]),)


class ScatterColumns(MatrixOp):
    """The adjoint of :class:`GatherColumns`: an m×n matrix of zeros with the
    m×1 column A's entry i in column ``index[i]`` of row i.  Backward gathers
    again: ∂L/∂Aᵢ = g[i, index[i]]."""

    name = "scatter_columns"
    linear = True

    def forward(self, a: Rows, index: tuple[int, ...], n: int) -> Rows:
        rows = [[0.0] * n for _ in a]
        for row, j, (x,) in zip(rows, index, a):
            row[j] = x
        return rows

    def vjp(self, g: Matrix, out: Matrix, needs: Sequence[bool], a: Matrix, index: tuple[int, ...],
            n: int) -> Products:
        return (g.gather_columns(index),)


class Extremum(MatrixOp):
    """The largest (``max``) or smallest (``min``) entry: of all of them (axis None, a 1×1 result),
    of each column (axis 0, 1×n) or of each row (axis 1, m×1).  A nan in a group makes it nan.

    Only the entries that reach the extremum move it, so only they get a gradient.  Where k entries
    tie, each gets an equal share (PyTorch's ``amax``/``amin``, and its ``max()`` of a whole tensor,
    do the same; its ``max(dim)`` gives all of it to one index instead):

        ∂L/∂Aᵢⱼ = g/k  where Aᵢⱼ is one of the k entries equal to the extremum of its group, else 0

    The shares are constants, so under ``create_graph`` the second derivative is 0, as it is
    wherever max is differentiable (between ties it is linear).
    """

    def __init__(self, name: str, pick: Any) -> None:
        self.name = name
        self.pick = pick  # the builtin max or min

    def forward(self, a: Rows, axis: int | None) -> Rows:
        if axis is None:
            return [[self._of([x for row in a for x in row])]]
        if axis == 0:
            return [[self._of(list(column)) for column in zip(*a)]]
        return [[self._of(row)] for row in a]

    def _of(self, values: list[Any]) -> Any:
        return math.nan if any(v != v for v in values) else self.pick(values)

    def vjp(self, g: Matrix, out: Matrix, needs: Sequence[bool], a: Matrix, axis: int | None) -> Products:
        return (g.broadcast_to(a.shape) * _constant_like(g, _shares(a.data, out.data, axis)),)

    def jvp(self, tangents: Sequence[Rows | None], out: Rows, a: Rows, axis: int | None) -> Rows:
        """Forward mode: the tied entries' tangents, averaged: Σ share·tangent over each group."""
        (t,) = tangents
        assert t is not None
        weighted = [[w * v for w, v in zip(w_row, t_row)] for w_row, t_row in zip(_shares(a, out, axis), t)]
        return Sum().forward(weighted, axis)


def _shares(a: Rows, out: Rows, axis: int | None) -> Rows:
    """Each entry's share of its group's extremum: 1/k for the k entries that reach it, else 0."""
    m, n = shape_of(a)
    extreme = broadcast_rows(out, m, n)  # each entry beside the extremum of its group
    hits = [[x == e or (x != x and e != e) for x, e in zip(row, e_row)] for row, e_row in zip(a, extreme)]
    counts = broadcast_rows(Sum().forward([[int(h) for h in row] for row in hits], axis), m, n)
    one = [[type(e)(1) for e in row] for row in extreme]  # 1, or Fraction(1): exact shares of a Fraction
    return [[u / k if hit else 0 * u for hit, u, k in zip(h_row, u_row, k_row)]
            for h_row, u_row, k_row in zip(hits, one, counts)]


# ---------------------------------------------------------------------------
# Elementwise operations: the scalar table, applied entry by entry.
# ---------------------------------------------------------------------------

def _located(error: Exception, i: int, j: int, shape: tuple[int, int]) -> Exception:
    """The same error, with the entry where it happened added to the message."""
    return type(error)(f"{error} (at entry ({i}, {j}) of a {shape[0]}×{shape[1]} matrix)")


class Elementwise(MatrixOp):
    """A scalar op from :mod:`tinygrad_edu.ops`, applied to every entry.

    Unary, Y = f(X):  ∂L/∂X = g ⊙ f′(X), where ⊙ multiplies entry by entry and
    f′ is the scalar rule ``op.derivative(x, out)`` applied to every entry.
    The Jacobian of an elementwise map is diagonal, so the vector-Jacobian
    product is just this entrywise product.

    Binary, Y = f(A, B) with broadcasting:  ∂L/∂A = sum_to(g ⊙ ∂f/∂a, shape of A),
    and the same for B, with ∂f/∂a, ∂f/∂b the scalar rule evaluated on the
    whole matrices (``mul``: (B, A); ``div``: (1/B, −Y/B)).

    Reusing the scalar rules means there is one place where σ′ = σ(1 − σ) is
    written, and both engines read it.
    """

    def __init__(self, op: ops.Op) -> None:
        self.op = op
        self.name = op.name
        self.arity = op.arity
        self.variadic = op.variadic
        self.__doc__ = f"{op.name} applied entry by entry.  {op.__doc__}"

    def __repr__(self) -> str:
        return f"Elementwise({self.op!r})"

    # -- forward -------------------------------------------------------------

    def forward(self, *args: Any) -> Rows:
        if self.arity == 1:
            return self._forward_unary(args[0], args[1:])
        if self.arity == 2 and not self.variadic:
            return self._forward_binary(args[0], args[1], args[2:])
        return self._forward_many(args)

    def _forward_many(self, args: Sequence[Rows]) -> Rows:
        """A variadic op (dot, sum_of) entry by entry, its inputs broadcast to one shape."""
        shape = shape_of(args[0])
        for a in args[1:]:
            shape = broadcast_shape(self.name, "with", shape, shape_of(a))
        stretched = [_stretched(a, *shape) for a in args]
        f = self.op.forward
        return [list(map(f, *rows)) for rows in zip(*stretched)]

    def _forward_unary(self, a: Rows, params: tuple[Any, ...]) -> Rows:
        op = self.op
        if op.restricted:  # log, sqrt, power: check every entry first, so an error creates nothing
            for i, row in enumerate(a):
                for j, x in enumerate(row):
                    try:
                        op.validate((x,), params)
                    except (ValueError, ZeroDivisionError) as error:
                        raise _located(error, i, j, shape_of(a)) from None
        if op.matrix_forward is not None:  # speed only: the same rule on all the rows at once
            rows: Rows = op.matrix_forward(a, *params)
            return rows
        f = op.forward
        if params:
            return [[f(x, *params) for x in row] for row in a]
        return [list(map(f, row)) for row in a]

    def _forward_binary(self, a: Rows, b: Rows, params: tuple[Any, ...]) -> Rows:
        op = self.op
        shape_a, shape_b = shape_of(a), shape_of(b)
        m, n = broadcast_shape(op.name, op.python_operator or "with", shape_a, shape_b)
        rows_a, rows_b = _stretched(a, m, n), _stretched(b, m, n)
        if op.restricted:  # div by zero, a non-positive base of x ** y: find it before computing
            for i, (ra, rb) in enumerate(zip(rows_a, rows_b)):
                for j, (x, y) in enumerate(zip(ra, rb)):
                    try:
                        op.validate((x, y), params)
                    except (ValueError, ZeroDivisionError) as error:
                        raise _located(error, i, j, (m, n)) from None
        f = op.forward
        if n == 1:  # columns (m×1): one entry per row, so unpack it rather than map over the row
            return [[f(x, y)] for (x,), (y,) in zip(rows_a, rows_b)]
        return [list(map(f, ra, rb)) for ra, rb in zip(rows_a, rows_b)]

    # -- forward mode: skip on a first reading ---------------------------------

    def jvp(self, tangents: Sequence[Rows | None], out: Rows, *args: Any) -> Rows:
        """Σᵢ ∂f/∂inputᵢ · tangentᵢ entry by entry, with the scalar rule on the numbers; a zero
        tangent is skipped, so an infinite slope times no change is 0, not nan (as for Dual)."""
        m, n = shape_of(out)
        inputs = [_stretched(x, m, n) for x in args[:self.arity]]
        params = args[self.arity:]
        moving = [(i, _stretched(t, m, n)) for i, t in enumerate(tangents) if t is not None]
        rows = []
        for r in range(m):
            row = []
            for c in range(n):
                numbers = [x[r][c] for x in inputs]
                partials = self.op.local_derivatives(*numbers, *params, out=out[r][c])
                row.append(sum((partials[i] * t[r][c] for i, t in moving if t[r][c] != 0), 0.0))
            rows.append(row)
        return rows

    # -- backward ------------------------------------------------------------

    def vjp(self, g: Matrix, out: Matrix, needs: Sequence[bool], *args: Any) -> Products:
        if self.arity == 1:
            return (self._vjp_unary(g, out, args[0], args[1:]),)
        if self.variadic:  # dot, sum_of: the rule on whole matrices, as for two inputs
            local = self.op.derivative(*args, out)
            return tuple(sum_to(_times(g, d), x.shape) if need else None for x, d, need in zip(args, local, needs))
        return self._vjp_binary(g, out, needs, args[0], args[1])

    def _vjp_unary(self, g: Matrix, out: Matrix, x: Matrix, params: tuple[Any, ...]) -> Matrix:
        op = self.op
        derivative = op.derivative
        if not flags.grad_enabled:
            # Plain backward: f′ entry by entry on numbers, multiplied into g in the same pass.
            if op.matrix_vjp is not None:  # speed only: the same products, fused into one comprehension
                return _constant_like(g, op.matrix_vjp(g.data, x.data, out.data, *params))
            return _constant_like(g, [
                [gv * derivative(xv, *params, ov) for gv, xv, ov in zip(g_row, x_row, out_row)]
                for g_row, x_row, out_row in zip(g.data, x.data, out.data)
            ])
        # create_graph: the local derivative must itself be a graph (or an exact constant).
        if op.piecewise_linear or op.kinks:
            local = _entrywise_derivative(op, x, out, params)
        else:
            if op.vertical_tangents:
                _refuse_infinite_slopes(op, x, out, params)
            local = derivative(x, *params, out)  # the scalar rule, run on Matrix nodes
        return g * local

    def _vjp_binary(self, g: Matrix, out: Matrix, needs: Sequence[bool], a: Matrix,
                    b: Matrix) -> Products:
        op = self.op
        if op.vertical_tangents:  # x ** y at a zero base: the rule reads the numbers there (∂/∂y = 0, a limit)
            _refuse_special_entry(op, a)  # under create_graph
        # Plain backward takes the rule of an op with jumps or vertical tangents (atan2, which rescales
        # tiny inputs; pow at a zero base) on each pair of numbers, as it would on Values.
        reads_numbers = not flags.grad_enabled and bool(op.jumps or op.vertical_tangents)
        if op.piecewise_linear or op.kinks or reads_numbers:  # a rule that reads the numbers: entry by entry
            local_a, local_b = _entrywise_binary_derivative(op, a, b, out)
        else:
            local_a, local_b = op.derivative(a, b, out)  # the scalar rule on whole matrices
        return (
            sum_to(_times(g, local_a), a.shape) if needs[0] else None,
            sum_to(_times(g, local_b), b.shape) if needs[1] else None,
        )


def _times(g: Matrix, local: Gradient) -> Matrix:
    """g ⊙ local, skipping the multiplication for the constant partials ±1 of + and −."""
    if isinstance(local, NUMBERS):
        if local == 1:
            return g
        if local == -1:
            return -g
    product: Matrix = g * local
    return product


def _entrywise_derivative(op: ops.Op, x: Matrix, out: Matrix, params: tuple[Any, ...]) -> Matrix:
    """f′ of a kinked op at every entry, from its rule on the numbers, as a constant matrix.

    A rule that reads its input's number (relu′ is 1 for x > 0) cannot run on
    a whole matrix.  For a piecewise-linear op the numbers are exact even
    under ``create_graph``: the derivative is a constant on each side of the
    kink, so its own derivative is 0 there.  For any other kinked op a graph
    of f′ would be needed, which this engine cannot build from such a rule.
    """
    if not op.piecewise_linear:
        raise NotImplementedError(
            f"{op.name}: a second derivative through a Matrix needs the derivative as a graph, and this op's "
            f"rule reads its input's number (it has kinks) without being piecewise linear; use Values"
        )
    return _constant_like(out, [
        [op.derivative(xv, *params, ov) for xv, ov in zip(x_row, out_row)]
        for x_row, out_row in zip(x.data, out.data)
    ])


def _pair_derivative(op: ops.Op, av: Any, bv: Any, ov: Any) -> Any:
    """The rule at one pair of numbers; a Fraction beyond float range beside a float rounded the
    IEEE way first, as ``Value.apply`` does (0.0 ** Fraction(10**400) must not raise)."""
    try:
        return op.derivative(av, bv, ov)
    except OverflowError:
        return op.derivative(to_float(av), to_float(bv), ov)


def _entrywise_binary_derivative(op: ops.Op, a: Matrix, b: Matrix, out: Matrix) -> tuple[Matrix, Matrix]:
    """∂f/∂a and ∂f/∂b of a kinked binary op at every entry (a, b broadcast to out's shape)."""
    if not op.piecewise_linear and flags.grad_enabled:
        _entrywise_derivative(op, a, out, ())  # raises the NotImplementedError above
    m, n = out.shape
    rows_a, rows_b = _stretched(a.data, m, n), _stretched(b.data, m, n)
    pairs = [[_pair_derivative(op, av, bv, ov) for av, bv, ov in zip(ra, rb, ro)]
             for ra, rb, ro in zip(rows_a, rows_b, out.data)]
    return (_constant_like(out, [[p[0] for p in row] for row in pairs]),
            _constant_like(out, [[p[1] for p in row] for row in pairs]))


def _refuse_infinite_slopes(op: ops.Op, x: Matrix, out: Matrix, params: tuple[Any, ...]) -> None:
    """Under create_graph, an entry where the op's slope is infinite (√x at 0) has no second
    derivative, and its rule's formula on a matrix would divide by zero there: say so."""
    for i, (x_row, out_row) in enumerate(zip(x.data, out.data)):
        for j, (xv, ov) in enumerate(zip(x_row, out_row)):
            if not math.isfinite(op.derivative(xv, *params, ov)):
                raise NotImplementedError(
                    f"{op.name}: create_graph at entry ({i}, {j}) = {xv!r}, where the derivative is "
                    f"infinite: second derivatives are not defined there"
                )


def _refuse_special_entry(op: ops.Op, a: Matrix) -> None:
    """Under create_graph, refuse an entry of a binary op's first input at one of its vertical
    tangents: the rule reads its numbers there, so it gives no graph to differentiate again."""
    if not flags.grad_enabled:
        return
    for i, row in enumerate(a.data):
        for j, v in enumerate(row):
            if v in op.vertical_tangents:
                raise NotImplementedError(
                    f"{op.name}: create_graph at entry ({i}, {j}) = {v!r} of input 0, where the rule reads the "
                    f"numbers ({'; '.join(op.vertical_tangents.values())}): second derivatives there need Values"
                )


# ---------------------------------------------------------------------------
# The table, by name, and the elementwise version of every scalar op.
# ---------------------------------------------------------------------------

matmul = MatMul()
linear = Linear()
transpose = Transpose()
sum_op = Sum()
mean = Mean()
broadcast_to = BroadcastTo()
select_rows = SelectRows()
scatter_rows = ScatterRows()
gather_columns = GatherColumns()
scatter_columns = ScatterColumns()
amax = Extremum("max", max)
amin = Extremum("min", min)

_ELEMENTWISE: dict[ops.Op, Elementwise] = {op: Elementwise(op) for op in ops.OPS.values()}


def elementwise(op: ops.Op) -> Elementwise:
    """The elementwise matrix version of a scalar op (made once, then reused).

    Your own :class:`~tinygrad_edu.ops.Op` works on matrices too:

    >>> from tinygrad_edu.matrix import Matrix
    >>> cube = ops.Op("cube", forward=lambda x: x ** 3, derivative=lambda x, out: 3 * x * x)
    >>> X = Matrix([[1.0, 2.0]])
    >>> Y = Matrix.apply(cube, (X,))
    >>> Y.sum().backward()
    >>> Y.data, X.grad
    ([[1.0, 8.0]], [[3.0, 12.0]])
    """
    found = _ELEMENTWISE.get(op)
    if found is None:
        if not isinstance(op, ops.Op):
            raise TypeError(f"Matrix.apply: expected a MatrixOp or an Op (see tinygrad_edu.ops), got {op!r:.40}")
        found = _ELEMENTWISE[op] = Elementwise(op)
    return found


#: Every matrix operation, by name: the elementwise ones carry the scalar op's name.
MATRIX_OPS: dict[str, MatrixOp] = {
    op.name: op
    for op in (matmul, linear, transpose, sum_op, mean, broadcast_to, select_rows, scatter_rows,
               gather_columns, scatter_columns, amax, amin, *_ELEMENTWISE.values())
}
