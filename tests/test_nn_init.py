"""Initialisers: the sample mean and variance of many draws match each documented formula.

How close is close enough.  For N independent draws with mean μ, variance σ²
and fourth central moment μ₄, the sample mean has standard error σ/√N and the
sample variance s² has standard error √((μ₄ − σ⁴)/N) (to first order in 1/N):

* normal:  μ₄ = 3σ⁴,    so SE(s²) = σ²·√(2/N)
* uniform: μ₄ = 9σ⁴/5,  so SE(s²) = σ²·√(0.8/N)

Each check allows Z = 5 standard errors: a correct initialiser fails with
probability below 10⁻⁶ per check (and the seeds are fixed, so the outcome is
reproducible).  With N = 30 000 draws, 5 SE is about 4% of σ² for a normal,
so a formula off by 10% (let alone the factor 2 between LeCun and He, or
n_in + n_out against n_in) cannot pass: ``test_tolerance_rejects_a_ten_percent_error``
checks that the tolerance is that tight.
"""

import math
import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tinygrad_edu.matrix import Matrix
from tinygrad_edu.nn import init

Z = 5.0
SHAPES = [(60, 500), (500, 60)]  # n_out ≠ n_in both ways, so n_in and n_out cannot be confused
SEEDS = [0, 1]

NORMAL_KURTOSIS = 3.0   # μ₄/σ⁴
UNIFORM_KURTOSIS = 1.8


def moments(matrix: Matrix) -> tuple[int, float, float]:
    """N, sample mean and unbiased sample variance of every entry."""
    values = [x for row in matrix.data for x in row]
    n = len(values)
    mean = math.fsum(values) / n
    variance = math.fsum((x - mean) ** 2 for x in values) / (n - 1)
    return n, mean, variance


def assert_moments(matrix: Matrix, mean: float, variance: float, kurtosis: float) -> None:
    n, sample_mean, sample_variance = moments(matrix)
    se_mean = math.sqrt(variance / n)
    se_variance = variance * math.sqrt((kurtosis - 1) / n)
    assert abs(sample_mean - mean) <= Z * se_mean, (sample_mean, mean, se_mean)
    assert abs(sample_variance - variance) <= Z * se_variance, (sample_variance, variance, se_variance)


# (initialiser, expected variance as a function of (n_out, n_in), kurtosis): the formulas,
# written out here independently of the code under test.
CASES = {
    "standard_normal": (init.standard_normal, lambda o, i: 1.0, NORMAL_KURTOSIS),
    "lecun_normal": (init.lecun_normal, lambda o, i: 1.0 / i, NORMAL_KURTOSIS),
    "lecun_uniform": (init.lecun_uniform, lambda o, i: 1.0 / i, UNIFORM_KURTOSIS),
    "standard_uniform": (init.standard_uniform, lambda o, i: 1.0 / (3 * i), UNIFORM_KURTOSIS),
    "xavier_normal": (init.xavier_normal, lambda o, i: 2.0 / (i + o), NORMAL_KURTOSIS),
    "xavier_uniform": (init.xavier_uniform, lambda o, i: 2.0 / (i + o), UNIFORM_KURTOSIS),
    "he_normal": (init.he_normal, lambda o, i: 2.0 / i, NORMAL_KURTOSIS),
    "he_uniform": (init.he_uniform, lambda o, i: 2.0 / i, UNIFORM_KURTOSIS),
}


@pytest.mark.parametrize("name", sorted(CASES))
@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("seed", SEEDS)
def test_sample_mean_and_variance_match_the_formula(name, shape, seed):
    f, variance, kurtosis = CASES[name]
    n_out, n_in = shape
    W = f(n_out, n_in, random.Random(seed))
    assert W.shape == (n_out, n_in)
    assert_moments(W, 0.0, variance(n_out, n_in), kurtosis)


@pytest.mark.parametrize("slope", [0.01, 0.2, 1.0])
def test_he_variance_includes_the_leaky_relu_gain(slope):
    n_out, n_in = 300, 100
    expected = 2.0 / ((1 + slope ** 2) * n_in)
    assert_moments(init.he_normal(n_out, n_in, random.Random(3), negative_slope=slope), 0.0, expected,
                   NORMAL_KURTOSIS)
    assert_moments(init.he_uniform(n_out, n_in, random.Random(4), negative_slope=slope), 0.0, expected,
                   UNIFORM_KURTOSIS)


def test_he_with_slope_one_is_lecun():
    """A leaky relu of slope 1 is the identity: nothing is lost, so He's factor 2/(1 + 1) = 1."""
    a = init.he_normal(5, 7, random.Random(0), negative_slope=1.0)
    b = init.lecun_normal(5, 7, random.Random(0))
    assert all(math.isclose(x, y, rel_tol=1e-12) for ra, rb in zip(a.data, b.data) for x, y in zip(ra, rb))


@pytest.mark.parametrize("std, mean", [(0.1, 0.0), (2.0, -1.0)])
def test_normal_has_the_requested_mean_and_std(std, mean):
    W = init.normal(200, 150, random.Random(5), std=std, mean=mean)
    assert_moments(W, mean, std ** 2, NORMAL_KURTOSIS)


@pytest.mark.parametrize("a, b", [(-1.0, 1.0), (0.0, 3.0), (-0.5, -0.25)])
def test_uniform_has_mean_midpoint_and_variance_width_squared_over_twelve(a, b):
    W = init.uniform(200, 150, random.Random(6), a=a, b=b)
    assert_moments(W, (a + b) / 2, (b - a) ** 2 / 12, UNIFORM_KURTOSIS)
    assert all(a <= x <= b for row in W.data for x in row)


def test_tolerance_rejects_a_ten_percent_error():
    """The test above could fail: 5 standard errors of s² are well under 10% of σ² at this N."""
    W = init.he_normal(60, 500, random.Random(0))
    n, _, sample_variance = moments(W)
    true = 2.0 / 500
    assert Z * true * math.sqrt(2.0 / n) < 0.05 * true
    for wrong in (1.1 * true, 0.9 * true, 1.0 / 500, 2.0 / 560):  # off by 10%, LeCun, Xavier
        assert abs(sample_variance - wrong) > Z * wrong * math.sqrt(2.0 / n)


@pytest.mark.parametrize("name", ["standard_normal", "lecun_normal", "xavier_normal", "he_normal"])
def test_normal_initialisers_put_68_percent_within_one_std(name):
    """Shape, not just variance: a uniform with the same variance puts only 1/√3 ≈ 57.7% within σ."""
    f, variance, _ = CASES[name]
    n_out, n_in = 150, 200
    sigma = math.sqrt(variance(n_out, n_in))
    values = [x for row in f(n_out, n_in, random.Random(7)).data for x in row]
    p = math.erf(1 / math.sqrt(2))  # 0.6827
    fraction = sum(abs(x) <= sigma for x in values) / len(values)
    assert abs(fraction - p) <= Z * math.sqrt(p * (1 - p) / len(values))


@pytest.mark.parametrize("name, bound", [
    ("xavier_uniform", lambda o, i: math.sqrt(6 / (i + o))),
    ("he_uniform", lambda o, i: math.sqrt(6 / i)),
    ("lecun_uniform", lambda o, i: math.sqrt(3 / i)),
    ("standard_uniform", lambda o, i: 1 / math.sqrt(i)),
])
def test_uniform_initialisers_fill_exactly_their_documented_interval(name, bound):
    n_out, n_in = 150, 200
    r = bound(n_out, n_in)
    values = [x for row in CASES[name][0](n_out, n_in, random.Random(8)).data for x in row]
    assert max(abs(x) for x in values) <= r
    # P(every |x| < r(1 − 10⁻³)) = (1 − 10⁻³)^30000 ≈ e⁻³⁰: the draws reach the bound.
    assert max(values) > r * (1 - 1e-3) and min(values) < -r * (1 - 1e-3)


def test_constant_zeros_and_scaled_identity_are_exact():
    assert init.constant(2, 3, c=0.5).data == [[0.5] * 3] * 2
    assert init.zeros(3, 2).data == [[0.0, 0.0]] * 3
    assert init.scaled_identity(3, 3, c=1.5).data == [[1.5, 0.0, 0.0], [0.0, 1.5, 0.0], [0.0, 0.0, 1.5]]
    for W in (init.constant(2, 3), init.zeros(1, 1), init.scaled_identity(2, 2)):
        assert W.requires_grad and W.is_leaf


def test_scaled_identity_reproduces_the_deep_linear_network():
    """aˡ = Wˡaˡ⁻¹ with every Wˡ = c·I gives aˡ = cˡ·x (the deep linear network): 0.5ˡ from x = (1, 1)."""
    x = Matrix([[1.0, 1.0]])
    W = init.scaled_identity(2, 2, c=0.5)
    a = x
    for layer in range(1, 6):
        a = a @ W.T
        assert a.data == [[0.5 ** layer, 0.5 ** layer]]


@given(st.integers(1, 12), st.integers(1, 12), st.integers(0, 2 ** 32 - 1),
       st.sampled_from(sorted(CASES)))
def test_every_random_initialiser_has_the_right_shape_and_is_reproducible(n_out, n_in, seed, name):
    f = CASES[name][0]
    a, b = f(n_out, n_in, random.Random(seed)), f(n_out, n_in, random.Random(seed))
    assert a.shape == (n_out, n_in)
    assert a.data == b.data
    assert a.requires_grad and a.is_leaf


def test_initialisers_do_not_touch_the_global_random_module():
    random.seed(123)
    expected = random.random()
    random.seed(123)
    init.xavier_normal(4, 4, random.Random(0))
    assert random.random() == expected


def test_names_resolve_and_unknown_names_are_refused():
    assert init.get("xavier_uniform") is init.xavier_uniform
    assert init.get(init.he_normal) is init.he_normal
    with pytest.raises(ValueError, match="unknown initialiser 'glorot'"):
        init.get("glorot")
    with pytest.raises(TypeError, match="init"):
        init.get(3)


@pytest.mark.parametrize("call, error, message", [
    (lambda: init.he_normal(3, 2, 42), TypeError, "he_normal: rng must be a random.Random"),
    (lambda: init.xavier_uniform(0, 2, random.Random(0)), ValueError, r"xavier_uniform: shape \(0, 2\)"),
    (lambda: init.lecun_normal(2.0, 2, random.Random(0)), TypeError, "lecun_normal: n_out and n_in must be ints"),
    (lambda: init.scaled_identity(3, 2), ValueError, "square"),
    (lambda: init.normal(2, 2, random.Random(0), std=-1.0), ValueError, "normal: std"),
    (lambda: init.uniform(2, 2, random.Random(0), a=1.0, b=0.0), ValueError, "uniform: need finite a <= b"),
    (lambda: init.he_normal(2, 2, random.Random(0), negative_slope=math.inf), ValueError, "negative_slope"),
    (lambda: init.xavier_normal(2, 2, random.Random(0), gain=-1.0), ValueError, "gain"),
    (lambda: init.constant(2, 2, c="1"), TypeError, "constant"),
])
def test_bad_arguments_raise_clear_errors(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_calculate_gain_values():
    assert init.calculate_gain("sigmoid") == 1.0
    assert init.calculate_gain("tanh") == 5 / 3
    assert init.calculate_gain("relu") == math.sqrt(2)
    assert math.isclose(init.calculate_gain("leaky_relu", 0.2) ** 2, 2 / 1.04)
    with pytest.raises(ValueError, match="calculate_gain: unknown nonlinearity 'swish'"):
        init.calculate_gain("swish")
