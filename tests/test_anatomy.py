"""Layer anatomy (δˡ = Σ′(zˡ)(Wˡ⁺¹)ᵀδˡ⁺¹ factor by factor) and the gradient health report."""

import math
import random

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from tinygrad_edu.anatomy import (
    activation_derivative,
    gradient_health,
    largest_singular_value,
    layer_anatomy,
)
from tinygrad_edu.autodiff import grad
from tinygrad_edu.matrix import Matrix
from tinygrad_edu.value import Value

# Anatomy and backward do the same multiplications in different orders (and
# anatomy sums with math.fsum): each entry of δ agrees to a few ulps of the
# *terms* that were summed, so the tolerance is relative to the size of the
# vectors, not of each entry (an entry can be a near-cancelling sum).
REL_TOL = 1e-12


def assert_vectors_close(got, expected, scale=None):
    scale = max(math.hypot(*expected), 1e-300) if scale is None else scale
    assert len(got) == len(expected)
    for g, e in zip(got, expected):
        assert math.isclose(g, e, rel_tol=REL_TOL, abs_tol=REL_TOL * scale), (got, expected)


# ---------------------------------------------------------------------------
# An independent route: the same MLP built from Values, differentiated by backward
# ---------------------------------------------------------------------------

def random_layers(sizes, rng):
    weights = [[[rng.gauss(0.0, 1.0 / math.sqrt(n_in)) for _ in range(n_in)] for _ in range(n_out)]
               for n_in, n_out in zip(sizes, sizes[1:])]
    biases = [[rng.gauss(0.0, 1.0) for _ in range(n_out)] for n_out in sizes[1:]]
    return weights, biases


def value_mlp(weights, biases, x, y, activation="sigmoid"):
    """Forward and backward through a Value MLP with C = ½‖aᴸ − y‖².  Returns zs (numbers),
    δᴸ = ∂C/∂zᴸ and the bias gradients ∂C/∂bˡ = δˡ, all from the engine."""
    W = [[[Value(w) for w in row] for row in layer] for layer in weights]
    B = [[Value(b) for b in layer] for layer in biases]
    a = [Value(v) for v in x]
    zs = []
    for layer_w, layer_b in zip(W, B):
        z = [sum((w * ai for w, ai in zip(row, a)), b) for row, b in zip(layer_w, layer_b)]
        zs.append(z)
        a = [getattr(zj, activation)() for zj in z]
    cost = sum(((aj - yj) ** 2 for aj, yj in zip(a, y)), Value(0.0)) / 2
    cost.backward()
    return [[z.data for z in layer] for layer in zs], [z.grad for z in zs[-1]], [[b.grad for b in layer] for layer in B]


def matmul(A, B):
    return [[math.fsum(a * b for a, b in zip(row, column)) for column in zip(*B)] for row in A]


def jacobi_eigenvalues(S, sweeps=100):
    """Eigenvalues of a small symmetric matrix by Jacobi rotations: a method unlike power iteration."""
    A = [list(row) for row in S]
    n = len(A)
    for _ in range(sweeps):
        off = math.fsum(A[i][j] ** 2 for i in range(n) for j in range(n) if i != j)
        if off <= 1e-30 * max(1e-300, math.fsum(A[i][i] ** 2 for i in range(n))):
            break
        for p in range(n):
            for q in range(p + 1, n):
                if A[p][q] == 0.0:
                    continue
                theta = (A[q][q] - A[p][p]) / (2 * A[p][q])
                t = math.copysign(1.0, theta) / (abs(theta) + math.sqrt(theta * theta + 1))
                c = 1 / math.sqrt(t * t + 1)
                s = t * c
                for k in range(n):  # A ← AJ
                    akp, akq = A[k][p], A[k][q]
                    A[k][p], A[k][q] = c * akp - s * akq, s * akp + c * akq
                for k in range(n):  # A ← JᵀA
                    apk, aqk = A[p][k], A[q][k]
                    A[p][k], A[q][k] = c * apk - s * aqk, s * apk + c * aqk
    return sorted((A[i][i] for i in range(n)), reverse=True)


sizes_strategy = st.lists(st.integers(1, 4), min_size=3, max_size=5)


@settings(max_examples=30)
@given(sizes=sizes_strategy, seed=st.integers(0, 10**6), activation=st.sampled_from(["sigmoid", "tanh"]))
def test_anatomy_deltas_equal_the_bias_gradients_from_backward(sizes, seed, activation):
    rng = random.Random(seed)
    weights, biases = random_layers(sizes, rng)
    x = [rng.gauss(0, 1) for _ in range(sizes[0])]
    y = [rng.random() for _ in range(sizes[-1])]
    zs, delta_last, bias_grads = value_mlp(weights, biases, x, y, activation)
    anatomy = layer_anatomy(weights, zs, delta_last, activation=activation)
    for layer, expected in zip(anatomy.layers, bias_grads):
        assert_vectors_close(layer.delta, expected)
        assert layer.delta_norm == pytest.approx(math.hypot(*expected), rel=1e-12, abs=1e-300)


@settings(max_examples=30)
@given(sizes=sizes_strategy, seed=st.integers(0, 10**6))
def test_product_of_layer_factors_applied_to_the_last_delta_gives_the_first(sizes, seed):
    rng = random.Random(seed)
    weights, biases = random_layers(sizes, rng)
    x = [rng.gauss(0, 1) for _ in range(sizes[0])]
    y = [rng.random() for _ in range(sizes[-1])]
    zs, delta_last, bias_grads = value_mlp(weights, biases, x, y)
    anatomy = layer_anatomy(weights, zs, delta_last)
    # Multiply the factor matrices first, M¹M²…Mᴸ⁻¹, then apply the product to δᴸ: a different
    # association from the layer-by-layer recursion, so an independent check of the factors.
    product = anatomy.layers[0].factor
    for layer in anatomy.layers[1:-1]:
        product = matmul(product, layer.factor)
    first = [row[0] for row in matmul(product, [[d] for d in delta_last])]
    scale = math.prod(math.hypot(*[v for row in l.factor for v in row]) for l in anatomy.layers[:-1])
    scale *= math.hypot(*delta_last)
    assert_vectors_close(first, bias_grads[0], scale=scale)
    assert_vectors_close(first, anatomy.layers[0].delta, scale=scale)
    # The gains telescope to ‖δ¹‖/‖δᴸ‖, which the product of the largest singular values bounds.
    gains = math.prod(l.gain for l in anatomy.layers[:-1])
    assert anatomy.ratio == pytest.approx(gains, rel=1e-12)
    assert anatomy.ratio == pytest.approx(math.hypot(*bias_grads[0]) / math.hypot(*delta_last), rel=1e-12)
    assert anatomy.ratio <= anatomy.bound * (1 + 1e-9)


@settings(max_examples=40)
@given(sizes=st.lists(st.integers(1, 4), min_size=2, max_size=2), seed=st.integers(0, 10**6))
def test_largest_singular_value_matches_the_jacobian_route(sizes, seed):
    rng = random.Random(seed)
    n_l, n_next = sizes
    W_next = [[rng.gauss(0, 1) for _ in range(n_l)] for _ in range(n_next)]
    z = [rng.gauss(0, 2) for _ in range(n_l)]
    anatomy = layer_anatomy([[[1.0]] * n_l, W_next], [z, [0.0] * n_next], [1.0] * n_next)
    M = anatomy.layers[0].factor
    # The Jacobian of the forward map zˡ ↦ zˡ⁺¹ = Wˡ⁺¹σ(zˡ), by backward on Values: Mˡ is its transpose.
    leaves = [Value(v) for v in z]
    a = [leaf.sigmoid() for leaf in leaves]
    jacobian = [grad(sum((w * aj for w, aj in zip(row, a)), Value(0.0)), leaves) for row in W_next]
    for j in range(n_l):
        for k in range(n_next):
            assert math.isclose(M[j][k], jacobian[k][j], rel_tol=1e-15, abs_tol=1e-300)
    # σ_max² is the top eigenvalue of JJᵀ (= MᵀM), found here by Jacobi rotations instead of power iteration.
    gram = matmul(jacobian, [list(col) for col in zip(*jacobian)])
    eigenvalues = jacobi_eigenvalues(gram)
    top = eigenvalues[0]
    assume(top > 1e-200)
    # Power iteration converges like (σ₂/σ₁)^(2k): skip nearly tied top pairs, which need more steps
    # than the cap (an exact tie is fine: any vector of the top pair then is a top singular vector).
    assume(len(eigenvalues) == 1 or eigenvalues[1] <= 0.98 * top or eigenvalues[1] == top)
    assert math.isclose(anatomy.layers[0].largest_singular_value, math.sqrt(top), rel_tol=1e-9)


def test_largest_singular_value_of_known_matrices():
    assert largest_singular_value([[0.0, 0.0], [0.0, 0.0]]) == 0.0
    assert math.isclose(largest_singular_value([[1.0, -1.0]]), math.sqrt(2), rel_tol=1e-12)  # ones ⟂ the answer
    assert math.isclose(largest_singular_value([[2.0, 0.0, 0.0], [0.0, -7.0, 0.0]]), 7.0, rel_tol=1e-12)
    # A rotation by 30° scaled by 3: every direction is stretched by exactly 3.
    c, s = math.cos(math.pi / 6), math.sin(math.pi / 6)
    assert math.isclose(largest_singular_value([[3 * c, -3 * s], [3 * s, 3 * c]]), 3.0, rel_tol=1e-12)


def test_batch_anatomy_matches_the_matrix_engine():
    rng = random.Random(4)
    sizes = [3, 5, 4, 2]
    m = 6
    weights, biases = random_layers(sizes, rng)
    X = Matrix([[rng.gauss(0, 1) for _ in range(sizes[0])] for _ in range(m)], requires_grad=False)
    Y = Matrix([[rng.random() for _ in range(sizes[-1])] for _ in range(m)], requires_grad=False)
    W = [Matrix(w) for w in weights]
    B = [Matrix([b]) for b in biases]
    a, Z = X, []
    for w, b in zip(W, B):
        Z.append(a @ w.T + b)
        a = Z[-1].sigmoid()
    cost = ((a - Y) ** 2).sum() / (2 * m)  # the mean over the batch of ½‖a − y‖²
    cost.backward()
    # Matrix objects straight in: weights, pre-activations and δᴸ = ∂C/∂Zᴸ (each row carries its 1/m).
    anatomy = layer_anatomy(W, Z, Z[-1].grad)
    for layer, b in zip(anatomy.layers, B):
        assert_vectors_close(layer.delta, b.grad[0])
        assert len(layer.deltas) == m
    for layer, z in zip(anatomy.layers, Z):
        for got, expected in zip(layer.deltas, z.grad):
            assert_vectors_close(got, expected)
    assert anatomy.bound is None  # one factor per example: no single spectral bound
    assert "means over the batch" in str(anatomy)


def test_vector_column_and_row_inputs_give_the_same_anatomy():
    W = [[[0.5, -1.0], [2.0, 0.3]], [[1.5, -0.5]]]
    z = [[0.2, -0.7], [0.4]]
    flat = layer_anatomy(W, z, [0.3])
    column = layer_anatomy(W, [[[0.2], [-0.7]], [[0.4]]], [[0.3]])
    row = layer_anatomy(W, [[[0.2, -0.7]], [[0.4]]], [[0.3]])
    for other in (column, row):
        assert [l.delta for l in other.layers] == [l.delta for l in flat.layers]


def test_derivative_statistics_and_saturation_of_a_layer():
    W = [[[1.0]] * 4]
    sig = layer_anatomy(W, [[0.0, 10.0, -10.0, 3.0]], [1.0, 1.0, 1.0, 1.0])
    d = [0.25] + [activation_derivative("sigmoid")(v) for v in (10.0, -10.0, 3.0)]
    layer = sig.layers[0]
    assert layer.derivative_max == 0.25
    assert layer.derivative_mean == pytest.approx(sum(d) / 4, rel=1e-15)
    assert layer.saturated_fraction == 0.5  # σ′(±10) ≈ 4.5e-5 < 0.01; σ′(3) ≈ 0.045 is not
    relu = layer_anatomy(W, [[1.0, -1.0, 0.0, 2.0]], [1.0] * 4, activation="relu").layers[0]
    assert (relu.derivative_mean, relu.derivative_max, relu.saturated_fraction) == (0.5, 1.0, 0.5)  # relu′(0) = 0: dead
    leaky = layer_anatomy(W, [[1.0, -1.0, 0.0, 2.0]], [1.0] * 4, activation="leaky_relu").layers[0]
    assert leaky.saturated_fraction == 0.0  # slope 0.01 on the left: weak, never dead


def test_sigmoid_chain_of_one_unit_per_layer_reproduces_nielsens_product():
    # One unit per layer with z = 0: each factor is w·σ′(0) = w/4, so δ¹/δᴸ = Π wˡ⁺¹/4.
    w = [1.0, 100.0, 100.0, 100.0]
    anatomy = layer_anatomy([[[v]] for v in w], [[0.0]] * 4, [0.125])
    assert [l.delta[0] for l in anatomy.layers] == [1953.125, 78.125, 3.125, 0.125]
    assert [l.largest_singular_value for l in anatomy.layers[:-1]] == [25.0, 25.0, 25.0]
    assert anatomy.ratio == anatomy.bound == 25.0 ** 3


def test_anatomy_report_prints_a_row_per_layer_and_the_ratio():
    anatomy = layer_anatomy([[[2.0]], [[3.0]], [[-1.0]]], [[0.0]] * 3, [1.0])
    text = str(anatomy)
    lines = text.splitlines()
    assert lines[0].startswith("Backward through the layers")
    assert "‖δ¹‖/‖δᴸ‖ = 0.1875 = the product of the gains" in text
    assert "≤ Π σ_max(Mˡ) = 0.1875" in text
    assert len([l for l in lines if l.strip() and l.split()[0] in {"1", "2", "3"}]) == 3


def test_anatomy_refuses_inconsistent_shapes_naming_them():
    W = [[[1.0, 2.0]], [[1.0], [2.0]]]  # 1×2 then 2×1: consistent
    with pytest.raises(ValueError, match=r"weights\[1\] has shape \(2, 3\)"):
        layer_anatomy([[[1.0, 2.0]], [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]], [[0.0], [0.0, 0.0]], [1.0, 1.0])
    with pytest.raises(ValueError, match=r"pre_activations\[0\].*got shape \(1, 3\)"):
        layer_anatomy(W, [[0.0, 0.0, 0.0], [0.0, 0.0]], [1.0, 1.0])
    with pytest.raises(ValueError, match="delta_last"):
        layer_anatomy(W, [[0.0], [0.0, 0.0]], [1.0])
    with pytest.raises(ValueError, match="2 weight matrices but 1 pre-activations"):
        layer_anatomy(W, [[0.0]], [1.0])
    with pytest.raises(ValueError, match="unknown activation 'swish'"):
        layer_anatomy(W, [[0.0], [0.0, 0.0]], [1.0, 1.0], activation="swish")
    with pytest.raises(ValueError, match="examples"):
        layer_anatomy(W, [[[0.0], [0.0]], [0.0, 0.0]], [1.0, 1.0])
    with pytest.raises(TypeError, match="list of rows"):
        layer_anatomy(W, ["0.0", [0.0, 0.0]], [1.0, 1.0])


# ---------------------------------------------------------------------------
# Gradient health
# ---------------------------------------------------------------------------

class Param:
    def __init__(self, grad):
        self.grad = grad


def test_health_norms_ratios_and_verdicts():
    report = gradient_health([
        ("l1.weight", Param([[3e-4, 0.0], [0.0, 4e-4]])),
        ("l1.bias", Param([[0.0, 0.0]])),
        ("l2.weight", Param([[0.3, 0.4]])),
        ("l3.weight", Param(500.0)),
        ("out.weight", Param([[3.0], [4.0]])),
    ])
    names = [l.name for l in report.layers]
    assert names == ["l1", "l2", "l3", "out"]
    assert [l.size for l in report.layers] == [6, 2, 1, 2]
    assert [l.norm for l in report.layers] == pytest.approx([5e-4, 0.5, 500.0, 5.0], rel=1e-15)
    assert [l.ratio for l in report.layers] == pytest.approx([1e-4, 0.1, 100.0, 1.0], rel=1e-15)
    assert report.verdicts() == {"l1": "vanishing", "l2": "healthy", "l3": "healthy", "out": "healthy"}


def test_health_thresholds_are_strict_inequalities():
    def verdict(g):
        return gradient_health([("a", Param(g)), ("b", Param(1.0))]).layers[0].verdict

    assert verdict(0.01) == "healthy" and verdict(0.0099) == "vanishing"
    assert verdict(100.0) == "healthy" and verdict(100.5) == "exploding"
    assert verdict(0.0) == "zero"
    assert verdict(float("inf")) == "non-finite" and verdict(float("nan")) == "non-finite"
    custom = gradient_health([("a", Param(0.05)), ("b", Param(1.0))], vanishing=0.1, exploding=10.0)
    assert custom.layers[0].verdict == "vanishing"


def test_health_without_a_usable_reference_says_so():
    report = gradient_health([("a", Param(1.0)), ("b", Param(0.0))])
    assert report.layers[0].ratio is None
    assert report.layers[0].verdict.startswith("no reference") and report.layers[1].verdict == "zero"


def test_health_accepts_values_matrices_and_a_custom_grouping():
    w1, b1 = Value(1.0), Value(2.0)
    out = (w1 * 3.0 + b1).tanh()
    out.backward()
    M = Matrix([[1.0, 2.0]])
    (M * M).sum().backward()  # grad 2·M
    report = gradient_health([("w1", w1), ("b1", b1), ("W2", M)], layer_of=lambda name: name[1:])
    assert [l.name for l in report.layers] == ["1", "2"]
    assert report.layers[0].norm == pytest.approx(math.hypot(w1.grad, b1.grad), rel=1e-15)
    assert report.layers[1].norm == pytest.approx(math.hypot(2.0, 4.0), rel=1e-15)


def test_health_report_prints_a_table_and_a_log_scale_bar_chart():
    report = gradient_health([("l1.w", Param(1e-6)), ("l2.w", Param(1e-3)), ("l3.w", Param(1.0))])
    text = str(report)
    assert "verdict" in text and "vanishing" in text and "healthy" in text
    assert "log scale" in text
    bars = [line for line in text.splitlines() if "|" in line]
    lengths = [line.split("|")[1].count("█") for line in bars]
    assert lengths[0] < lengths[1] < lengths[2]  # on a log scale, 1e-6 < 1e-3 < 1 are all visible
    assert "ratio < 0.01 vanishing, > 100.0 exploding" in text


def test_health_refuses_missing_gradients_and_bad_thresholds():
    with pytest.raises(ValueError, match="'w' has no gradient|w has no gradient"):
        gradient_health([("w", Param(None))])
    with pytest.raises(ValueError, match="no parameters"):
        gradient_health([])
    with pytest.raises(ValueError, match="vanishing < exploding"):
        gradient_health([("w", Param(1.0))], vanishing=10.0, exploding=1.0)
    with pytest.raises(TypeError, match="not a number"):
        gradient_health([("w", Param([["x"]]))])


def test_ten_layer_sigmoid_mlp_gradients_vanish_towards_the_input():
    # Nielsen's setup: weights N(0, 1/n_in), biases N(0, 1), sigmoid everywhere, quadratic cost.
    rng = random.Random(0)
    sizes = [8] + [8] * 10
    weights, biases = random_layers(sizes, rng)
    W = [Matrix(w) for w in weights]
    B = [Matrix([b]) for b in biases]
    X = Matrix([[rng.gauss(0, 1) for _ in range(8)] for _ in range(16)], requires_grad=False)
    Y = Matrix([[rng.random() for _ in range(8)] for _ in range(16)], requires_grad=False)
    a = X
    for w, b in zip(W, B):
        a = (a @ w.T + b).sigmoid()
    (((a - Y) ** 2).sum() / 32).backward()
    named = [(f"layer{l + 1}.{kind}", p) for l, (w, b) in enumerate(zip(W, B)) for kind, p in (("weight", w), ("bias", b))]
    report = gradient_health(named)
    independent = [math.sqrt(math.fsum(v * v for p in (w, b) for row in p.grad for v in row)) for w, b in zip(W, B)]
    assert [l.norm for l in report.layers] == pytest.approx(independent, rel=1e-12)
    assert report.layers[0].verdict == "vanishing" and report.layers[-1].verdict == "healthy"
    assert report.layers[0].ratio < 1e-4  # each sigmoid layer back loses a factor of about 4 or more
