"""Numeric derivatives and gradcheck: the referee must itself be right, and must catch errors."""

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tinygrad_edu import Value
from tinygrad_edu.numeric import (
    GradcheckError,
    central_difference,
    complex_step,
    default_step,
    gradcheck,
    numeric_gradient,
)


@given(st.floats(-20, 20))
def test_central_difference_of_sin_is_within_its_error_bound(x):
    h = default_step(x)
    truncation = h * h / 6  # |sin‴| ≤ 1
    rounding = 4e-16 / h  # |sin| ≤ 1, a couple of ulps each side
    rounding += 2.3e-16 * max(abs(x), 1) / h  # x ± h is itself rounded to an ulp of x
    assert central_difference(math.sin, x) == pytest.approx(math.cos(x), abs=truncation + rounding)


@given(st.floats(-5, 5))
def test_complex_step_is_exact_to_rounding_where_differences_cancel(x):
    # no subtraction, so no cancellation: the only error is the O(h²) = 1e-40 term
    assert complex_step(lambda z: z * z * z, x) == pytest.approx(3 * x * x, rel=1e-15, abs=1e-39)


def test_default_step_balances_truncation_and_rounding():
    assert default_step(0.0) == pytest.approx(6.06e-6, rel=1e-2)
    assert default_step(1000.0) == pytest.approx(1000 * 6.06e-6, rel=1e-2)


@pytest.mark.parametrize("h", [0.0, -1e-3, float("nan"), float("inf")])
def test_non_positive_steps_are_refused(h):
    with pytest.raises(ValueError, match="step h must be a finite number > 0"):
        central_difference(math.sin, 1.0, h)
    with pytest.raises(ValueError, match="step h must be a finite number > 0"):
        complex_step(lambda z: z, 1.0, h)


def test_numeric_gradient_of_a_function_of_several_inputs():
    g = numeric_gradient(lambda x, y: x * x * y, [3.0, 2.0])
    assert g == pytest.approx([12.0, 9.0], rel=1e-8)


def test_gradcheck_reports_every_input():
    report = gradcheck(lambda x, y, z: (x * y).sigmoid() + z.log() * x, [0.4, -1.2, 2.5])
    assert report.ok and len(report.entries) == 3
    for entry in report.entries:
        assert entry.abs_error <= 1e-8 and entry.rel_error <= 1e-6


def test_gradcheck_catches_a_wrong_rule_and_says_where():
    from tinygrad_edu.ops import Op

    wrong_square = Op("wrong_square", forward=lambda x: x * x, derivative=lambda x, out: x)  # should be 2x

    with pytest.raises(GradcheckError) as info:
        gradcheck(lambda x, y: Value.apply(wrong_square, (x,)) + y, [1.5, 0.2])
    message = str(info.value)
    assert "NO" in message and "yes" in message  # input 0 wrong, input 1 right
    report = gradcheck(lambda x, y: Value.apply(wrong_square, (x,)) + y, [1.5, 0.2], raise_exception=False)
    assert not report.ok
    assert report.entries[0].analytic == 1.5
    assert report.entries[0].numeric == pytest.approx(3.0, rel=1e-8)


@pytest.mark.parametrize("name, f", [
    ("softsign", lambda x: x / (1 + abs(x))),  # f″ = ∓2 on either side of 0: D(h) = 1/(1 + h)
    ("x·|x| + x", lambda x: x * abs(x) + x),   # f″ = ±2: D(h) = 1 + h
])
def test_gradcheck_passes_a_right_rule_where_the_difference_converges_only_like_h(name, f):
    # Assuming h², as gradcheck once did, these failed with an error of 6.06e-6 at the default step.
    report = gradcheck(f, [0.0])
    (entry,) = report.entries
    assert entry.analytic == 1.0 and entry.abs_error <= entry.error_bar
    h = default_step(0.0)
    plain = (f(h) - f(-h)) / (2 * h)
    assert 1e-6 < abs(plain - 1.0) < 1e-5  # the order-1 error is really there at the default step


def test_gradcheck_still_catches_a_rule_off_by_one_part_in_a_thousand_where_f_bends():
    from tinygrad_edu.ops import Op

    softsign = Op("softsign", forward=lambda x: x / (1 + abs(x)),
                  derivative=lambda x, out: 1.001 / (1 + abs(x)) ** 2)
    report = gradcheck(lambda x: Value.apply(softsign, (x,)), [0.0], raise_exception=False)
    assert not report.ok and report.entries[0].error_bar < 1e-5


@pytest.mark.parametrize("z", [-2980.0, -710.0, -3.0, 0.0, 3.0, 710.0, 2980.0])
def test_the_complex_forms_of_the_logistic_rules_never_overflow(z):
    """cmath.exp raises past Re z ≈ 709 (math's rules give inf): σ, softplus, ln σ and the binary
    cross-entropy take e^(−|z|) only, so the complex step agrees with their derivative rules
    (found by Hypothesis on a random graph whose z reached e^8 ≈ 2981)."""
    from tinygrad_edu import ops

    sigma = 1 / (1 + math.exp(-z)) if z >= 0 else math.exp(z) / (1 + math.exp(z))
    expected = {ops.sigmoid: sigma * (1 - sigma), ops.softplus: sigma, ops.log_sigmoid: 1 - sigma}
    for op, derivative in expected.items():
        assert complex_step(op.complex_forward, z) == pytest.approx(derivative, rel=1e-12, abs=1e-300), op.name
    for y in (0.0, 0.3, 1.0):
        bce = complex_step(lambda t: ops.bce_with_logits.complex_forward(t, y), z)
        assert bce == pytest.approx(sigma - y, rel=1e-12, abs=1e-300)
