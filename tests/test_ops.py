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
    ],
)
def test_out_of_domain_inputs_raise_an_error_naming_op_and_value(op, args, error, fragment):
    with pytest.raises(error) as info:
        op(*args)
    assert fragment in str(info.value)


# Wrong rules must be caught: tests/test_testing.py mutates every rule of this table
# (negated, doubled, zero, off by 1e-3, another op's rule) and checks that the kit fails it.
