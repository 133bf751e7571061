"""Shared checks for the tinygrad_edu.nn tests: module gradients against central differences.

``assert_module_gradients(build, leaves)`` reduces the output of ``build()``
to a scalar with fixed random weights, L = Σ R ⊙ build(), so that every
output entry matters with a different weight (a plain sum could hide a
wrong gradient that sums to the right total), then compares ∂L/∂(every
entry of every leaf) from backward with a central difference.

Tolerance: :func:`tinygrad_edu.testing.central_difference_with_error`
measures the truncation error from D(2h) − D(h) and bounds the rounding of
L(x ± h) by a few ulps of |L|.  Here L is a weighted sum of many entries,
each the result of up to a few dozen rounded operations, so L's rounding
error scales with S = Σ|R ⊙ out| (not with |L|, which may cancel to near 0):
we add OPS_BUDGET·ε·S/h on top of that error bar (about 1e-8 for S ≈ 10),
and compare with the usual relative tolerance of 1e-6.
"""

from __future__ import annotations

import math
import random

from hypothesis import strategies as st

from tinygrad_edu.autodiff import grad
from tinygrad_edu.matrix import Matrix
from tinygrad_edu.mode import no_grad
from tinygrad_edu.numeric import EPSILON, default_step
from tinygrad_edu.testing import REL_TOL, central_difference_with_error, close

OPS_BUDGET = 64  # rounded operations behind one output entry, generously (an LSTM step has about 30)


def weights_like(out: Matrix, seed: int = 12345) -> Matrix:
    """Fixed random coefficients R in [−1, 1] of out's shape: L = Σ R ⊙ out."""
    rng = random.Random(seed)
    m, n = out.shape
    return Matrix([[rng.uniform(-1.0, 1.0) for _ in range(n)] for _ in range(m)], requires_grad=False)


def reduce(out, R: Matrix) -> Matrix:
    """L = Σ R ⊙ out; ``out`` may be a Matrix or a tuple of them (an LSTM state)."""
    if isinstance(out, tuple):
        total = None
        for k, part in enumerate(out):
            term = (part * weights_like(part, seed=k)).sum()
            total = term if total is None else total + term
        return total
    return (out * R).sum()


def scale_of(out) -> float:
    """An upper bound on S = Σ|R ⊙ out| (|R| ≤ 1), the size of the terms L adds up; at least 1."""
    parts = out if isinstance(out, tuple) else (out,)
    return 1.0 + sum(abs(x) for part in parts for row in part.data for x in row)


def assert_module_gradients(build, leaves: list[Matrix], rel_tol: float = REL_TOL) -> list:
    """Backward and central differences agree for every entry of every leaf.  Returns the gradients."""
    out = build()
    first = out[0] if isinstance(out, tuple) else out
    R = weights_like(first)
    loss = reduce(out, R)
    analytic = grad(loss, leaves)
    size = scale_of(out)
    for k, (leaf, g) in enumerate(zip(leaves, analytic)):
        for i, row in enumerate(leaf.data):
            for j, original in enumerate(row):
                def loss_at(t, i=i, j=j, original=original, leaf=leaf):
                    leaf.data[i][j] = t
                    try:
                        with no_grad():
                            return reduce(build(), R).item()
                    finally:
                        leaf.data[i][j] = original

                h = default_step(original)
                numeric, error_bar = central_difference_with_error(loss_at, original, h)
                error_bar += OPS_BUDGET * EPSILON * size / h
                a = g.data[i][j]
                assert math.isfinite(a), f"leaf {k} entry ({i}, {j}): gradient {a!r}"
                assert close(a, numeric, error_bar, rel_tol), (
                    f"leaf {k} entry ({i}, {j}): backward {a!r} vs central difference {numeric!r} "
                    f"(error bar {error_bar:.3g})"
                )
    return analytic


def matrices(m: int, n: int, bound: float = 2.0) -> st.SearchStrategy:
    """An m×n Matrix (a trainable leaf) with entries in [−bound, bound]."""
    entry = st.floats(-bound, bound, allow_nan=False, allow_subnormal=False)
    return st.lists(st.lists(entry, min_size=n, max_size=n), min_size=m, max_size=m).map(Matrix)
