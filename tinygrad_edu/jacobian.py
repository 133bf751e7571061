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


def jacobian(f: Callable[[Matrix], Matrix], x: Any) -> Matrix:
    """The Jacobian of ``f`` at ``x`` by reverse mode: one backward pass per output entry.

    ``x`` is a Matrix or a list of rows; ``f`` gets a fresh leaf with its numbers.

    >>> jacobian(lambda v: v * v, [[1.0, 2.0]]).data      # diagonal: ∂(vⱼ²)/∂vⱼ = 2vⱼ
    [[2.0, 0.0], [0.0, 4.0]]
    """
    check_function("jacobian", f)
    point = _leaf("jacobian", x)
    y = _evaluate("jacobian", f, point)
    m, n = y.shape
    rows = []
    for i in range(m):
        for j in range(n):
            seed = Matrix.zeros(m, n, requires_grad=False)
            seed.data[i][j] = 1.0  # pick output entry (i, j): the upstream gradient is one-hot
            (g,) = y.gradients([point], grad_output=seed)
            rows.append([v for row in g.data for v in row])
    return Matrix(rows, requires_grad=False)


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
