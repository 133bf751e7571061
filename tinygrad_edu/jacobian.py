"""Full Jacobians of a Matrix → Matrix function: by reverse mode, and by central differences.

For Y = f(X), with X p×q and Y m×n, the Jacobian J has one row per output
entry and one column per input entry, both numbered row by row:

    J[i·n + j, k·q + l] = ∂Yᵢⱼ / ∂Xₖₗ,   an (m·n) × (p·q) matrix.

For a column vector x (p×1) this is the usual Jacobian ∂y/∂x.  The chain rule
says the Jacobian of a composition is the product of the Jacobians,
∂(g∘f)/∂x = J_g(f(x)) · J_f(x): backprop through a deep network multiplies
one factor per layer, and that product is what vanishes or explodes.

Reverse mode gets one *row* of J per backward pass (the gradient of one output
entry, seeded with a one-hot upstream gradient); central differences get one
*column* per pair of evaluations (nudge one input entry up and down).

>>> from tinygrad_edu.matrix import Matrix
>>> W = Matrix([[2.0, 0.0], [1.0, 3.0]])
>>> x = Matrix([[1.0], [1.0]])
>>> jacobian(lambda v: W @ v, x).data          # the Jacobian of a linear map is its matrix
[[2.0, 0.0], [1.0, 3.0]]
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from .matrix import Matrix, matrix_from
from .mode import no_grad
from .numeric import default_step, positive_step
from .reals import check_function

__all__ = ["jacobian", "numeric_jacobian"]


def jacobian(f: Callable[[Matrix], Matrix], x: Any, create_graph: bool = False) -> Matrix:
    """The Jacobian of ``f`` at ``x`` by reverse mode: one backward pass per output entry.

    ``x`` is a Matrix or a list of rows; ``f`` gets a fresh leaf with its numbers.

    >>> jacobian(lambda v: v * v, [[1.0, 2.0]]).data      # diagonal: ∂(vⱼ²)/∂vⱼ = 2vⱼ
    [[2.0, 0.0], [0.0, 4.0]]

    With ``create_graph=True`` (``x`` a Matrix) ``f`` gets ``x`` itself, and the
    Jacobian is a graph of ``x`` that can be differentiated again, as with
    ``torch.autograd.functional.jacobian(..., create_graph=True)``:

    >>> X = Matrix([[1.0, 2.0]])
    >>> J = jacobian(lambda v: v * v * v, X, create_graph=True)     # diag(3vⱼ²)
    >>> J.data
    [[3.0, 0.0], [0.0, 12.0]]
    >>> J.sum().gradients([X])[0].data                              # ∂/∂vⱼ of 3vⱼ² = 6vⱼ
    [[6.0, 12.0]]
    """
    check_function("jacobian", f)
    if not isinstance(create_graph, bool):
        raise TypeError(f"jacobian: create_graph must be True or False, got {create_graph!r}")
    if create_graph:
        if not isinstance(x, Matrix):
            raise TypeError(f"jacobian: create_graph=True needs x as a Matrix (the Jacobian is a graph of it), "
                            f"got {type(x).__name__}")
        return _jacobian_graph(f, x)
    point = _leaf("jacobian", x)
    y = _evaluate("jacobian", f, point)
    m, n = y.shape
    rows = []
    for i in range(m):
        for j in range(n):
            (g,) = y.gradients([point], grad_output=_one_hot(m, n, i, j))
            rows.append([v for row in g.data for v in row])
    return Matrix(rows, requires_grad=False)


def _one_hot(m: int, n: int, i: int, j: int) -> Matrix:
    """The upstream gradient that picks output entry (i, j)."""
    seed = Matrix.zeros(m, n, requires_grad=False)
    seed.data[i][j] = 1.0
    return seed


def _jacobian_graph(f: Callable[[Matrix], Matrix], x: Matrix) -> Matrix:
    """The Jacobian as a graph of ``x``: each row, the gradient of one output entry (a p×q graph),
    laid out flat as 1×(p·q) by matrix products with constant 0/1 matrices, then put in its place by
    ``scatter_rows`` and added up.  Only differentiable operations, so every step is recorded."""
    y = _evaluate("jacobian", f, x)
    (m, n), (p, q) = y.shape, x.shape
    jac = None
    for i in range(m):
        for j in range(n):
            (g,) = y.gradients([x], grad_output=_one_hot(m, n, i, j), create_graph=True)
            flat = None
            for k in range(p):  # row k of g goes to columns k·q … k·q + q − 1 of the flat row
                place = Matrix.constant([[1.0 if c == k * q + r else 0.0 for c in range(p * q)] for r in range(q)])
                term = g.select_rows([k]) @ place
                flat = term if flat is None else flat + term
            assert flat is not None
            row = flat.scatter_rows([i * n + j], m * n)
            jac = row if jac is None else jac + row
    assert jac is not None
    return jac


def numeric_jacobian(f: Callable[[Matrix], Matrix], x: Any, h: float | None = None) -> Matrix:
    """The Jacobian of ``f`` at ``x`` by central differences, column by column:

        J[:, k·q + l] ≈ (f(X + h·Eₖₗ) − f(X − h·Eₖₗ)) / 2h

    with Eₖₗ the one-hot matrix of entry (k, l) and, by default, the step
    h = ε^(1/3)·max(|Xₖₗ|, 1) of :func:`tinygrad_edu.numeric.default_step`
    (truncation and rounding errors balance there, at about ε^(2/3) ≈ 4e-11 relative).
    ``f`` is evaluated under ``no_grad``: no graph is built.

    >>> J = numeric_jacobian(lambda v: v * v, [[1.0, 2.0]])
    >>> [[round(v, 8) for v in row] for row in J.data]
    [[2.0, 0.0], [0.0, 4.0]]
    """
    check_function("numeric_jacobian", f)
    point = _leaf("numeric_jacobian", x)
    p, q = point.shape
    for i, row in enumerate(point.data):
        for j, v in enumerate(row):
            if not math.isfinite(v):
                raise ValueError(f"numeric_jacobian: entry ({i}, {j}) of x is {v!r}; a difference quotient "
                                 f"needs a finite point")
    if h is not None:
        h = positive_step("numeric_jacobian", h)
    columns = []
    with no_grad():
        shape = _evaluate("numeric_jacobian", f, point).shape
        for i in range(p):
            for j in range(q):
                step = default_step(point.data[i][j]) if h is None else h
                up = _evaluate("numeric_jacobian", f, _nudged(point, i, j, step))
                down = _evaluate("numeric_jacobian", f, _nudged(point, i, j, -step))
                if up.shape != shape or down.shape != shape:
                    moved = up.shape if up.shape != shape else down.shape
                    raise ValueError(f"numeric_jacobian: f changed its output shape when x moved ({shape} → {moved})")
                columns.append([
                    (a - b) / (2 * step) for row_up, row_down in zip(up.data, down.data)
                    for a, b in zip(row_up, row_down)
                ])
    return Matrix([list(row) for row in zip(*columns)], requires_grad=False)


def _leaf(where: str, x: Any) -> Matrix:
    """A new leaf holding a copy of x's numbers (x: a Matrix or a list of rows, checked)."""
    return Matrix(matrix_from(x, f"{where}: x").data)


def _nudged(point: Matrix, i: int, j: int, step: float) -> Matrix:
    """A copy of ``point`` with entry (i, j) moved by ``step``."""
    moved = point.tolist()
    moved[i][j] += step
    return Matrix(moved)


def _evaluate(where: str, f: Callable[[Matrix], Any], point: Matrix) -> Matrix:
    y = f(point)
    if not isinstance(y, Matrix):
        raise TypeError(f"{where}: f must return a Matrix, got {type(y).__name__}")
    return y
