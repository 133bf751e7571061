"""Every rule in the op table, checked against numeric derivatives over its whole domain."""

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tinygrad_edu import ops
from tinygrad_edu.ops import OPS
from tinygrad_edu.testing import assert_op_derivative_matches, floats_in, op_arguments


@pytest.mark.parametrize("name", sorted(OPS))
def test_rule_matches_central_difference_and_complex_step(name):
    op = OPS[name]

    @given(op_arguments(op))
    def check(args):
        inputs, params = args
        assert_op_derivative_matches(op, inputs, params)

    check()


# -- properties of individual rules ------------------------------------------

@given(st.floats(-700, 700, allow_nan=False))
def test_sigmoid_derivative_never_exceeds_a_quarter(z):
    (d,) = ops.sigmoid.local_derivatives(z)
    s = ops.sigmoid(z)
    assert d == s * (1 - s)
    assert 0 <= d <= 0.25


def test_sigmoid_derivative_is_a_quarter_only_at_zero():
    assert ops.sigmoid.local_derivatives(0.0) == (0.25,)
    # the nearest floats to 0 already fall below 1/4 once the square is resolved
    assert ops.sigmoid.local_derivatives(1e-4)[0] < 0.25
    assert ops.sigmoid.local_derivatives(-1e-4)[0] < 0.25


@given(st.floats(-50, 50, allow_nan=False))
def test_tanh_derivative_is_one_minus_tanh_squared_and_at_most_one(z):
    (d,) = ops.tanh.local_derivatives(z)
    assert d == 1 - math.tanh(z) ** 2
    assert 0 <= d <= 1
    if z != 0:
        assert d < 1 or abs(z) < 1e-7  # rounding makes 1 − tanh² = 1 for tiny z


@given(floats_in(ops.REALS, bound=1e308))
def test_relu_derivative_is_zero_or_one_with_zero_at_the_kink(x):
    (d,) = ops.relu.local_derivatives(x)
    assert d == (1.0 if x > 0 else 0.0)


def test_kink_conventions():
    assert ops.relu.local_derivatives(0.0) == (0.0,)
    assert ops.absolute.local_derivatives(0.0) == (0,)
    assert ops.leaky_relu.local_derivatives(0.0, 0.1) == (0.1,)
    assert ops.sqrt.local_derivatives(0.0) == (math.inf,)
    assert ops.power.local_derivatives(0.0, 0.5) == (math.inf,)


@pytest.mark.parametrize("name, x", [("sign", 0.0), ("floor", 2.0), ("floor", -3.0), ("ceil", 2.0), ("ceil", 0.0)])
def test_steps_have_slope_zero_at_their_jumps_too(name, x):
    # The function jumps there (no derivative at all); we take 0, as PyTorch does, and say so in the table.
    op = OPS[name]
    assert op.local_derivatives(x) == (0,)
    assert op.jumps and op.jump_distance([x], 0) == 0.0
    assert op.local_derivatives(x + 0.25) == op.local_derivatives(x - 0.25) == (0,)


@given(floats_in(ops.REALS, bound=1e15))
def test_floor_ceil_and_sign_are_pythons_and_keep_the_float_type(x):
    assert ops.floor(x) == math.floor(x) and type(ops.floor(x)) is float
    assert ops.ceil(x) == math.ceil(x) and type(ops.ceil(x)) is float
    assert ops.sign(x) == (x > 0) - (x < 0)


def test_steps_pass_inf_and_nan_through_and_keep_fractions_exact():
    from fractions import Fraction
    assert ops.floor(math.inf) == math.inf and ops.ceil(-math.inf) == -math.inf
    assert math.isnan(ops.floor(math.nan)) and math.isnan(ops.sign(math.nan))
    assert ops.floor(Fraction(7, 2)) == Fraction(3) and type(ops.floor(Fraction(7, 2))) is Fraction
    assert ops.sign(Fraction(-1, 3)) == Fraction(-1)


@given(st.floats(-30, 30, allow_nan=False), st.floats(-30, 30, allow_nan=False).filter(lambda y: y != 0))
def test_mod_is_pythons_remainder_and_its_slope_in_y_is_minus_the_floor_quotient(x, y):
    assert ops.modulo(x, y) == x % y
    assert ops.modulo.local_derivatives(x, y) == (1, -(x // y))
    if x % y != 0:
        assert (x % y > 0) == (y > 0)  # the sign of the divisor, as in Python (and torch.remainder)


def test_vertical_tangents_of_asin_and_acos():
    assert ops.asin.local_derivatives(1.0) == ops.asin.local_derivatives(-1.0) == (math.inf,)
    assert ops.acos.local_derivatives(1.0) == ops.acos.local_derivatives(-1.0) == (-math.inf,)
    # Near ±1 the rule keeps its digits: (1 − x)(1 + x) rather than 1 − x².
    x = 1 - 2 ** -40
    assert ops.asin.local_derivatives(x)[0] == pytest.approx(1 / math.sqrt((1 - x) * (1 + x)), rel=1e-15)


@given(st.floats(-1e3, 1e3, allow_nan=False), st.floats(1e-3, 1e3))
def test_atan2_is_atan_of_the_ratio_to_the_right_of_the_y_axis_and_its_slopes_agree(y, x):
    assert ops.atan2(y, x) == pytest.approx(math.atan(y / x), rel=1e-12, abs=1e-15)
    # ∂atan2/∂y = x/(x² + y²) = atan′(y/x)·(1/x): two routes to one number
    d_dy, d_dx = ops.atan2.local_derivatives(y, x)
    assert d_dy == pytest.approx(ops.atan.local_derivatives(y / x)[0] / x, rel=1e-12)
    assert d_dx == pytest.approx(ops.atan.local_derivatives(y / x)[0] * (-y / x ** 2), rel=1e-12, abs=1e-300)


@pytest.mark.parametrize("s", [1e-200, 1e200, 1.0])
def test_atan2_slopes_neither_underflow_nor_overflow_at_any_scale(s):
    assert ops.atan2.local_derivatives(s, s) == pytest.approx((0.5 / s, -0.5 / s), rel=1e-15)
    assert ops.atan2.local_derivatives(math.inf, 1.0) == (0.0, 0.0)


@pytest.mark.parametrize("y, d_dx, d2_dx2", [(0.5, math.inf, 0.0), (1.0, 1.0, 0.0), (1.5, 0.0, math.inf),
                                              (2.0, 0.0, 2.0), (3.0, 0.0, 0.0)])
def test_x_to_the_y_at_x_zero_is_zero_with_zero_slope_in_y(y, d_dx, d2_dx2):
    # 0ʸ = 0 for y > 0 and xʸ·ln x → 0 as x → 0: ∂/∂y = 0 (as PyTorch); ∂/∂x = y·0^(y−1).
    from tinygrad_edu import Value, grad
    x, e = Value(0.0), Value(y)
    out = x ** e
    first = grad(out, [x, e], create_graph=True)
    assert out.data == 0.0 and [d.data for d in first] == [d_dx, 0.0]
    assert grad(first[0], [x])[0] == d2_dx2  # (x²)″ = 2 at 0 too: the slope there is still a graph


@pytest.mark.parametrize("z", [1e308, -1e308, 800.0, -800.0, 1e4, -1e4])
def test_sigmoid_softplus_log_sigmoid_are_stable_for_huge_inputs(z):
    for op in (ops.sigmoid, ops.softplus, ops.log_sigmoid):
        out = op(z)
        assert not math.isnan(out)
        (d,) = op.local_derivatives(z)
        assert math.isfinite(d)
    assert ops.sigmoid(z) == (1.0 if z > 0 else 0.0)
    assert ops.softplus(z) == (z if z > 0 else 0.0)


def test_exp_overflows_to_inf_not_an_exception():
    assert ops.exp(1000.0) == math.inf
    assert ops.power(10.0, 400) == math.inf
    assert ops.power(-10.0, 401) == -math.inf
    assert ops.sin(math.inf) != ops.sin(math.inf)  # nan, as in IEEE 754


@pytest.mark.parametrize(
    "op, args, error, fragment",
    [
        (ops.log, (0.0,), ValueError, "log: input 0.0 is outside the domain (0, ∞)"),
        (ops.log, (-2.0,), ValueError, "-2.0"),
        (ops.sqrt, (-1.0,), ValueError, "sqrt: input -1.0"),
        (ops.div, (1.0, 0.0), ZeroDivisionError, "div: division by zero (1.0 / 0.0)"),
        (ops.power, (0.0, -1), ZeroDivisionError, "power: 0 ** -1"),
        (ops.power, (-2.0, 0.5), ValueError, "power: (-2.0) ** 0.5"),
        (ops.pow_xy, (-2.0, 3.0), ValueError, "pow: input -2.0"),
        (ops.pow_xy, (0.0, -1.0), ZeroDivisionError, "pow: 0 ** -1.0"),
        (ops.pow_xy, (0.0, 0.0), ValueError, "pow: 0 ** 0 with a differentiable exponent"),
        (ops.asin, (1.5,), ValueError, "asin: input 1.5 is outside the domain [-1, 1]"),
        (ops.acos, (-1.0000001,), ValueError, "acos: input -1.0000001"),
        (ops.atan2, (0.0, 0.0), ValueError, "atan2(0, 0): the point (0, 0) has no direction"),
        (ops.modulo, (1.0, 0.0), ZeroDivisionError, "mod: modulo by zero (1.0 % 0.0)"),
    ],
)
def test_out_of_domain_inputs_raise_an_error_naming_op_and_value(op, args, error, fragment):
    with pytest.raises(error) as info:
        op(*args)
    assert fragment in str(info.value)


# Wrong rules must be caught: tests/test_testing.py mutates every rule of this table
# (negated, doubled, zero, off by 1e-3, another op's rule) and checks that the kit fails it.


NEW_ROWS = ["sign", "floor", "ceil", "asin", "acos", "atan", "atan2", "mod"]


def test_the_rules_command_lists_the_new_rows_with_their_jumps_and_tangents():
    from tinygrad_edu.__main__ import main
    import contextlib
    import io

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(["rules"]) == 0
    text = out.getvalue()
    for name in NEW_ROWS:
        head = ops.describe_rule(OPS[name]).splitlines()[0]
        assert head in text
    assert "floor(x)         domain ℝ    jumps: by 1 at every integer" in text
    assert "atan2(y, x)      domain ℝ × ℝ    jumps: by 2π across the negative x axis" in text
    assert "asin(x)          domain [-1, 1]    vertical tangent: asin′(−1) = +inf" in text


def test_the_new_rows_print_as_formulas_and_as_chain_rule_factors():
    from tinygrad_edu import Value, chain_rule, expression

    x, y = Value(2.5, label="x"), Value(-1.5, label="y")
    assert str(expression(x % y)) == "x mod y" and expression(x % y).python() == "x % y"
    assert str(expression(x.atan2(y))) == "atan2(x, y)"
    assert str(chain_rule(x.floor() * y, x)).splitlines()[0] == "∂f/∂x = floor′(x) · y"
    assert str(chain_rule(x.atan(), x)).splitlines()[0] == "∂f/∂x = 1/(1 + x·x)"
    assert chain_rule(x % y, y).value == 2.0  # −⌊2.5/−1.5⌋ = −(−2)
