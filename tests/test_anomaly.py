"""detect_anomaly(): the first nan or inf, forward or backward, raises an error naming the op."""

import math

import pytest

from tinygrad_edu import AnomalyError, Value, detect_anomaly, grad
from tinygrad_edu.mode import flags
from tinygrad_edu.backward import topological_order


def deep_network(x):
    """Six tanh layers: a graph deep enough that the op at fault is far from the leaves."""
    h = x
    for _ in range(6):
        h = (h * 0.9 + 0.1).tanh()
    return h


def test_nan_made_deep_in_a_graph_is_caught_at_the_op_that_made_it():
    x = Value(0.5, label="x")
    w_bad = Value(math.inf, label="w_bad")  # say, a weight loaded from a corrupted checkpoint
    with detect_anomaly():
        h = deep_network(x)
        dead = (h - 5.0).relu()  # a dead relu: exactly 0, finite, no complaint
        assert dead.data == 0.0
        with pytest.raises(AnomalyError) as caught:
            dead * w_bad  # 0 · inf = nan: the first non-finite value
    message = str(caught.value)
    assert message.startswith("mul produced nan from inputs (0.0, inf)")  # 0 · inf, the cause
    assert "w_bad=inf" in message  # the offending input, by name and value
    assert "relu(sub(tanh(" in message  # and the chain of ops that led there


def test_nan_from_infinities_made_before_the_block_names_the_subtraction():
    big = Value(800.0, label="big").exp()  # inf, silently: detect_anomaly is off here
    assert big.data == math.inf
    with detect_anomaly():
        with pytest.raises(AnomalyError, match=r"^sub produced nan from inputs \(inf, inf\): sub\(exp\(big=800\.0\), exp\(big=800\.0\)\)"):
            big - big


def test_overflow_to_inf_in_forward_is_caught():
    x = Value(800.0, label="x")
    with detect_anomaly():
        with pytest.raises(AnomalyError, match=r"^exp produced inf from inputs \(800\.0\): exp\(x=800\.0\)"):
            x.exp()


def test_inf_gradient_in_backward_is_caught_and_no_grad_is_touched():
    y = Value(1e-200, label="y")
    with detect_anomaly():
        q = 1 / y  # 1e200: finite
        out = (q * 1e-150).tanh()  # tanh(1e50) = 1: finite
        assert math.isfinite(out.data)
        with pytest.raises(AnomalyError) as caught:
            out.backward()  # tanh′(1e50) = 0 is fine; ∂q/∂y = −1/y² = −1e400 is not
    message = str(caught.value)
    assert message.startswith("backward through div gave the gradient")
    assert "y=1e-200" in message
    assert all(node.grad == 0.0 for node in topological_order(out))  # computed first, written only at the end


def test_infinite_slope_in_backward_is_caught_for_sqrt_at_zero():
    z = Value(0.0, label="z")
    earlier = (z * 2.0).exp()
    earlier.backward()  # z.grad = 2 from an earlier, healthy backward
    with detect_anomaly():
        s = z.sqrt()  # √0 = 0: the value is fine, the slope is not
        with pytest.raises(AnomalyError, match=r"^backward through sqrt gave the gradient inf .*sqrt\(z=0\.0\)"):
            s.backward()
        with pytest.raises(AnomalyError, match="sqrt"):
            grad(s, [z], create_graph=True)  # the graph-building backward checks too
    assert z.grad == 2.0  # the failed backward added nothing


def test_outside_the_block_nothing_raises():
    x = Value(0.5, label="x")
    dead = (deep_network(x) - 5.0).relu()
    assert math.isnan((dead * Value(math.inf)).data)
    big = Value(800.0).exp()
    assert math.isnan((big - big).data)
    z = Value(0.0)
    s = z.sqrt()
    s.backward()
    assert z.grad == math.inf
    y = Value(1e-200)
    (1 / y).backward()
    assert y.grad == -math.inf


def test_finite_work_is_unchanged_inside_the_block():
    def run():
        x = Value(0.3, label="x")
        out = (deep_network(x) * x).sigmoid()
        out.backward()
        return out.data, x.grad

    plain = run()
    with detect_anomaly():
        checked = run()
    assert plain == checked


def test_the_switch_is_restored_after_an_error_and_blocks_nest():
    assert flags.detect_anomaly is False
    with pytest.raises(AnomalyError):
        with detect_anomaly():
            Value(1000.0).exp()
    assert flags.detect_anomaly is False
    with detect_anomaly():
        with detect_anomaly():
            pass
        assert flags.detect_anomaly is True  # leaving the inner block keeps the outer one on
    assert flags.detect_anomaly is False


def test_anomaly_error_is_a_floating_point_error():
    # So code that already catches FloatingPointError or ArithmeticError catches it too.
    assert issubclass(AnomalyError, FloatingPointError) and issubclass(AnomalyError, ArithmeticError)
