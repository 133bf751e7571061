"""The testing kit itself: it never fails a correct rule, and it catches wrong ones.

A learner who adds a primitive tests it with :func:`assert_op_derivative_matches`.
Two promises are checked here:

* no false alarms: a family of *correct* rules with awkward points (f″ jumps at
  0, f″ unbounded at 0, steep but smooth, huge and tiny derivatives) passes at
  those points, near them and everywhere else Hypothesis looks;
* no blind spots: wrong rules (negated, doubled, zero, another op's rule, off by
  one part in a thousand) are caught for every op of the table, by central
  differences alone, without the complex step's help.
"""

import math
import warnings

import pytest
from hypothesis import HealthCheck, Phase, assume, given, settings
from hypothesis import strategies as st

from tinygrad_edu import ops
from tinygrad_edu.ops import OPS, Interval, Op
from tinygrad_edu.testing import (
    REL_TOL,
    assert_op_derivative_matches,
    close,
    estimate_derivative,
    finite_floats,
    op_arguments,
)

# ---------------------------------------------------------------------------
# Correct rules with awkward points, written as a learner would write them
# ---------------------------------------------------------------------------


def _sign(x):
    return (x > 0) - (x < 0)


def _sigmoid(x):
    return 1 / (1 + math.exp(-x)) if x >= 0 else math.exp(x) / (1 + math.exp(x))


def _op(name, forward, derivative, **kwargs):
    return Op(name, forward=forward, derivative=lambda x, out: derivative(x), **kwargs)


SCALE = 1e-3  # the width of the scaled bump 1/(1 + (x/s)²)

#: name -> (Op, awkward points, the range the rest of the draws come from)
CORRECT_RULES = {
    # f″ jumps at 0: the central difference's error shrinks like h there, not h².
    "softsign": (_op("softsign", lambda x: x / (1 + abs(x)), lambda x: 1 / (1 + abs(x)) ** 2), [0.0], 1e3),
    "x|x|": (_op("x|x|", lambda x: x * abs(x), lambda x: 2 * abs(x)), [0.0], 1e3),
    "x²·sign(x)": (_op("x²·sign(x)", lambda x: x * x * _sign(x), lambda x: 2 * x * _sign(x)), [0.0], 1e3),
    "elu": (_op("elu", lambda x: x if x > 0 else math.expm1(x), lambda x: 1.0 if x > 0 else math.exp(x)),
            [0.0], 30.0),
    "huber": (_op("huber", lambda x: x * x / 2 if abs(x) <= 1 else abs(x) - 0.5,
                  lambda x: x if abs(x) <= 1 else float(_sign(x))), [-1.0, 1.0], 1e3),
    # f‴ jumps at 0 (the h² law still holds), and f″ unbounded at 0 (error ∝ √h).
    "|x|³": (_op("|x|³", lambda x: abs(x) ** 3, lambda x: 3 * x * abs(x)), [0.0], 1e3),
    "x·√|x|": (_op("x·√|x|", lambda x: x * math.sqrt(abs(x)), lambda x: 1.5 * math.sqrt(abs(x))), [0.0], 1e3),
    # Smooth but steep: the derivative changes over a width of 1/50, 1/100, 1e-3.
    "tanh(50x)": (_op("tanh(50x)", lambda x: math.tanh(50 * x), lambda x: 50 * (1 - math.tanh(50 * x) ** 2)),
                  [0.0, 0.02], 5.0),
    "sigmoid(100x)": (_op("sigmoid(100x)", lambda x: _sigmoid(100 * x),
                          lambda x: 100 * _sigmoid(100 * x) * (1 - _sigmoid(100 * x))), [0.0, 0.01], 5.0),
    "bump": (_op("bump", lambda x: 1 / (1 + (x / SCALE) ** 2),
                 lambda x: -2 * x / SCALE ** 2 / (1 + (x / SCALE) ** 2) ** 2), [0.0, SCALE / math.sqrt(3)], 1.0),
    "exp(x), large x": (_op("exp", math.exp, math.exp), [700.0, 709.0], 700.0),
    # Huge and tiny derivatives.
    "1e300·tanh(x)": (_op("1e300·tanh(x)", lambda x: 1e300 * math.tanh(x), lambda x: 1e300 * (1 - math.tanh(x) ** 2)),
                      [0.0], 30.0),
    "1e-9·sin(x)": (_op("1e-9·sin(x)", lambda x: 1e-9 * math.sin(x), lambda x: 1e-9 * math.cos(x)), [0.0], 30.0),
    # Below ABS_FLOOR = 1e-12 differences cannot tell rules apart: here we check only that
    # nothing breaks (no false alarm, no underflow trouble); wrong rules pass too.
    "1e-300·sin(x)": (_op("1e-300·sin(x)", lambda x: 1e-300 * math.sin(x), lambda x: 1e-300 * math.cos(x)),
                      [0.0], 30.0),
    "x⁵ near 0": (_op("x⁵", lambda x: x ** 5, lambda x: 5 * x ** 4), [0.0], 1e-2),
}


def awkward_floats(points, bound):
    """Mostly the awkward points and their neighbourhoods, at every scale from 1e-12 to 1;
    the rest anywhere in [−bound, bound]."""
    offsets = st.builds(
        lambda sign, mantissa, exponent: sign * mantissa * 10.0 ** exponent,
        st.sampled_from((-1, 1)), st.floats(1, 10), st.integers(-12, 0),
    )
    near = st.builds(lambda p, d: p + d, st.sampled_from(points), offsets)
    return st.one_of(st.sampled_from(points), near, finite_floats(-bound, bound)).filter(
        lambda x: -bound <= x <= bound
    )


@pytest.mark.parametrize("name", sorted(CORRECT_RULES))
def test_a_correct_rule_passes_at_its_awkward_points(name):
    op, points, _ = CORRECT_RULES[name]
    for x in points:
        assert_op_derivative_matches(op, [x])


@pytest.mark.parametrize("name", sorted(CORRECT_RULES))
def test_a_correct_rule_passes_everywhere(name):
    op, points, bound = CORRECT_RULES[name]

    @given(awkward_floats(points, bound))
    def check(x):
        assert_op_derivative_matches(op, [x])

    check()


def test_softsign_at_zero_passes_though_its_error_shrinks_only_like_h():
    # The case that failed before: D(h) = 1/(1 + h) ≈ 1 − h there, 6e-6 off at the default step.
    softsign = CORRECT_RULES["softsign"][0]
    est = estimate_derivative(softsign.forward, 0.0, 6.06e-6, refinements=0)
    assert est.value == pytest.approx(1 / (1 + 6.06e-6), rel=1e-10)
    assert est.order == pytest.approx(1.0, abs=1e-3)
    assert 6.06e-6 < est.error_bar < 1e-4  # wide enough for the truth, narrow enough for a 1e-3 error
    # The kit then shrinks the step until the bar is within REL_TOL, and passes.
    refined = estimate_derivative(softsign.forward, 0.0, 6.06e-6)
    assert refined.h < 6.06e-6 and refined.error_bar <= REL_TOL
    assert_op_derivative_matches(softsign, [0.0])


# ---------------------------------------------------------------------------
# The error estimate: orders measured, and the bar holds for any step
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "f, x, h, order",
    [
        (math.exp, 0.3, 1e-3, 2.0),                                         # smooth: h²
        (lambda t: t / (1 + abs(t)), 0.0, 1e-4, 1.0),                       # f″ jumps: h
        (lambda t: t * math.sqrt(abs(t)), 0.0, 1e-4, 0.5),                  # f″ unbounded: √h
        (lambda t: math.sin(t) + max(t - 5e-5, 0.0), 0.0, 1e-4, -1.0),       # f′ jumps within h: no convergence
    ],
)
def test_the_measured_order_of_convergence(f, x, h, order):
    assert estimate_derivative(f, x, h, refinements=0).order == pytest.approx(order, abs=0.02)


def test_the_order_is_not_measured_where_rounding_hides_the_truncation():
    est = estimate_derivative(math.sin, 0.5, 6e-6, refinements=0)
    assert est.order is None and est.converges
    assert est.error_bar < 1e-9


def test_a_kink_within_h_means_no_convergence_and_a_smaller_step_gets_past_it():
    est = estimate_derivative(lambda t: max(t - 5e-5, 0.0), 0.0, 1e-4, refinements=0)
    assert not est.converges
    refined = estimate_derivative(lambda t: max(t - 5e-5, 0.0), 0.0, 1e-4)
    assert refined.h == 1e-4 / 8 and refined.value == 0.0  # 4h = 5e-5: the kink is just out of reach


#: The width over which each rule's derivative changes, where it is not about 1.
WIDTH = {"tanh(50x)": 1 / 50, "sigmoid(100x)": 1 / 100, "bump": SCALE}


def _function_point_and_step(data, largest_step):
    """A correct rule's f and f′, an awkward x, and a step h from 1e-9 to ``largest_step``
    (both relative to the rule's width and to max(1, |x|))."""
    name = data.draw(st.sampled_from(sorted(CORRECT_RULES)), label="function")
    op, points, bound = CORRECT_RULES[name]
    x = data.draw(awkward_floats(points, min(bound, 30.0)), label="x")
    scale = WIDTH.get(name, 1.0) * max(1.0, abs(x))
    h = data.draw(st.floats(-9, math.log10(largest_step)).map(lambda e: 10.0 ** e * scale), label="h")
    f = op.forward
    try:
        assume(all(math.isfinite(f(x + k * h)) for k in (-4, -2, -1, 1, 2, 4)))
    except OverflowError:  # math.exp past 709.78
        assume(False)
    return f, op.derivative(x, None), x, h


@given(st.data())
def test_the_error_bar_of_one_step_holds_where_the_step_resolves_f(data):
    # Up to h = width/100: a step several widths wide sees no derivative at all.
    f, truth, x, h = _function_point_and_step(data, 1e-2)
    est = estimate_derivative(f, x, h, refinements=0)
    assert close(truth, est.value, est.error_bar), (truth, est)


@given(st.data())
def test_the_error_bar_holds_from_any_step_once_refined(data):
    # From any starting step up to the width of f, the refinement finds one that resolves f.
    f, truth, x, h = _function_point_and_step(data, 1.0)
    est = estimate_derivative(f, x, h)
    assert close(truth, est.value, est.error_bar), (truth, est)


# ---------------------------------------------------------------------------
# Wrong rules are caught, for every op of the table
# ---------------------------------------------------------------------------

def _borrowed_rule(op):
    """The derivative of the next op of the table (in name order) that takes the same
    arguments: a plausible wrong rule, different for each op."""
    same_shape = [other for other in sorted(OPS) if OPS[other].arity == op.arity and not OPS[other].variadic
                  and len(OPS[other].param_names) == len(op.param_names)]
    return OPS[same_shape[(same_shape.index(op.name) + 1) % len(same_shape)]]


#: The steps, whose derivative is 0 wherever it exists: negated, doubled or scaled it is still 0,
#: the right rule.  Their wrong rules are a slope added instead.
ZERO_SLOPE = {"sign", "floor", "ceil"}


def _mutants(op):
    """Wrong versions of ``op``'s derivative."""
    rule = op.derivative

    def each(transform):
        if op.arity == 1:
            return lambda *args: transform(rule(*args))
        return lambda *args: tuple(transform(p) for p in rule(*args))

    if op.name in ZERO_SLOPE:
        borrowed = _borrowed_rule(op)
        return {
            "one": each(lambda p: p + 1),
            "off by 1e-3": each(lambda p: p + 1e-3),
            f"rule of {borrowed.name}": borrowed.derivative,
        }
    mutants = {
        "negated": each(lambda p: -p),
        "doubled": each(lambda p: 2 * p),
        "zero": each(lambda p: 0 * p),
        "off by 1e-3": each(lambda p: p * (1 + 1e-3)),
    }
    if not op.variadic:  # dot and sum_of: no other op takes the same inputs (two-input sum_of is add)
        borrowed = _borrowed_rule(op)
        mutants[f"rule of {borrowed.name}"] = borrowed.derivative
    return mutants


MUTANTS = [(name, kind) for name in sorted(OPS) for kind in _mutants(OPS[name])]


@pytest.mark.parametrize("name, kind", MUTANTS)
def test_central_differences_alone_catch_a_wrong_rule(name, kind, monkeypatch):
    # Without the complex step: a learner's own op usually has no complex_forward,
    # so central differences must catch wrong rules by themselves.
    op = OPS[name]
    monkeypatch.setattr(op, "derivative", _mutants(op)[kind])
    monkeypatch.setattr(op, "complex_forward", None)

    @settings(max_examples=300, phases=[Phase.generate], database=None,
              suppress_health_check=list(HealthCheck))
    @given(op_arguments(op))
    def check(args):
        inputs, params = args
        assert_op_derivative_matches(op, inputs, params)

    # Caught means the property test fails: a wrong value (AssertionError), or a
    # borrowed rule that cannot even be evaluated on this op's domain.
    with pytest.raises((AssertionError, ArithmeticError, ValueError)):
        check()


FAMILY_MUTANTS = [(name, kind) for name in sorted(CORRECT_RULES) if name != "1e-300·sin(x)"
                  for kind in ("negated", "doubled", "off by 1e-3")]


@pytest.mark.parametrize("name, kind", FAMILY_MUTANTS)
def test_a_wrong_version_of_an_awkward_rule_is_caught(name, kind):
    op, points, bound = CORRECT_RULES[name]
    factor = {"negated": -1.0, "doubled": 2.0, "off by 1e-3": 1 + 1e-3}[kind]
    wrong = Op(op.name, forward=op.forward, derivative=lambda x, out: factor * op.derivative(x, out))

    @settings(max_examples=300, phases=[Phase.generate], database=None,
              suppress_health_check=list(HealthCheck))
    @given(awkward_floats(points, bound))
    def check(x):
        assert_op_derivative_matches(wrong, [x])

    with pytest.raises(AssertionError):
        check()


@pytest.mark.parametrize("name", ["softsign", "x|x|", "elu", "huber", "tanh(50x)", "bump"])
def test_a_rule_off_by_one_part_in_a_thousand_is_caught_at_the_awkward_points(name):
    op, points, _ = CORRECT_RULES[name]
    wrong = Op(op.name, forward=op.forward, derivative=lambda x, out: op.derivative(x, out) * (1 + 1e-3))
    for x in points:
        if op.derivative(x, None) == 0:
            continue  # a relative error of zero is zero
        with pytest.raises(AssertionError):
            assert_op_derivative_matches(wrong, [x])


# ---------------------------------------------------------------------------
# Plain calls, and what a failure says
# ---------------------------------------------------------------------------


def test_a_plain_call_gives_no_warning():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert_op_derivative_matches(ops.tanh, [0.5])
        assert_op_derivative_matches(ops.mul, [2.0, -3.0])
        assert_op_derivative_matches(ops.power, [2.0], [3])
        assert_op_derivative_matches(ops.exp, 1.5)  # a bare number for a one-input op


@pytest.mark.parametrize(
    "op, inputs, fragment",
    [
        (ops.relu, [0.0], "relu cannot be checked at (0.0,): input 0 is on a declared kink"),
        (ops.sqrt, [0.0], "sqrt cannot be checked at (0.0,): the derivative is [inf]"),
        (Op("square on [0, ∞)", forward=lambda x: x * x, derivative=lambda x, out: 2 * x, domain=(ops.NON_NEGATIVE,)),
         [0.0], "input 0 is on a declared kink, pole or edge of the domain [0, ∞) (kinks: none)"),
        (ops.exp, [800.0], "exp cannot be checked at (800.0,): the output is inf"),
        (ops.exp, [709.77], "exp is not finite within 4h"),
    ],
)
def test_a_plain_call_where_no_check_is_possible_says_why(op, inputs, fragment):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(ValueError) as info:
            assert_op_derivative_matches(op, inputs)
    assert fragment in str(info.value)


def test_a_forward_rule_that_raises_near_the_point_is_not_a_failure():
    # A learner's exp written with math.exp raises OverflowError past 709.78, where IEEE says inf.
    my_exp = Op("my_exp", forward=math.exp, derivative=lambda x, out: out)
    with pytest.raises(ValueError, match="my_exp is not finite within 4h"):
        assert_op_derivative_matches(my_exp, [709.77])
    with pytest.raises(ValueError, match=r"my_exp cannot be checked at \(800.0,\): the output is inf"):
        assert_op_derivative_matches(my_exp, [800.0])

    @given(st.floats(700.0, 712.0))  # past 709.7 the points are skipped, not failed
    def check(x):
        assert_op_derivative_matches(my_exp, [x])

    check()


def test_a_plain_call_outside_the_domain_or_with_the_wrong_arity_is_refused():
    with pytest.raises(ValueError, match=r"log: input -1.0 is outside the domain"):
        assert_op_derivative_matches(ops.log, [-1.0])
    with pytest.raises(ZeroDivisionError, match=r"div: division by zero"):
        assert_op_derivative_matches(ops.div, [1.0, 0.0])
    with pytest.raises(ValueError, match="mul takes 2 input"):
        assert_op_derivative_matches(ops.mul, [1.0])


def test_inside_a_property_test_points_that_cannot_be_checked_are_skipped():
    checked = []

    @settings(database=None)
    @given(st.sampled_from([0.0, 1.0, 800.0]))
    def check(x):
        assert_op_derivative_matches(ops.relu, [x])
        checked.append(x)

    check()
    assert set(checked) == {1.0, 800.0}  # relu's kink at 0 was skipped, not failed


def test_the_failure_message_gives_the_numbers_the_order_and_what_to_do():
    softsign = CORRECT_RULES["softsign"][0]
    wrong = Op("softsign", forward=softsign.forward, derivative=lambda x, out: 1.001 / (1 + abs(x)) ** 2)
    with pytest.raises(AssertionError) as info:
        assert_op_derivative_matches(wrong, [0.0])
    message = str(info.value)
    assert "softsign(0.0,)" in message
    assert "rule (reverse mode = forward mode): 1.001" in message
    assert "central difference D(h):            0.99999" in message
    assert "the error shrinks like h^1.00" in message
    assert "check the rule at this point" in message
    assert "kinks={point:" in message


def test_an_undeclared_kink_is_named_as_the_likely_cause():
    relu_without_kink = Op("my_relu", forward=lambda x: max(x, 0.0), derivative=lambda x, out: float(x > 0))
    with pytest.raises(AssertionError) as info:
        assert_op_derivative_matches(relu_without_kink, [0.0])
    message = str(info.value)
    assert "central difference D(h):            0.5" in message
    assert "one-sided slopes at step h: left 0, right 1" in message
    assert "f′ jumps at 0.0" in message and "declare it" in message
    # Declared, the kink is no longer checked against differences, and the rest is.
    declared = Op("my_relu", forward=relu_without_kink.forward, derivative=relu_without_kink.derivative,
                  kinks={0.0: "my_relu′(0) = 0"}, domain=(Interval(),))
    assert_op_derivative_matches(declared, [1e-3])
    assert_op_derivative_matches(declared, [-1e-3])


def test_close_uses_the_relative_tolerance_and_the_error_bar():
    assert close(1.0, 1.0 + 0.5 * REL_TOL, 0.0)
    assert close(1.0, 1.1, 0.2)
    assert not close(1.0, 1.1, 0.05)
