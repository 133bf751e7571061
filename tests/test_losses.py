"""Losses and softmax on matrices: closed forms, the scalar engine, central
differences, and finiteness for logits far beyond exp's range."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tinygrad_edu.autodiff import grad
from tinygrad_edu.losses import (
    binary_cross_entropy_with_logits,
    cross_entropy,
    log_softmax,
    logsumexp,
    mse,
    softmax,
)
from tinygrad_edu.matrix import Matrix
from tinygrad_edu.mode import no_grad
from tinygrad_edu.numeric import EPSILON, ROUNDING_FACTOR, default_step
from tinygrad_edu.testing import (
    central_difference_with_error,
    close,
    finite_floats,
    matrix_rows,
)
from tinygrad_edu.value import Value

sizes = st.integers(1, 6)
HUGE = 1e4  # e^HUGE overflows a float64 ~14 times over


def values(low: float = -30.0, high: float = 30.0) -> st.SearchStrategy:
    return finite_floats(low, high)


def rows(m: int, n: int, elements: st.SearchStrategy | None = None) -> st.SearchStrategy:
    return matrix_rows(m, n, values() if elements is None else elements)


@st.composite
def logits_and_targets(draw, low: float = -30.0, high: float = 30.0):
    m, n = draw(sizes), draw(sizes)
    logits = draw(rows(m, n, values(low, high)))
    targets = draw(st.lists(st.integers(0, n - 1), min_size=m, max_size=m))
    return logits, targets


def math_logsumexp(row) -> float:
    """ln Σ e^x straight from the definition, for |x| ≤ 30 (e^30 ≈ 1e13: no overflow)."""
    return math.log(math.fsum(math.exp(x) for x in row))


def math_softmax(row) -> list:
    total = math.fsum(math.exp(x) for x in row)
    return [math.exp(x) / total for x in row]


def assert_central_differences_agree(loss_of_rows, table: list, gradient: list, terms_scale: float = 0.0) -> None:
    """Every entry of ``gradient`` against a central difference of the float function ``loss_of_rows``.

    ``terms_scale``: the size of the terms the loss sums, when they can cancel (a sum of
    log-sum-exps of either sign); its rounding error follows them, not the total.
    """
    for i, row in enumerate(table):
        for j, x in enumerate(row):
            def along(t: float, i=i, j=j) -> float:
                moved = [r[:] for r in table]
                moved[i][j] = t
                with no_grad():
                    return loss_of_rows(moved)

            h = default_step(x)
            numeric, error_bar = central_difference_with_error(along, x, h)
            error_bar += ROUNDING_FACTOR * EPSILON * terms_scale / h
            assert close(gradient[i][j], numeric, error_bar), (i, j, gradient[i][j], numeric, error_bar)


# ---------------------------------------------------------------------------
# log-sum-exp and softmax
# ---------------------------------------------------------------------------

@given(st.data(), sizes, sizes)
def test_logsumexp_matches_the_definition_where_the_definition_does_not_overflow(data, m, n):
    table = data.draw(rows(m, n))
    got = logsumexp(Matrix(table)).data
    for (value,), row in zip(got, table):
        assert math.isclose(value, math_logsumexp(row), rel_tol=1e-13, abs_tol=1e-13)


@given(st.data(), sizes, sizes, st.floats(-HUGE, HUGE))
def test_logsumexp_shifts_with_its_input_even_for_huge_shifts(data, m, n, c):
    table = data.draw(rows(m, n))
    shifted = logsumexp(Matrix([[x + c for x in row] for row in table])).data
    for (value,), row in zip(shifted, table):
        assert math.isfinite(value)
        # x + c is rounded to ~ε·|c| per entry, and lse moves by at most that much.
        assert math.isclose(value, math_logsumexp(row) + c, rel_tol=1e-13, abs_tol=4e-16 * (abs(c) + 30))


def test_logsumexp_closed_forms_for_huge_logits():
    for n in range(1, 7):
        (value,), = logsumexp(Matrix([[HUGE] * n])).data
        assert math.isclose(value, HUGE + math.log(n), rel_tol=1e-15)
    assert logsumexp(Matrix([[HUGE, 0.0], [-HUGE, -HUGE]])).data == [[HUGE], [-HUGE + math.log(2)]]


@given(st.data(), sizes, sizes)
def test_logsumexp_gradient_is_softmax_and_matches_central_differences(data, m, n):
    table = data.draw(rows(m, n, values(-10.0, 10.0)))
    X = Matrix(table)
    logsumexp(X).sum().backward()
    for grad_row, row in zip(X.grad, table):
        for g, p in zip(grad_row, math_softmax(row)):
            assert math.isclose(g, p, rel_tol=1e-12, abs_tol=1e-15)
    scale = math.fsum(abs(math_logsumexp(row)) for row in table)
    assert_central_differences_agree(lambda t: logsumexp(Matrix(t)).sum().item(), table, X.grad, scale)


@given(st.data(), sizes, sizes, st.sampled_from([1.0, 100.0, HUGE]))
def test_softmax_rows_are_probability_vectors_for_any_scale_of_logits(data, m, n, scale):
    table = data.draw(rows(m, n, values(-1.0, 1.0)))
    probabilities = softmax(Matrix([[scale * x for x in row] for row in table])).data
    for row in probabilities:
        assert all(0.0 <= p <= 1.0 for p in row)
        assert math.isclose(math.fsum(row), 1.0, rel_tol=0, abs_tol=1e-14)
    if scale == 1.0:
        for row, want in zip(probabilities, (math_softmax(r) for r in table)):
            assert all(math.isclose(p, q, rel_tol=1e-12, abs_tol=1e-16) for p, q in zip(row, want))


def test_softmax_of_huge_logits_is_exact():
    assert softmax(Matrix([[HUGE, 0.0, -HUGE]])).data == [[1.0, 0.0, 0.0]]
    assert log_softmax(Matrix([[HUGE, 0.0, -HUGE]])).data == [[0.0, -HUGE, -2 * HUGE]]
    # Ties between huge logits: computing e^(x − logsumexp(x)) would be off by an ulp of 1e4 (~1e-12).
    assert softmax(Matrix([[HUGE, HUGE]])).data == [[0.5, 0.5]]
    assert log_softmax(Matrix([[HUGE, HUGE]])).data == [[-math.log(2), -math.log(2)]]


@given(st.data(), sizes, sizes)
def test_second_derivative_of_logsumexp_is_diag_p_minus_p_p_transposed(data, m, n):
    """The Hessian of lse at x is diag(p) − p·pᵀ with p = softmax(x): check H·v row by row."""
    table = data.draw(rows(m, n, values(-5.0, 5.0)))
    v = data.draw(rows(m, n, values(-1.0, 1.0)))
    X = Matrix(table)
    (g,) = grad(logsumexp(X).sum(), [X], create_graph=True)
    (hv,) = grad((g * Matrix(v, requires_grad=False)).sum(), [X])
    for row, v_row, got in zip(table, v, hv.data):
        p = math_softmax(row)
        p_dot_v = math.fsum(a * b for a, b in zip(p, v_row))
        for k in range(n):
            assert math.isclose(got[k], p[k] * v_row[k] - p[k] * p_dot_v, rel_tol=1e-9, abs_tol=1e-12)


# ---------------------------------------------------------------------------
# Cross-entropy
# ---------------------------------------------------------------------------

@given(logits_and_targets())
def test_cross_entropy_matches_its_closed_form_and_gradient(case):
    table, targets = case
    m = len(table)
    X = Matrix(table)
    loss = cross_entropy(X, targets)
    want = math.fsum(math_logsumexp(row) - row[t] for row, t in zip(table, targets)) / m
    assert math.isclose(loss.item(), want, rel_tol=1e-12, abs_tol=1e-12)
    loss.backward()
    for grad_row, row, t in zip(X.grad, table, targets):  # (softmax − onehot) / m
        for j, (g, p) in enumerate(zip(grad_row, math_softmax(row))):
            assert math.isclose(g, (p - (j == t)) / m, rel_tol=1e-9, abs_tol=1e-15)


@given(logits_and_targets(-5.0, 5.0))
def test_cross_entropy_matches_the_scalar_engine_and_central_differences(case):
    table, targets = case
    m = len(table)
    X = Matrix(table)
    loss = cross_entropy(X, targets)
    loss.backward()

    scalars = [[Value(x) for x in row] for row in table]
    total = Value(0.0)
    for row, t in zip(scalars, targets):
        total = total + (sum((x.exp() for x in row[1:]), row[0].exp()).log() - row[t])
    scalar_loss = total / m
    scalar_loss.backward()
    assert math.isclose(loss.item(), scalar_loss.data, rel_tol=1e-12, abs_tol=1e-12)
    for grad_row, scalar_row in zip(X.grad, scalars):
        for g, s in zip(grad_row, scalar_row):
            assert math.isclose(g, s.grad, rel_tol=1e-9, abs_tol=1e-14)
    assert_central_differences_agree(lambda t: cross_entropy(Matrix(t), targets).item(), table, X.grad)


def test_cross_entropy_with_huge_logits_is_finite_and_exact():
    X = Matrix([[HUGE, 0.0], [0.0, HUGE]])
    right = cross_entropy(X, [0, 1])
    assert right.item() == 0.0  # e^(−1e4) is below the smallest float: the loss is exactly 0
    wrong = cross_entropy(X, [1, 0])
    assert wrong.item() == HUGE
    wrong.backward()
    assert X.grad == [[0.5, -0.5], [-0.5, 0.5]]  # (softmax − onehot) / m = ([1, 0] − [0, 1]) / 2
    summed = cross_entropy(Matrix([[HUGE, -HUGE]]), [1], reduction="sum")
    assert summed.item() == 2 * HUGE


# ---------------------------------------------------------------------------
# Binary cross-entropy from logits, and mean squared error
# ---------------------------------------------------------------------------

@given(st.data(), sizes, sizes)
def test_binary_cross_entropy_with_logits_matches_its_closed_form_and_gradient(data, m, n):
    z = data.draw(rows(m, n, values(-15.0, 15.0)))
    y = data.draw(rows(m, n, st.floats(0.0, 1.0)))
    Z = Matrix(z)
    loss = binary_cross_entropy_with_logits(Z, y)

    def sigma(t):
        return 1 / (1 + math.exp(-t))

    want = math.fsum(
        -(yv * math.log(sigma(zv)) + (1 - yv) * math.log(1 - sigma(zv)))
        for z_row, y_row in zip(z, y) for zv, yv in zip(z_row, y_row)
    ) / (m * n)
    # |z| ≤ 15: 1 − σ(z) keeps ~9 of its 16 digits, enough for the definition to be accurate to 1e-7.
    assert math.isclose(loss.item(), want, rel_tol=1e-7, abs_tol=1e-9)
    loss.backward()
    for g_row, z_row, y_row in zip(Z.grad, z, y):
        for g, zv, yv in zip(g_row, z_row, y_row):
            assert math.isclose(g, (sigma(zv) - yv) / (m * n), rel_tol=1e-9, abs_tol=1e-15)
    # softplus(z) − y·z cancels (z = 15, y = 1 leaves 3e-7): the rounding error follows
    # the terms, of size |z|, not the small total.
    biggest = max(abs(v) for row in z for v in row)
    assert_central_differences_agree(
        lambda t: binary_cross_entropy_with_logits(Matrix(t), y).item(), z, Z.grad, terms_scale=biggest
    )


def test_binary_cross_entropy_with_huge_logits_is_finite_and_exact():
    Z = Matrix([[HUGE, -HUGE, HUGE, -HUGE]])
    loss = binary_cross_entropy_with_logits(Z, [[1.0, 0.0, 0.0, 1.0]])
    assert loss.item() == HUGE / 2  # two right (loss 0) and two wrong by 1e4
    loss.backward()
    assert Z.grad == [[0.0, 0.0, 0.25, -0.25]]  # (σ(z) − y) / 4


@given(st.data(), sizes, sizes)
def test_mse_matches_its_closed_form_and_gradient(data, m, n):
    p = data.draw(rows(m, n))
    t = data.draw(rows(m, n))
    P = Matrix(p)
    loss = mse(P, t)
    squares = [(a - b) ** 2 for p_row, t_row in zip(p, t) for a, b in zip(p_row, t_row)]
    assert math.isclose(loss.item(), math.fsum(squares) / (m * n), rel_tol=1e-12, abs_tol=1e-12)
    loss.backward()
    for g_row, p_row, t_row in zip(P.grad, p, t):
        for g, a, b in zip(g_row, p_row, t_row):
            assert math.isclose(g, 2 * (a - b) / (m * n), rel_tol=1e-12, abs_tol=1e-14)
    summed = mse(Matrix(p), Matrix(t), reduction="sum").item()
    assert math.isclose(summed, math.fsum(squares), rel_tol=1e-12, abs_tol=1e-12)


def test_mse_gradient_flows_to_a_target_that_requires_it():
    prediction, target = Matrix([[1.0, 2.0]]), Matrix([[0.0, 4.0]])
    mse(prediction, target).backward()
    assert prediction.grad == [[1.0, -2.0]] and target.grad == [[-1.0, 2.0]]


# ---------------------------------------------------------------------------
# No invented nan: −inf logits, logits spanning more than the float range, infinite BCE logits
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("logits, targets, loss, gradient", [
    # A class of probability 0 (a masked logit): the loss is that of the rest, and its gradient is 0.
    ([[0.0, -math.inf]], [0], 0.0, [[0.0, 0.0]]),
    ([[0.0, -math.inf, 0.0]], [2], math.log(2), [[0.5, 0.0, -0.5]]),
    # Logits 2e308 apart: e^(−2e308) is 0, the right class costs 0, the wrong one 2e308 = inf.
    ([[1e308, -1e308]], [0], 0.0, [[0.0, 0.0]]),
    ([[1e308, -1e308]], [1], math.inf, [[1.0, -1.0]]),
    # The target itself has probability 0: the loss is inf, the gradient still softmax − onehot.
    ([[-math.inf, 0.0]], [0], math.inf, [[-1.0, 1.0]]),
])
def test_cross_entropy_never_turns_a_zero_probability_into_nan(logits, targets, loss, gradient):
    X = Matrix(logits)
    value = cross_entropy(X, targets)
    value.backward()
    assert value.item() == loss and math.copysign(1, value.item()) == 1  # 0.0, not −0.0
    assert all(math.isclose(g, want, abs_tol=1e-15) for row, want_row in zip(X.grad, gradient)
               for g, want in zip(row, want_row))


@given(st.data(), st.integers(1, 4), st.integers(2, 5))
def test_cross_entropy_is_never_nan_for_logits_of_any_size_or_minus_inf(data, m, n):
    entries = st.one_of(st.floats(allow_nan=False, allow_infinity=False), st.just(-math.inf))
    logits = data.draw(rows(m, n, entries).filter(lambda r: all(max(row) > -math.inf for row in r)))
    targets = data.draw(st.lists(st.integers(0, n - 1), min_size=m, max_size=m))
    X = Matrix(logits)
    loss = cross_entropy(X, targets)
    loss.backward()
    assert loss.item() >= 0 and not math.isnan(loss.item())
    # The gradient is (softmax − onehot)/m: every entry finite, in [−1, 1], each row summing to 0.
    for row in X.grad:
        assert all(-1 <= g <= 1 for g in row)
        assert abs(math.fsum(row)) <= 1e-15 * n


@pytest.mark.parametrize("z, y, loss, gradient", [
    (math.inf, 1.0, 0.0, 0.0),
    (math.inf, 0.0, math.inf, 1.0),
    (-math.inf, 0.0, 0.0, 0.0),
    (-math.inf, 1.0, math.inf, -1.0),
    (math.inf, 0.25, math.inf, 0.75),
    (1e308, 1.0, 0.0, 0.0),
])
def test_binary_cross_entropy_of_infinite_logits_is_its_limit_not_nan(z, y, loss, gradient):
    Z = Matrix([[z]])
    value = binary_cross_entropy_with_logits(Z, [[y]])
    value.backward()
    assert (value.item(), Z.grad) == (loss, [[gradient]])


def test_a_plus_infinite_logit_is_refused_by_softmax_with_the_place_named():
    for f in (softmax, log_softmax, logsumexp):
        with pytest.raises(ValueError, match=r"row 1 has the entry \+inf \(column 0\)"):
            f(Matrix([[0.0, 1.0], [math.inf, 0.0]]))
    with pytest.raises(ValueError, match=r"cross_entropy: row 0 has the entry \+inf"):
        cross_entropy(Matrix([[math.inf, 0.0]]), [0])


@pytest.mark.parametrize("call, error, message", [
    (lambda: cross_entropy(Matrix([[1.0, 2.0]]), 0), TypeError,
     r"cross_entropy: targets must be a list of class indices, one per row, got 0 of type int \(for one row write \[0\]\)"),
    (lambda: cross_entropy([[1.0, 2.0]], [0]), TypeError,
     r"cross_entropy: logits must be a Matrix \(a list of rows has no gradient: wrap it as Matrix\(rows\)\), got \[\[1.0, 2.0\]\]"),
    (lambda: cross_entropy(Matrix([[1.0, 2.0]]), "0"), TypeError, "cross_entropy: targets must be a list"),
    (lambda: softmax([[1.0, 2.0]]), TypeError, "softmax: the input must be a Matrix"),
    (lambda: binary_cross_entropy_with_logits([[1.0]], [[1.0]]), TypeError, "binary_cross_entropy_with_logits: logits must be a Matrix"),
    (lambda: mse(Matrix([[1.0]]), [["a"]]), TypeError, r"mse: the target: entry \(0, 0\) is .a."),
    (lambda: mse(Matrix([[1.0]]), [[1.0]], reduction=None), ValueError, "mse: reduction must be 'mean' or 'sum', got None"),
])
def test_labels_and_logits_in_the_wrong_form_get_a_clear_error(call, error, message):
    with pytest.raises(error, match=message):
        call()
