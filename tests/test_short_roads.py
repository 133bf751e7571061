"""The short roads of Value (``_binary``, ``_unary``, ``_dot``) make exactly the node ``apply`` makes.

They exist for speed only: ``x * y``, ``x.relu()`` and ``dot(w, x, b)`` call the
table's rules directly instead of going through ``Value.apply``'s conversions
and checks.  So each is checked against ``apply`` itself, a second route: the
same number, the same local derivatives (to the last bit, signed zeros and nan
included), the same op, the same inputs, or else the same error, for floats,
infinities, nan, Fractions, ints, dual numbers, inside ``no_grad()`` and
``detect_anomaly()``.  And where a road is meant to be taken it is, so a change
that quietly sends every node down the general road shows up here, not only as
a slower benchmark.
"""

import math
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tinygrad_edu import Dual, Value, detect_anomaly, dot, no_grad, ops

#: Every op method without parameters, and the row of the table it names.
UNARY = [("__neg__", ops.neg), ("exp", ops.exp), ("log", ops.log), ("sqrt", ops.sqrt), ("tanh", ops.tanh),
         ("sigmoid", ops.sigmoid), ("softplus", ops.softplus), ("log_sigmoid", ops.log_sigmoid),
         ("sin", ops.sin), ("cos", ops.cos), ("relu", ops.relu), ("abs", ops.absolute), ("sign", ops.sign),
         ("floor", ops.floor), ("ceil", ops.ceil), ("asin", ops.asin), ("acos", ops.acos), ("atan", ops.atan)]

#: The four operators that go through _binary.
BINARY = [("__add__", "__radd__", ops.add), ("__sub__", "__rsub__", ops.sub),
          ("__mul__", "__rmul__", ops.mul), ("__truediv__", "__rtruediv__", ops.div)]

#: Any float (infinities and nan too), a small int, or a Fraction: what a number in a graph can be.
REALS = st.one_of(st.floats(), st.integers(-5, 5), st.fractions(max_denominator=7).filter(lambda f: abs(f) < 50))
MODES = st.sampled_from(["normal", "no_grad", "detect_anomaly"])


def _exact(x):
    """A number, or a tuple of numbers, as text that tells apart -0.0 from 0.0, and 1 from 1.0."""
    return repr(x)


def _outcome(make):
    """(node, None) from ``make()``, or (None, the error's type and message)."""
    try:
        return make(), None
    except Exception as error:  # the two roads must fail alike, whatever the error is
        return None, (type(error), str(error))


def _in_mode(mode, make):
    if mode == "no_grad":
        with no_grad():
            return _outcome(make)
    if mode == "detect_anomaly":
        with detect_anomaly():
            return _outcome(make)
    return _outcome(make)


def assert_same_node(road, general, inputs):
    """``road`` and ``general`` are the same node: number, local derivatives, op, parameters, and
    inputs (the caller's Values themselves; a number mixed in, a constant leaf with that number)."""
    assert _exact(road.data) == _exact(general.data)
    assert _exact(road.grad) == _exact(general.grad)
    assert _exact(road._partials) == _exact(general._partials)
    assert road._op is general._op and road._params == general._params
    assert (road.label, road._g, type(road)) == (general.label, general._g, Value)
    assert len(road._prev) == len(general._prev)
    for mine, theirs, given_input in zip(road._prev, general._prev, inputs):
        if isinstance(given_input, Value):
            assert mine is given_input and theirs is given_input
        else:
            assert mine.is_leaf and theirs.is_leaf and _exact(mine.data) == _exact(theirs.data)


def assert_same_outcome(road, general, inputs):
    (node, error), (expected, expected_error) = road, general
    assert error == expected_error
    if expected is not None:
        assert_same_node(node, expected, inputs)


@given(REALS, MODES)
def test_every_op_method_makes_the_node_apply_makes(x, mode):
    for name, op in UNARY:
        leaf = Value(x)
        road = _in_mode(mode, lambda: getattr(leaf, name)())
        general = _in_mode(mode, lambda: Value.apply(op, (leaf,)))
        assert_same_outcome(road, general, (leaf,))


@given(REALS, REALS, st.sampled_from(["both nodes", "number left", "number right"]), MODES)
def test_every_operator_makes_the_node_apply_makes(a, b, kind, mode):
    for method, reflected, op in BINARY:
        if kind == "both nodes":
            x, y = Value(a), Value(b)
            road = _in_mode(mode, lambda: getattr(x, method)(y))
        elif kind == "number left":  # 2 * y: Python calls y.__rmul__(2)
            x, y = a, Value(b)
            road = _in_mode(mode, lambda: getattr(y, reflected)(x))
        else:
            x, y = Value(a), b
            road = _in_mode(mode, lambda: getattr(x, method)(y))
        general = _in_mode(mode, lambda: Value.apply(op, (x, y)))
        assert_same_outcome(road, general, (x, y))


TERM = st.one_of(st.floats(-1e3, 1e3), st.floats(), st.integers(-3, 3), st.fractions(max_denominator=5))


@given(st.data(), MODES)
def test_dot_makes_the_node_apply_makes_for_every_kind_of_input(data, mode):
    n = data.draw(st.integers(1, 5))
    weights = [Value(w) for w in data.draw(st.lists(TERM, min_size=n, max_size=n))]
    inputs = data.draw(st.lists(TERM, min_size=n, max_size=n))
    # Inputs as Values (a hidden layer), as plain floats (the data), or a mixture; a bias that is a
    # Value, a float, an int, or left out.
    kind = data.draw(st.sampled_from(["nodes", "numbers", "mixed"]))
    if kind == "nodes":
        inputs = [Value(x) for x in inputs]
    elif kind == "mixed":
        inputs = [Value(x) if i % 2 else x for i, x in enumerate(inputs)]
    bias = data.draw(st.one_of(st.builds(Value, TERM), TERM, st.just("default")))
    if bias == "default":
        road = _in_mode(mode, lambda: dot(weights, inputs))
        bias = 0.0
    else:
        road = _in_mode(mode, lambda: dot(weights, inputs, bias))
    general = _in_mode(mode, lambda: Value.apply(ops.dot, (*weights, *inputs, bias)))
    assert_same_outcome(road, general, (*weights, *inputs, bias))


def test_dual_numbers_inside_values_take_the_general_road_and_keep_their_tangents():
    x = Value(Dual(0.5, 1.0))  # forward over reverse: a Value whose number is a dual number
    for name, op in UNARY:
        if name in ("floor", "ceil", "sign"):  # piecewise constant: no tangent to carry
            continue
        road, general = getattr(x, name)(), Value.apply(op, (x,))
        assert (road.data.data, road.data.tangent) == (general.data.data, general.data.tangent)
    w, b = Value(Dual(2.0, 1.0)), Value(Dual(0.25, 0.0))
    z = dot([w], [3.0], b)
    assert (z.data.data, z.data.tangent) == (6.25, 3.0)


def test_the_roads_are_taken_where_they_are_meant_to_be(monkeypatch):
    """Speed, checked without a clock: with ``apply`` switched off, the common nodes still come out."""
    x, y, w = Value(0.5), Value(-2.0), [Value(0.25), Value(1.5)]

    def refuse(*args, **kwargs):
        raise AssertionError("took apply's general road")

    monkeypatch.setattr(Value, "apply", classmethod(refuse))
    z = (x * y + x * 0.5 - 1.0 * y).relu().tanh().sigmoid()
    neuron = dot(w, [x, y], x).relu()
    first_layer = dot(w, [1.0, 2.0]).sigmoid()  # the data as floats, and the default bias 0.0
    assert z.op == "sigmoid" and neuron.op == "relu" and first_layer.op == "sigmoid"
    for restricted in (lambda: x.log(), lambda: x / y):  # a domain, a divisor to check: apply's work
        with pytest.raises(AssertionError, match="general road"):
            restricted()


def test_a_float_input_to_dot_is_a_constant_leaf_of_its_own_in_each_neuron():
    """As everywhere else in the engine, a number mixed into an op becomes a constant node: the
    explainer shows it, and the gradient flows to it (and stops there)."""
    w1, w2 = [Value(1.0), Value(2.0)], [Value(3.0), Value(4.0)]
    data = [0.5, -1.5]
    a, b = dot(w1, data), dot(w2, data)
    assert [c.data for c in a._prev] == [1.0, 2.0, 0.5, -1.5, 0.0]
    assert all(c.is_leaf for c in a._prev[2:]) and a._prev[2] is not b._prev[2]
    (a + b).backward()
    assert [c.grad for c in a._prev[2:4]] == [1.0, 2.0] and [wi.grad for wi in w1] == [0.5, -1.5]


def test_huge_fractions_in_dot_round_as_apply_rounds():
    big = Fraction(10 ** 400)
    road = dot([Value(big)], [Value(1e-300)], Value(1.0))
    general = Value.apply(ops.dot, (Value(big), Value(1e-300), Value(1.0)))
    assert road.data == general.data and math.isinf(road.data) is math.isinf(general.data)
