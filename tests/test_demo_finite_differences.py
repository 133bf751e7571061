"""demos/finite_differences.py: the central difference's error against its step, and the complex step.

The w = 100 chain's ∂C/∂b₁ is 1953.125 exactly (0.125·25³), so every error here
is measured against an exact number, not against another estimate.  Science
§2 (checked in double precision): h = 1e-6 is only good to about 2e-5, h = 1e-7
to about 1e-6.
"""

import math

import pytest

from demo_output import prose, read_table, run_demo  # also puts demos/ on sys.path

import finite_differences  # noqa: E402  (demos/ is not a package: found through the path above)


@pytest.fixture(scope="module")
def run():
    return run_demo(finite_differences.main, [])


def sigmoid(z):
    return 1 / (1 + math.exp(-z))


def cost_b1(b1):
    """The chain written out here: four layers, w = 100, the other biases −50, a₀ = 0.5, C = a₄²/2."""
    a = sigmoid(100 * 0.5 + b1)
    for _ in range(3):
        a = sigmoid(100 * a - 50)
    return a * a / 2


def test_the_textbook_steps_are_as_bad_as_science_says(run):
    result, out = run
    textbook = result["chosen"]["textbook"]
    assert 1e-5 < textbook[1e-6] < 5e-5
    assert textbook[1e-7] < 2e-6
    for h, err in textbook.items():  # the same numbers from the chain written here (its σ rounds
        # differently from the engine's, and rounding is a few percent of the error at h = 1e-7)
        assert err == pytest.approx(abs((cost_b1(-50 + h) - cost_b1(-50 - h)) / (2 * h) - 1953.125) / 1953.125,
                                    rel=0.05)
    assert result["chosen"]["error"] < textbook[1e-6] / 10  # the step chosen from C‴ does much better
    assert f"The textbook h = 1e-6 is good to {textbook[1e-6]:.1e} only" in prose(out)


def test_measured_errors_follow_the_prediction_where_it_is_small(run):
    result, out = run
    steps = result["steps"]
    rows = read_table(out, "h", after="1. Central differences")
    assert len(rows) == len(steps["steps"])
    for row, h, err, guess in zip(rows, steps["steps"], steps["measured"], steps["predicted"]):
        assert float(row["h"]) == pytest.approx(h)
        assert float(row["relative error"]) == pytest.approx(err, rel=0.06)
        if guess <= finite_differences.RESOLVABLE:
            assert err <= finite_differences.PREDICTION_SLACK * guess
    best = steps["measured"].index(min(steps["measured"]))
    assert 1e-9 <= steps["steps"][best] <= 1e-7  # near h* = 6.5e-8, where truncation meets rounding


def test_third_derivative_is_that_of_the_chain(run):
    result, _ = run
    # C‴ by the five-point difference, as a cross-check of the engine's C‴: the chain varies on a scale of
    # about 25⁻³ in b₁, so h must be well below that; at h = 1e-6 truncation is ~1e-3 relative, rounding
    # ε·C/h³ ≈ 1e-1 absolute, negligible against 2.4e11.
    h = 1e-6
    third = result["chain"]["third"]
    numeric = (cost_b1(-50 + 2 * h) - 2 * cost_b1(-50 + h) + 2 * cost_b1(-50 - h) - cost_b1(-50 - 2 * h)) / (2 * h ** 3)
    assert third == pytest.approx(-2.388e11, rel=1e-3)
    assert numeric == pytest.approx(third, rel=1e-2)


def test_complex_step_reaches_rounding_once_its_truncation_is_below_epsilon(run):
    result, out = run
    complex_part = result["complex"]
    for h, err in zip(complex_part["steps"], complex_part["errors"]):
        truncation = h * h * 2.388e11 / 6 / 1953.125
        if truncation < 1e-16:
            assert err <= 1e-15
        elif truncation < 1e-3:
            assert err == pytest.approx(truncation, rel=0.05)  # the error is the h² term, nothing else
    assert "(h ≤ 1e-20 here)" in prose(out)


def test_checks_pass_and_say_what_they_compared(run):
    result, out = run
    text = prose(out)
    assert result["ok"] and "All agree: yes." in text
    assert "with its prediction at the 5 steps where the prediction is below 0.001" in text
    assert "Skipped: the 5 steps whose predicted error is above 0.001" in text
