"""Numbers of every kind Python has, in every rule and both modes (README: "Numbers").

* A float subclass (NumPy's float64, imitated by ``NumpyLikeFloat``) gives plain
  floats: data, gradients, tangents, Matrix entries.
* An int or a Fraction too large for a float is rounded the IEEE 754 way, to
  ±inf, as the literal 1e400 is: never an OverflowError.
* Fractions stay exact: data, ``.grad`` after backward, ``x / 2``, both modes.
"""

from __future__ import annotations

import math
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from numpy_like import NumpyLikeBool, NumpyLikeFloat
from tinygrad_edu import Dual, Matrix, Value, forward_gradient, grad, jvp, reverse_gradient
from tinygrad_edu.ops import OPS
from tinygrad_edu.testing import op_arguments

HUGE = 10 ** 400

# ---------------------------------------------------------------------------
# Float subclasses
# ---------------------------------------------------------------------------


def test_the_imitation_behaves_like_numpy_float64():
    x = NumpyLikeFloat(-1.1)
    assert type(x + 1) is NumpyLikeFloat and type(-x) is NumpyLikeFloat
    assert isinstance(x > 0, NumpyLikeBool)
    with pytest.raises(TypeError, match="numpy boolean subtract"):
        (x > 0) - (x < 0)  # what abs′ computed before: it crashed on NumPy's float64


def subclassed_arguments(data, op) -> tuple:
    """Inputs from the op's domain (plain floats, for the reference run) and its parameters as NumpyLikeFloat."""
    inputs, params = data.draw(op_arguments(op))
    return inputs, tuple(NumpyLikeFloat(p) if isinstance(p, float) else p for p in params)


def _plain(values) -> bool:
    return all(type(v) is float for v in values)


@pytest.mark.parametrize("name", sorted(OPS))
@given(data=st.data())
def test_every_rule_gives_plain_floats_for_a_float_subclass_in_both_modes(name, data):
    op = OPS[name]
    inputs, params = subclassed_arguments(data, op)
    subclassed = [NumpyLikeFloat(x) for x in inputs]
    # Reverse mode: data and every gradient plain floats, equal to the plain-float run.
    leaves, plain_leaves = [Value(x) for x in subclassed], [Value(x) for x in inputs]
    out, plain_out = Value.apply(op, leaves, params), Value.apply(op, plain_leaves, tuple(map(float, params)))
    out.backward()
    plain_out.backward()
    assert _plain([out.data] + [x.data for x in leaves] + [x.grad for x in leaves])
    assert same(out.data, plain_out.data)
    assert all(same(a.grad, b.grad) for a, b in zip(leaves, plain_leaves))
    # Forward mode: data and tangent plain floats, for every input direction.
    for i in range(op.arity):
        duals = [Dual(x, NumpyLikeFloat(1.0) if j == i else NumpyLikeFloat(0.0)) for j, x in enumerate(subclassed)]
        result = Dual.apply(op, duals, params)
        assert type(result.data) is float and type(result.tangent) in (float, int), (result, type(result.tangent))
        assert same(result.tangent, leaves[i].grad)
    # Plain-number calls of the op: a float too.
    assert type(op(*subclassed, *params)) is float


def same(a, b) -> bool:
    return a == b or (a != a and b != b)


@pytest.mark.parametrize("name", sorted(OPS))
@given(data=st.data())
def test_every_rule_gives_plain_floats_in_matrices_of_a_float_subclass(name, data):
    op = OPS[name]
    inputs, params = subclassed_arguments(data, op)
    matrices = [Matrix([[NumpyLikeFloat(x), NumpyLikeFloat(x)]]) for x in inputs]
    out = Matrix.apply(op, matrices, params)
    out.sum().backward()
    entries = [v for m in [out, *matrices] for row in m.data + m.grad for v in row]
    assert all(type(v) is float for v in entries)


def test_a_float_subclass_is_a_plain_float_wherever_a_number_enters():
    x = NumpyLikeFloat(-1.1)
    assert type(Value(x).data) is float
    y = Value(2.0) * x + x  # constants mixed in
    y.backward()
    assert type(y.data) is float
    assert type((Value(2.0) ** NumpyLikeFloat(2.0)).data) is float  # an exponent
    assert type(Value(-1.0).leaky_relu(NumpyLikeFloat(0.1)).data) is float  # a slope
    assert type(Matrix.full(1, 1, x).data[0][0]) is float
    assert type((Matrix([[1.0]]) * x).data[0][0]) is float
    assert [type(g) for g in grad(Value(3.0) * Value(1.0), [Value(0.0)])] == [float]
    assert type(jvp(lambda a: a * a, [x], [NumpyLikeFloat(1.0)])[1]) is float


def test_optimisers_keep_parameters_plain_floats_with_a_float_subclass_learning_rate():
    from tinygrad_edu import nn

    w, W = Value(1.0), Matrix([[1.0, 2.0]])
    w.grad = NumpyLikeFloat(0.5)
    W.grad = [[NumpyLikeFloat(0.5), NumpyLikeFloat(-0.5)]]
    for make in (lambda p: nn.SGD(p, lr=NumpyLikeFloat(0.1), momentum=NumpyLikeFloat(0.9)),
                 lambda p: nn.Adam(p, lr=NumpyLikeFloat(0.1), betas=(NumpyLikeFloat(0.9), 0.999))):
        make([w, W]).step()
        assert type(w.data) is float and all(type(v) is float for v in W.data[0])


# ---------------------------------------------------------------------------
# Ints and Fractions beyond float range: IEEE 754 rounding, never OverflowError
# ---------------------------------------------------------------------------


def test_an_int_too_large_for_a_float_is_infinite_as_the_literal_1e400_is():
    assert 1e400 == math.inf  # Python's own rounding of a float literal
    assert Value(HUGE).data == math.inf and Value(-HUGE).data == -math.inf
    assert Matrix([[HUGE, -HUGE]]).data == [[math.inf, -math.inf]]
    assert Dual(HUGE).data == math.inf
    assert (Value(2.0) * HUGE).data == math.inf
    assert (Value(2.0) - HUGE).data == -math.inf
    assert (Matrix([[2.0]]) + HUGE).data == [[math.inf]]


@pytest.mark.parametrize("base, value, slope", [
    (2.0, math.inf, math.inf),   # 2 ** 10⁴⁰⁰ overflows, and so does 10⁴⁰⁰·2^(10⁴⁰⁰ − 1)
    (0.5, 0.0, 0.0),             # 0.5 ** 10⁴⁰⁰ underflows to 0, and so does its slope (not inf·0 = nan)
    (1.0, 1.0, math.inf),        # 1 ** c = 1, slope c
    (-0.5, 0.0, 0.0),
])
def test_a_power_with_an_exponent_beyond_float_range_is_its_ieee_limit(base, value, slope):
    x = Value(base)
    y = x ** HUGE
    y.backward()
    assert (y.data, x.grad) == (value, slope)
    d = Dual(base, 1.0) ** HUGE
    assert (d.data, d.tangent) == (value, slope)


def test_negative_exponents_beyond_float_range_give_the_ieee_limit_too():
    x = Value(2.0)
    y = x ** -HUGE
    y.backward()
    assert (y.data, x.grad) == (0.0, 0.0)
    with pytest.raises(ZeroDivisionError, match=r"power: 0 \*\* -inf"):
        Value(0.0) ** -HUGE


@pytest.mark.parametrize("method, fraction, expected", [
    ("sigmoid", Fraction(HUGE), 1.0),
    ("sigmoid", Fraction(-HUGE), 0.0),
    ("exp", Fraction(-HUGE), 0.0),     # was inf: exp caught the OverflowError of float(x) as a result overflow
    ("exp", Fraction(HUGE), math.inf),
    ("tanh", Fraction(-HUGE), -1.0),
    ("softplus", Fraction(HUGE), math.inf),
    ("log_sigmoid", Fraction(-HUGE), -math.inf),
    ("relu", Fraction(HUGE), Fraction(HUGE)),  # exact where the rule is exact
    ("abs", Fraction(-HUGE), Fraction(HUGE)),
])
def test_functions_of_a_fraction_beyond_float_range_see_it_rounded_to_inf(method, fraction, expected):
    x = Value(fraction)
    y = getattr(x, method)()
    y.backward()
    assert y.data == expected
    assert not math.isnan(float(x.grad))
    d = getattr(Dual(fraction, 1), method)()
    assert d.data == expected and d.tangent == x.grad


def test_a_fraction_beyond_float_range_meeting_a_float_rounds_to_inf():
    big = Value(Fraction(HUGE))
    y = big * 2.0 + 1.5
    y.backward()
    assert y.data == math.inf and big.grad == 2.0
    w = Value(2.0)
    z = w * Value(Fraction(HUGE))  # ∂z/∂w is the exact huge Fraction, met by the float seed 1.0
    z.backward()
    assert w.grad == math.inf
    q = Value(1.5) / Value(Fraction(HUGE))
    assert q.data == 0.0
    assert (Matrix([[Fraction(HUGE)]]) * 2.0).data == [[math.inf]]


def test_an_exact_power_too_large_to_work_out_is_rounded_the_ieee_way():
    # Fraction(10**400) ** 10**200 exactly has 10**200 · 1329 bits: Python would never finish.  The
    # engine rounds both to floats first (inf), as it does for a Fraction beyond float range.
    from tinygrad_edu.ops import EXACT_POWER_BITS

    base = Value(Fraction(HUGE))
    assert (base ** Value(10 ** 200)).data == math.inf
    assert (Value(Fraction(3)) ** 10 ** 100).data == math.inf
    assert (Value(Fraction(1, 3)) ** 10 ** 100).data == 0.0
    assert (Dual(Fraction(3), 1) ** 10 ** 100).data == math.inf  # forward mode too
    # Below the limit the power stays exact, however many digits it has.
    small = Value(Fraction(3)) ** (EXACT_POWER_BITS // 2 - 1)
    assert type(small.data) is Fraction and small.data == Fraction(3) ** (EXACT_POWER_BITS // 2 - 1)


LARGE_NUMBERS = st.one_of(
    st.integers(min_value=-HUGE, max_value=HUGE),
    st.fractions().map(lambda q: q * HUGE),
    st.floats(allow_nan=False),
    st.sampled_from([HUGE, -HUGE, 2 ** 1024, -(2 ** 1024), 2 ** 1024 - 1, Fraction(1, HUGE)]),
)


@given(st.sampled_from(sorted(OPS)), LARGE_NUMBERS, LARGE_NUMBERS)
def test_no_rule_raises_overflow_error_on_numbers_of_any_size(name, a, b):
    op = OPS[name]
    numbers = [a, b][: op.arity]
    params = {"power": (3,), "leaky_relu": (0.1,)}.get(name, ())
    for mode in ("reverse", "forward", "matrix"):
        try:
            if mode == "reverse":
                leaves = [Value(x) if isinstance(x, Fraction) else x for x in numbers]
                if not any(isinstance(x, Value) for x in leaves):
                    leaves[0] = Value(leaves[0])
                out = Value.apply(op, leaves, params)
                out.backward()
            elif mode == "forward":
                Dual.apply(op, [Dual(x, 1) for x in numbers], params)
            else:
                Matrix.apply(op, [Matrix([[x]]) for x in numbers], params).sum().backward()
        except (ValueError, ZeroDivisionError):
            pass  # outside the op's domain (log of a negative number): a clear error, not an overflow


def test_settings_beyond_float_range_are_refused_with_a_clear_error():
    from tinygrad_edu import nn

    with pytest.raises(ValueError, match=r"SGD: the learning rate lr must be a finite number > 0, got 1000000000…\(401 digits\)"):
        nn.SGD([Value(1.0)], lr=HUGE)
    with pytest.raises(ValueError, match=r"clip_grad_norm: max_norm must be a finite number > 0, got 1000000000…"):
        nn.clip_grad_norm([Value(1.0)], max_norm=HUGE)
    with pytest.raises(ValueError, match=r"normal: std must be a finite number >= 0, got 1000000000…"):
        nn.init.normal(2, 2, std=HUGE)


# ---------------------------------------------------------------------------
# Fractions stay exact: data, .grad, x / 2, both modes
# ---------------------------------------------------------------------------


def test_grad_of_a_fraction_leaf_is_an_exact_fraction():
    x = Value(Fraction(1, 3))
    assert x.grad == 0 and type(x.grad) is Fraction  # .grad has the type of .data
    y = x * x + x / 2
    y.backward()
    assert x.grad == Fraction(2, 3) + Fraction(1, 2) and type(x.grad) is Fraction
    y.backward()  # accumulates exactly
    assert x.grad == 2 * (Fraction(2, 3) + Fraction(1, 2))
    y.zero_grad()
    assert x.grad == 0 and type(x.grad) is Fraction


@pytest.mark.parametrize("expression, value, slope", [
    (lambda x: x / 2, Fraction(1, 6), Fraction(1, 2)),
    (lambda x: 2 / x, Fraction(6), Fraction(-18)),
    (lambda x: x * 3 - 1, Fraction(0), Fraction(3)),
    (lambda x: 1 - x ** 2, Fraction(8, 9), Fraction(-2, 3)),
    (lambda x: (x + 1) / (x - 2), Fraction(-4, 5), Fraction(-27, 25)),
])
def test_int_constants_beside_a_fraction_keep_value_and_slope_exact_in_both_modes(expression, value, slope):
    third = Fraction(1, 3)
    x = Value(third)
    y = expression(x)
    y.backward()
    assert (y.data, x.grad) == (value, slope)
    assert type(y.data) is Fraction and type(x.grad) is Fraction
    d = expression(Dual(third, 1))
    assert (d.data, d.tangent) == (value, slope) and type(d.tangent) is Fraction
    assert reverse_gradient(expression, [third]) == forward_gradient(expression, [third]) == [slope]
    assert grad(expression(Value(third)), Value(third)) == [0]  # an unrelated input: an exact 0
    assert type(grad(expression(Value(third)), Value(third))[0]) is Fraction


def test_fraction_matrices_stay_exact_through_division_by_an_int():
    A = Matrix([[Fraction(1, 3), Fraction(2, 3)]])
    loss = (A / 2).sum()
    loss.backward()
    assert loss.data == [[Fraction(1, 2)]]
    assert A.grad == [[Fraction(1, 2), Fraction(1, 2)]] and all(type(g) is Fraction for g in A.grad[0])


def test_an_exact_power_too_large_to_compute_is_rounded_not_hung():
    # Python computes Fraction(1, 3) ** 10**300 exactly and never finishes; the engine rounds
    # such a power the IEEE way (here to 0.0), in both modes, for either kind of exponent.
    third = Fraction(1, 3)
    y = Value(third) ** (10 ** 300)
    y.backward()
    assert (y.data, type(y.data)) == (0.0, float)
    z = Value(third) ** Value(Fraction(10 ** 300))
    assert z.data == 0.0
    assert (Dual(third, 1) ** (10 ** 300)).data == 0.0
    # Small exact powers stay exact.
    assert (Value(third) ** 4).data == Fraction(1, 81)
    assert (Value(Fraction(2)) ** Value(Fraction(3))).data == 8


@pytest.mark.parametrize("name", sorted(n for n in OPS if OPS[n].arity == 2))
@pytest.mark.parametrize("a", [0, 0.5, 2.0, -3.0])
def test_a_huge_fraction_beside_a_float_never_raises_overflow_error_in_a_matrix_backward(name, a):
    # Found by the property test above (0 ** Fraction(10**400), atan2 at it): the entry-by-entry rules
    # of a Matrix backward get the raw numbers, and round them the IEEE way as Value.apply does.
    for pair in ([a, Fraction(HUGE)], [Fraction(HUGE), a]):
        try:
            Matrix.apply(OPS[name], [Matrix([[x]]) for x in pair]).sum().backward()
        except (ValueError, ZeroDivisionError):
            pass  # outside the op's domain: a clear error, not an overflow
