"""demos/batch_norm.py: the worked backward pass, the two numbers of the rescue, and the deep stack.

The example's answer, [0.32, −0.56, 0.16, 0.08]/√5, is derived here by hand in
exact rationals (Fraction), a route independent of the engine and of the
closed-form function; the quadratures are redone with Simpson's rule.
"""

import math
from fractions import Fraction

import pytest

from demo_output import prose, read_table, run_demo  # also puts demos/ on sys.path

import batch_norm  # noqa: E402  (demos/ is not a package: found through the path above)


@pytest.fixture(scope="module")
def run():
    return run_demo(batch_norm.main, ["--depth", "8", "--steps", "20"])


def test_the_worked_example_is_the_sources_answer(run):
    """x̂ = (x − 5/2)/(√5/2) = [−3, −1, 1, 3]/√5; √5·dx = (4g − 3/5 − (7/5)·[−3, −1, 1, 3]/5)/2, in rationals."""
    result, out = run
    g = [Fraction(1, 10), Fraction(-2, 10), Fraction(3, 10), Fraction(4, 10)]
    k = [-3, -1, 1, 3]
    scaled = [(4 * gi - Fraction(3, 5) - Fraction(7, 5) * ki / 5) / 2 for gi, ki in zip(g, k)]  # √5·dx
    assert scaled == [Fraction(32, 100), Fraction(-56, 100), Fraction(16, 100), Fraction(8, 100)]
    example = result["example"]
    for engine, closed, exact in zip(example["engine"], example["closed"], scaled):
        assert engine == pytest.approx(float(exact) / math.sqrt(5), rel=1e-14)
        assert closed == pytest.approx(float(exact) / math.sqrt(5), rel=1e-14)
    assert example["dbeta"] == pytest.approx(0.6) and example["dgamma"] == pytest.approx(1.4 / math.sqrt(5))
    assert abs(example["sum_dx"]) <= 1e-15 and abs(example["sum_xhat_dx"]) <= 1e-15
    rows = read_table(out, "i", after="1. The backward pass")
    assert [float(r["∂L/∂xᵢ, backward"]) for r in rows] == pytest.approx([0.14310835, -0.25043961, 0.071554175,
                                                                           0.035777088], rel=1e-7)


def simpson_gaussian(f, n=4000):
    """E[f(z)], z ~ N(0, 1), by Simpson's rule on [−10, 10] (n even)."""
    h = 20 / n
    total = 0.0
    for k in range(n + 1):
        z = -10 + k * h
        weight = 1 if k in (0, n) else 4 if k % 2 else 2
        total += weight * f(z) * math.exp(-z * z / 2)
    return total * h / 3 / math.sqrt(2 * math.pi)


def test_the_rms_of_sigma_prime_and_the_std_of_sigma(run):
    result, out = run
    def s(z):
        return 1 / (1 + math.exp(-z))
    rms = math.sqrt(simpson_gaussian(lambda z: (s(z) * (1 - s(z))) ** 2))
    mean = simpson_gaussian(s)
    std = math.sqrt(simpson_gaussian(lambda z: s(z) ** 2) - mean * mean)
    numbers = result["numbers"]
    assert numbers["rms_sigma_prime"] == pytest.approx(rms, rel=1e-9) and round(rms, 3) == 0.212
    assert numbers["std_sigma"] == pytest.approx(std, rel=1e-9) and round(std, 3) == 0.208
    assert numbers["gain"] == pytest.approx(1.0167, abs=1e-4)
    text = prose(out)
    assert "√E[σ′(z)²] = 0.2117: a 4.72× shrink" in text and "0.2117/0.2083 = 1.017" in text


def test_batch_norm_keeps_the_gradient_and_zeroes_the_bias_before_it(run):
    result, out = run
    stack = result["stack"]
    plain, normed = stack["plain"], stack["batch_norm"]
    assert normed["factor"] > 2 * plain["factor"]
    assert plain["rms_sigma_prime"] >= normed["rms_sigma_prime"]  # not a larger σ′: the division does it
    assert normed["std_sigma"] == pytest.approx(0.208, abs=0.05)
    assert stack["bias_before_bn"] < 1e-12  # Σᵢ ∂L/∂xᵢ = 0 for any ε
    assert min(plain["bias_norms"][:-1]) > 1e-12
    assert "The plain network's σ′ is no smaller" in prose(out)


def test_checks_pass(run):
    result, out = run
    assert result["ok"] and "All agree: yes." in prose(out)
