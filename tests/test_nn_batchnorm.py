"""Batch normalisation: autograd through the batch statistics = closed form = central differences."""

import math
import random

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from tinygrad_edu import grad
from tinygrad_edu import nn
from tinygrad_edu.matrix import Matrix
from tinygrad_edu.nn.batchnorm import batch_norm_backward

from nn_checks import assert_module_gradients, matrices, weights_like


def spread_columns(x: Matrix, minimum: float = 1e-2) -> bool:
    """Every column's biased variance is at least ``minimum``.  A column with σ² ≈ 0 makes x̂ change
    on the scale √ε ≈ 3e-3: still correct, but a stiff target for a finite difference (tested apart)."""
    m = x.shape[0]
    for column in zip(*x.data):
        mu = sum(column) / m
        if sum((v - mu) ** 2 for v in column) / m < minimum:
            return False
    return True


def batchnorm_with(n: int, seed: int, eps: float = 1e-5) -> nn.BatchNorm1d:
    """A BatchNorm1d with γ and β moved off 1 and 0, so that both matter in the checks."""
    rng = random.Random(seed)
    bn = nn.BatchNorm1d(n, eps=eps)
    bn.weight.data[0][:] = [rng.uniform(0.5, 2.0) * rng.choice((-1, 1)) for _ in range(n)]
    bn.bias.data[0][:] = [rng.uniform(-1.0, 1.0) for _ in range(n)]
    return bn


@given(st.integers(2, 4), st.integers(1, 3), st.integers(0, 2 ** 32 - 1), st.data())
@settings(max_examples=40)
def test_training_mode_gradients_match_central_differences(m, n, seed, data):
    x = data.draw(matrices(m, n))
    assume(spread_columns(x))
    bn = batchnorm_with(n, seed)
    assert_module_gradients(lambda: bn(x), [x, bn.weight, bn.bias])


def test_gradient_through_a_nearly_constant_column_is_still_right():
    """σ² = 1e-6, comparable to ε = 1e-5: the curvature is large, and the measured error bar copes."""
    x = Matrix([[1.0, 0.0], [1.001, 1.0], [0.999, 2.0]])
    bn = batchnorm_with(2, 0)
    assert_module_gradients(lambda: bn(x), [x, bn.weight, bn.bias])


@given(st.integers(2, 5), st.integers(1, 3), st.integers(0, 2 ** 32 - 1), st.sampled_from([0.0, 1e-5, 0.5]),
       st.data())
def test_autograd_equals_the_closed_form_backward(m, n, seed, eps, data):
    """Two routes: Matrix autograd through μ and σ², and ∂L/∂x = γ/(m√(σ²+ε))·(m·g − Σg − x̂·Σg·x̂)."""
    x = data.draw(matrices(m, n))
    assume(spread_columns(x))
    bn = batchnorm_with(n, seed, eps)
    y = bn(x)
    g = weights_like(y, seed)
    dx, dgamma, dbeta = grad((y * g).sum(), [x, bn.weight, bn.bias])
    expected_dx, expected_dgamma, expected_dbeta = batch_norm_backward(x.data, bn.weight.data[0], g.data, eps)
    # Both routes round differently: allow a relative 1e-9 of the terms' scale (m·|g|·|γ|/σ ≲ 1e3 here).
    for i in range(m):
        for j in range(n):
            assert math.isclose(dx.data[i][j], expected_dx[i][j], rel_tol=1e-9, abs_tol=1e-9)
    for j in range(n):
        assert math.isclose(dgamma.data[0][j], expected_dgamma[j], rel_tol=1e-9, abs_tol=1e-12)
        assert math.isclose(dbeta.data[0][j], expected_dbeta[j], rel_tol=1e-12, abs_tol=1e-12)


@given(st.integers(2, 6), st.integers(0, 2 ** 32 - 1), st.sampled_from([0.0, 1e-5, 0.1, 1.0]), st.data())
def test_input_gradients_sum_to_zero_in_every_column_for_any_eps(m, seed, eps, data):
    """Adding c to a whole column leaves x − μ unchanged, so the loss cannot feel it: Σᵢ ∂L/∂xᵢ = 0."""
    x = data.draw(matrices(m, 2))
    assume(spread_columns(x))
    bn = batchnorm_with(2, seed, eps)
    y = bn(x)
    (dx,) = grad((y * weights_like(y, seed)).sum(), [x])
    for j in range(2):
        column = [row[j] for row in dx.data]
        assert abs(math.fsum(column)) <= 1e-12 * max(1.0, sum(abs(v) for v in column))


@given(st.integers(2, 6), st.integers(0, 2 ** 32 - 1), st.data())
def test_scaling_a_column_changes_nothing_only_when_eps_is_zero(m, seed, data):
    """With ε = 0, x̂ is unchanged by x → k·x, so Σᵢ x̂ᵢ·∂L/∂xᵢ = 0.  With ε > 0 it is
    γ·Σ(g·x̂)·ε / (√(σ²+ε)·(σ²+ε)) (from the closed form, using Σx̂ = 0 and Σx̂² = m·σ²/(σ²+ε))."""
    x = data.draw(matrices(m, 1))
    assume(spread_columns(x))
    for eps in (0.0, 0.5):
        bn = batchnorm_with(1, seed, eps)
        y = bn(x)
        g = weights_like(y, seed)
        (dx,) = grad((y * g).sum(), [x])
        column = [row[0] for row in x.data]
        mu = sum(column) / m
        variance = sum((v - mu) ** 2 for v in column) / m
        std = math.sqrt(variance + eps)
        x_hat = [(v - mu) / std for v in column]
        dot = math.fsum(a * row[0] for a, row in zip(x_hat, dx.data))
        gamma = bn.weight.data[0][0]
        sum_g_xhat = sum(gi[0] * xh for gi, xh in zip(g.data, x_hat))
        expected = gamma * sum_g_xhat * eps / (std * (variance + eps))
        # Rounding is relative to the terms inside ∂L/∂x (γ/(m·s)·(m·g − Σg − x̂·Σg·x̂)), not to
        # ∂L/∂x itself, which may cancel to almost nothing (with m = 2 and ε = 0 it is exactly 0).
        scale = abs(gamma) / std * sum(abs(gi[0]) for gi in g.data) * (1 + max(abs(v) for v in x_hat)) ** 2
        assert math.isclose(dot, expected, abs_tol=1e-12 * scale)
        if eps == 0.5:  # and that is not 0 in general: the identity really needs ε = 0
            assume(abs(sum_g_xhat) > 1e-3)
            assert abs(dot) > 1e-6


def test_training_output_has_zero_mean_and_the_variance_eps_allows():
    x = Matrix([[1.0, 10.0], [2.0, -5.0], [4.0, 0.0], [7.0, 3.0]])
    bn = nn.BatchNorm1d(2, eps=0.1)
    y = bn(x)
    for j in range(2):
        column = [row[j] for row in x.data]
        mu = sum(column) / 4
        variance = sum((v - mu) ** 2 for v in column) / 4
        out = [row[j] for row in y.data]
        assert abs(sum(out)) < 1e-12
        assert math.isclose(sum(v * v for v in out) / 4, variance / (variance + 0.1), rel_tol=1e-12)


def test_running_statistics_follow_the_documented_update_with_unbiased_variance():
    bn = nn.BatchNorm1d(1, momentum=0.1)
    batches = [[1.0, 2.0, 3.0], [0.0, 4.0], [10.0, 10.0, 13.0, 11.0]]
    mean, var = 0.0, 1.0
    for batch in batches:
        bn(Matrix([[v] for v in batch]))
        m = len(batch)
        mu = sum(batch) / m
        unbiased = sum((v - mu) ** 2 for v in batch) / (m - 1)  # σ²·m/(m − 1)
        mean, var = 0.9 * mean + 0.1 * mu, 0.9 * var + 0.1 * unbiased
        assert math.isclose(bn.running_mean.data[0][0], mean, rel_tol=1e-12)
        assert math.isclose(bn.running_var.data[0][0], var, rel_tol=1e-12)
    assert [name for name, _ in bn.named_buffers()] == ["running_mean", "running_var"]
    assert [name for name, _ in bn.named_parameters()] == ["weight", "bias"]


def test_eval_mode_uses_the_running_statistics_row_by_row():
    bn = batchnorm_with(2, 3, eps=1e-5)
    for seed in range(5):
        rng = random.Random(seed)
        bn(Matrix([[rng.gauss(3.0, 2.0), rng.gauss(-1.0, 0.5)] for _ in range(8)]))
    bn.eval()
    stats = (bn.running_mean.tolist(), bn.running_var.tolist())
    x = Matrix([[2.0, -1.5], [5.0, 0.0], [3.0, -1.0]])
    y = bn(x)
    for i, row in enumerate(x.data):
        for j, v in enumerate(row):
            expected = ((v - stats[0][0][j]) / math.sqrt(stats[1][0][j] + 1e-5)) * bn.weight.data[0][j] \
                + bn.bias.data[0][j]
            assert math.isclose(y.data[i][j], expected, rel_tol=1e-12)
    assert bn(x[0]).data == y[0].data  # one row alone: each row independent of the others
    assert (bn.running_mean.tolist(), bn.running_var.tolist()) == stats  # eval never updates them


def test_eval_mode_gradient_is_the_plain_affine_map():
    """With fixed statistics the layer is y = γ·(x − r_μ)/√(r_σ² + ε) + β, so ∂y/∂x = γ/√(r_σ² + ε)."""
    bn = batchnorm_with(2, 4).eval()
    x = Matrix([[0.3, -0.2]])
    (dx,) = grad(bn(x).sum(), [x])
    for j in range(2):
        expected = bn.weight.data[0][j] / math.sqrt(bn.running_var.data[0][j] + bn.eps)
        assert math.isclose(dx.data[0][j], expected, rel_tol=1e-12)


def test_starts_as_gamma_one_beta_zero_with_an_eps_attribute():
    bn = nn.BatchNorm1d(3)
    assert bn.weight.data == [[1.0, 1.0, 1.0]] and bn.bias.data == [[0.0, 0.0, 0.0]]
    assert bn.eps == 1e-5 and bn.running_mean.data == [[0.0] * 3] and bn.running_var.data == [[1.0] * 3]


@pytest.mark.parametrize("call, error, message", [
    (lambda: nn.BatchNorm1d(2)(Matrix([[1.0, 2.0]])), ValueError, "BatchNorm1d: training needs a batch of at least 2 rows"),
    (lambda: nn.BatchNorm1d(2)(Matrix([[1.0], [2.0]])), ValueError, r"BatchNorm1d\(2\): the input has shape \(2, 1\)"),
    (lambda: nn.BatchNorm1d(0), ValueError, "num_features must be an integer >= 1"),
    (lambda: nn.BatchNorm1d(2, eps=-1.0), ValueError, "eps must be a finite number >= 0"),
    (lambda: nn.BatchNorm1d(2, momentum=1.5), ValueError, r"momentum must lie in \[0, 1\]"),
])
def test_bad_use_raises_clear_errors(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_a_refused_batch_leaves_the_running_statistics_alone():
    bn = nn.BatchNorm1d(2)
    with pytest.raises(ValueError):
        bn(Matrix([[1.0, 2.0]]))
    assert bn.running_mean.data == [[0.0, 0.0]] and bn.running_var.data == [[1.0, 1.0]]


def test_closed_form_on_a_case_worked_by_hand():
    """x = (0, 2), γ = 1, ε = 0, g = (1, 0): μ = 1, σ = 1, x̂ = (−1, 1), Σg = 1, Σg·x̂ = −1, so
    ∂L/∂x = 1/(2·1)·(2·(1, 0) − 1 − (−1, 1)·(−1)) = ½·((2, 0) − (1, 1) + (−1, 1)) = (0, 0).
    Indeed with two rows and ε = 0 the output is (−1, 1) whatever x is: nothing to learn from x."""
    dx, dgamma, dbeta = batch_norm_backward([[0.0], [2.0]], [1.0], [[1.0], [0.0]], 0.0)
    assert dx == [[0.0], [0.0]] and dgamma == [-1.0] and dbeta == [1.0]


def test_eps_zero_on_a_constant_column_names_batchnorm_and_why_and_changes_nothing():
    bn = nn.BatchNorm1d(2, eps=0.0)
    x = Matrix([[1.0, 5.0], [2.0, 5.0]])  # column 1 has variance 0
    with pytest.raises(ValueError, match=r"BatchNorm1d: column 1 has batch variance 0 \(every entry the same\) "
                                         r"and eps = 0.0, so x̂ = \(x − μ\)/√\(σ² \+ ε\) would divide by zero; use eps > 0"):
        bn(x)
    assert bn.running_mean.data == [[0.0, 0.0]] and bn.running_var.data == [[1.0, 1.0]]
    assert x.grad == [[0.0, 0.0], [0.0, 0.0]]
    bn.running_var.data[0][0] = 0.0  # a checkpoint with a zero running variance, in eval mode
    with pytest.raises(ValueError, match="BatchNorm1d: column 0 has running_var 0"):
        bn.eval()(x)
    assert nn.BatchNorm1d(2, eps=1e-5)(x).data[0][1] == 0.0  # with eps > 0 the column is simply 0
