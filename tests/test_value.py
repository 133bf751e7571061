"""Value: the API a micrograd or PyTorch user expects, bad input, and very deep graphs."""

import math
import tracemalloc
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tinygrad_edu import Value, detect_anomaly, grad, no_grad
from tinygrad_edu.mode import AnomalyError, enable_grad, is_grad_enabled
from tinygrad_edu.backward import topological_order


def test_grad_is_zero_float_until_backward():
    x = Value(2.0, label="x")
    assert x.grad == 0.0 and isinstance(x.grad, float)
    assert x.label == "x" and x.is_leaf and x.op == ""


def test_operators_accept_numbers_on_either_side():
    x = Value(2.0)
    cases = {
        "x + 3": (x + 3, 5.0, 1.0), "3 + x": (3 + x, 5.0, 1.0),
        "x - 3": (x - 3, -1.0, 1.0), "3 - x": (3 - x, 1.0, -1.0),
        "2 * x": (2 * x, 4.0, 2.0), "x * 2": (x * 2, 4.0, 2.0),
        "x / 4": (x / 4, 0.5, 0.25), "1 / x": (1 / x, 0.5, -0.25),
        "x ** 3": (x ** 3, 8.0, 12.0), "2 ** x": (2 ** x, 4.0, 4 * math.log(2)),
        "-x": (-x, -2.0, -1.0),
    }
    for text, (y, value, slope) in cases.items():
        x.grad = 0.0
        y.backward()
        assert y.data == pytest.approx(value), text
        assert x.grad == pytest.approx(slope), text


def test_value_to_a_value_power_differentiates_both():
    x, y = Value(2.0), Value(3.0)
    z = x ** y
    z.backward()
    assert z.data == 8.0
    assert x.grad == pytest.approx(3 * 2.0 ** 2)
    assert y.grad == pytest.approx(8.0 * math.log(2.0))


def test_children_keep_their_order():
    a, b = Value(1.0), Value(2.0)
    assert (a - b)._prev == (a, b)
    assert (b - a)._prev == (b, a)


def test_reused_input_sums_gradients_over_every_path():
    x = Value(3.0)
    y = x * x * x  # 3x² = 27
    y.backward()
    assert x.grad == 27.0


def test_grad_accumulates_across_backward_calls_until_zero_grad():
    x = Value(1.5)
    y = (x * x).tanh()
    y.backward()
    first = x.grad
    y.backward()
    assert x.grad == 2 * first
    y.zero_grad()
    assert x.grad == 0.0 and y.grad == 0.0
    y.backward()
    assert x.grad == first


def test_backward_fills_intermediate_gradients_like_micrograd():
    a = Value(0.5, label="a")
    z = a * 2
    s = z.sigmoid()
    s.backward()
    sig = 1 / (1 + math.exp(-1.0))
    assert z.grad == pytest.approx(sig * (1 - sig))
    assert s.grad == 1.0


def test_no_grad_records_no_history_and_restores_the_flag():
    x = Value(2.0)
    with no_grad():
        assert not is_grad_enabled()
        y = x * x
        with enable_grad():
            z = x * x
    assert is_grad_enabled()
    assert y.is_leaf and y.data == 4.0
    assert not z.is_leaf


def test_no_grad_restores_the_flag_after_an_exception():
    with pytest.raises(ZeroDivisionError):
        with no_grad():
            Value(1.0) / 0
    assert is_grad_enabled()


def test_detach_stops_the_gradient():
    x = Value(2.0)
    y = x * x.detach()  # d/dx (x · c) = c = 2, not 2x = 4
    y.backward()
    assert x.grad == 2.0


def test_a_chain_of_a_million_nodes_backpropagates_without_recursion():
    x = Value(1.0)
    v = x
    for _ in range(1_000_000):
        v = v + x
    v.backward()
    assert x.grad == 1_000_001.0


def test_topological_order_puts_each_node_before_its_inputs():
    x, y = Value(1.0), Value(2.0)
    a = x * y
    b = a + x
    c = b * a
    order = topological_order(c)
    position = {id(n): i for i, n in enumerate(order)}
    for node in order:
        for child in node._prev:
            assert position[id(node)] < position[id(child)]
    assert len(order) == len({id(n) for n in order}) == 5


def test_a_node_costs_well_under_500_bytes():
    x = Value(0.5)
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    v = x
    for _ in range(10_000):
        v = v.tanh()
    per_node = (tracemalloc.get_traced_memory()[0] - before) / 10_000
    tracemalloc.stop()
    assert per_node < 300, per_node


# -- bad input: a clear error, and nothing created or changed ------------------

@pytest.mark.parametrize("bad", ["1.0", None, 1 + 2j, True, [1.0]])
def test_non_numeric_data_is_refused(bad):
    with pytest.raises(TypeError, match="Value: expected a real number"):
        Value(bad)


@pytest.mark.parametrize("bad", ["2", None, 1j, False])
def test_non_numeric_operand_names_the_operation_and_value(bad):
    x = Value(1.0)
    with pytest.raises(TypeError) as info:
        x * bad
    assert "mul" in str(info.value) and repr(bad) in str(info.value)


@pytest.mark.parametrize(
    "make, error, fragment",
    [
        (lambda x: (x - 2).log(), ValueError, "log: input -1.0"),
        (lambda x: (x - 1).log(), ValueError, "log: input 0.0"),
        (lambda x: (x - 3).sqrt(), ValueError, "sqrt: input -2.0"),
        (lambda x: x / (x - 1), ZeroDivisionError, "div: division by zero (1.0 / 0.0)"),
        (lambda x: (x - 1) ** -2, ZeroDivisionError, "power: 0 ** -2"),
        (lambda x: (x - 3) ** 0.5, ValueError, "power: (-2.0) ** 0.5"),
        (lambda x: (x - 3) ** Value(2.0), ValueError, "pow: input -2.0"),
        (lambda x: x ** "2", TypeError, "pow"),
        (lambda x: x.leaky_relu("0.1"), TypeError, "leaky_relu"),
    ],
)
def test_a_failed_operation_raises_clearly_and_changes_nothing(make, error, fragment):
    x = Value(1.0, label="x")
    y = (x * 3).tanh()
    y.backward()
    nodes_before = topological_order(y)
    grads_before = [n.grad for n in nodes_before]
    with pytest.raises(error) as info:
        make(x)
    assert fragment in str(info.value)
    nodes_after = topological_order(y)
    assert nodes_after == nodes_before  # nothing attached to the graph
    assert [n.grad for n in nodes_after] == grads_before


def test_backward_with_a_non_numeric_seed_is_refused_before_any_change():
    x = Value(1.0)
    y = x * 2
    with pytest.raises(TypeError, match="backward"):
        y.backward("1")
    assert x.grad == 0.0


def test_overflow_is_inf_and_anomaly_mode_names_the_op():
    x = Value(1000.0)
    assert x.exp().data == math.inf
    with detect_anomaly():
        with pytest.raises(AnomalyError, match="exp produced inf"):
            x.exp()


def test_anomaly_in_backward_leaves_every_grad_untouched():
    x = Value(0.0)
    y = x.sqrt()  # √′(0) = inf
    with detect_anomaly():
        with pytest.raises(AnomalyError, match="backward through sqrt"):
            y.backward()
    assert x.grad == 0.0 and y.grad == 0.0


@pytest.mark.parametrize("bad", ["y", "x"])
def test_a_grad_set_by_hand_to_a_non_number_fails_backward_and_changes_no_grad(bad):
    x, y = Value(2.0), Value(3.0)
    z = x * y + x
    nodes = {"x": x, "y": y, "x * y": z._prev[0], "z": z}
    before = {"x": 1.5, "y": 2.5, "x * y": 0.0, "z": 0.0}
    x.grad, y.grad = before["x"], before["y"]
    nodes[bad].grad = before[bad] = "not a number"
    with pytest.raises(TypeError):
        z.backward()
    assert {name: node.grad for name, node in nodes.items()} == before


def test_fraction_data_stays_exact():
    # .grad starts as the float 0.0, so exact gradients come from grad(), not .backward();
    # constants must be rational too (in Python, 1 / 2 is the float 0.5)
    x = Value(Fraction(1, 3))
    y = x * x + x / Fraction(2) - Fraction(1) / x
    assert y.data == Fraction(1, 9) + Fraction(1, 6) - 3
    assert grad(y, [x]) == [2 * Fraction(1, 3) + Fraction(1, 2) + 9]


def test_repr_shows_data_grad_and_label():
    assert repr(Value(1.5, label="w")) == "Value(data=1.5, grad=0.0, label='w')"


def test_every_public_name_is_importable_from_the_package():
    import tinygrad_edu

    for name in tinygrad_edu.__all__:
        assert hasattr(tinygrad_edu, name), name


# ---------------------------------------------------------------------------
# Comparisons: on the numbers, a plain bool, no graph; == stays identity
# ---------------------------------------------------------------------------

@given(st.floats(allow_nan=True), st.floats(allow_nan=True))
def test_comparisons_compare_the_numbers_and_give_plain_bools_like_floats(a, b):
    x, y = Value(a), Value(b)
    for got, want in [(x < y, a < b), (x <= y, a <= b), (x > y, a > b), (x >= y, a >= b),
                      (x < b, a < b), (a < y, a < b), (x >= b, a >= b), (a >= y, a >= b)]:
        assert type(got) is bool and got == want  # nan compares False, as floats do


def test_a_comparison_makes_no_node_and_no_gradient_flows_through_it():
    best = Value(1.0)
    w = Value(0.5)
    loss = (w - 2) ** 2
    if loss < best:  # micrograd's and PyTorch's idiom, with loss = 2.25: not taken
        raise AssertionError("2.25 < 1.0")
    assert loss > best and not (loss <= 1)
    loss.backward()
    assert w.grad == 2 * (0.5 - 2) and best.grad == 0.0  # only the arithmetic carried a gradient
    assert [n.op for n in topological_order(loss)] == ["power", "sub", "", ""]


def test_equality_stays_identity_so_values_are_dict_keys():
    a, b = Value(1.0), Value(1.0)
    assert a == a and a != b and not (a == 1.0)  # compare numbers with a.data == b.data
    assert a.data == b.data
    assert {a: "a", b: "b"}[b] == "b" and len({a, b}) == 2


def test_comparing_with_something_that_is_not_a_number_is_a_type_error_naming_it():
    x = Value(1.0)
    for other, fragment in [("1", "'1' of type str"), (True, "True of type bool"), (None, "None of type NoneType")]:
        with pytest.raises(TypeError, match=f"<: compares a node with a node or a real number, got {fragment}"):
            x < other


def test_max_and_sorted_work_on_values_by_their_numbers():
    losses = [Value(0.3), Value(0.1), Value(0.2)]
    assert min(losses) is losses[1] and sorted(losses)[-1] is losses[0]
