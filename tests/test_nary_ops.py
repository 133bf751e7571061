"""dot and sum_of: one node for a whole sum, checked like every other rule of the table.

Every mode and order: reverse mode against central differences and the
complex step (``assert_op_derivative_matches``, for 1 to 6 terms), forward
mode (dual numbers), second derivatives through ``create_graph``, symbolic
formulas, the Matrix engine entry by entry; and the same numbers as the graph
of ``mul`` and ``add`` nodes the op replaces (a second route).
"""

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tinygrad_edu import Dual, Matrix, Value, dot, grad, ops, sum_of, symbolic_derivative
from tinygrad_edu.backward import topological_order
from tinygrad_edu.testing import assert_op_derivative_matches, close, op_arguments
from tinygrad_edu.symbolic import render

TERMS = st.integers(1, 6)


@given(st.data())
def test_dot_rule_matches_central_differences_and_the_complex_step_for_any_number_of_terms(data):
    n = data.draw(TERMS)
    inputs, params = data.draw(op_arguments(ops.dot, count=2 * n + 1))
    assert_op_derivative_matches(ops.dot, inputs, params)


@given(st.data())
def test_sum_of_rule_matches_central_differences_and_the_complex_step_for_any_number_of_terms(data):
    n = data.draw(st.integers(2, 8))
    inputs, params = data.draw(op_arguments(ops.sum_of, count=n))
    assert_op_derivative_matches(ops.sum_of, inputs, params)


NUMBERS = st.floats(-3, 3, allow_nan=False)


@given(st.data())
def test_dot_gives_the_same_number_and_gradients_as_its_mul_and_add_graph(data):
    n = data.draw(TERMS)
    w = data.draw(st.lists(NUMBERS, min_size=n, max_size=n))
    x = data.draw(st.lists(NUMBERS, min_size=n, max_size=n))
    b = data.draw(NUMBERS)
    one = [Value(v) for v in w + x + [b]]
    two = [Value(v) for v in w + x + [b]]
    node = dot(one[:n], one[n:2 * n], one[-1]).tanh()
    graph = sum((wi * xi for wi, xi in zip(two[:n], two[n:2 * n])), two[-1]).tanh()
    assert math.isclose(node.data, graph.data, rel_tol=1e-12, abs_tol=1e-12)
    for g_node, g_graph in zip(grad(node, one), grad(graph, two)):
        assert math.isclose(g_node, g_graph, rel_tol=1e-9, abs_tol=1e-12)
    assert len(topological_order(node)) == 2 * n + 3  # the leaves, one dot, one tanh


@given(st.lists(NUMBERS, min_size=1, max_size=8))
def test_sum_of_gives_the_same_number_and_gradients_as_its_add_graph(xs):
    one, two = [Value(v) for v in xs], [Value(v) for v in xs]
    node, graph = sum_of(one).sigmoid(), sum(two[1:], two[0]).sigmoid()
    assert math.isclose(node.data, graph.data, rel_tol=1e-12, abs_tol=1e-12)
    for g_node, g_graph in zip(grad(node, one), grad(graph, two)):
        assert math.isclose(g_node, g_graph, rel_tol=1e-9, abs_tol=1e-15)


@given(st.data())
def test_forward_mode_agrees_with_reverse_mode_through_dot(data):
    n = data.draw(TERMS)
    numbers = data.draw(st.lists(NUMBERS, min_size=2 * n + 1, max_size=2 * n + 1))
    leaves = [Value(v) for v in numbers]
    reverse = grad(dot(leaves[:n], leaves[n:2 * n], leaves[-1]).sigmoid(), leaves)
    for i in range(len(numbers)):
        duals = [Dual(v, 1.0 if j == i else 0.0) for j, v in enumerate(numbers)]
        forward = dot(duals[:n], duals[n:2 * n], duals[-1]).sigmoid().tangent
        assert math.isclose(forward, reverse[i], rel_tol=1e-12, abs_tol=1e-15)


@given(st.data())
def test_second_derivatives_through_dot_match_differences_of_the_gradient(data):
    # ∂²/∂wᵢ∂xⱼ tanh(w·x + b) by create_graph, against a central difference of ∂/∂wᵢ in xⱼ.
    n = data.draw(TERMS)
    numbers = data.draw(st.lists(st.floats(-1, 1, allow_nan=False), min_size=2 * n + 1, max_size=2 * n + 1))
    i, j = data.draw(st.integers(0, n - 1)), data.draw(st.integers(0, n - 1))

    def first(values):
        leaves = [Value(v) for v in values]
        out = dot(leaves[:n], leaves[n:2 * n], leaves[-1]).tanh()
        return leaves, grad(out, [leaves[i]], create_graph=True)[0]

    leaves, g = first(numbers)
    (second,) = grad(g, [leaves[n + j]])
    h = 1e-6
    up, down = list(numbers), list(numbers)
    up[n + j] += h
    down[n + j] -= h
    numeric = (first(up)[1].data - first(down)[1].data) / (2 * h)
    # The difference of a smooth first derivative with h = 1e-6: truncation ~h²·f‴ ~ 1e-12 and
    # rounding ~1e-16/h = 1e-10, well inside the shared tolerance.
    assert close(second, numeric, 1e-9), (second, numeric)


def test_the_formula_of_a_neuron_names_its_weights_and_inputs():
    w = [Value(0.5, label="w1"), Value(-1.0, label="w2")]
    x = [Value(2.0, label="x1"), Value(3.0, label="x2")]
    z = dot(w, x, Value(0.25, label="b"))
    assert str(symbolic_derivative(z, w[1])) == "x₂"
    derivative = symbolic_derivative(z.sigmoid(), x[0])
    assert render(derivative.exact) == "σ(w₁·x₁ + w₂·x₂ + b)·(1 − σ(w₁·x₁ + w₂·x₂ + b))·w₁"  # as computed
    assert "dot(w1, w2, x1, x2, b)" in render(derivative.exact, python=True)  # Python calls the table's op
    assert str(symbolic_derivative(dot(w, x), w[0])) == "x₁"  # no bias: no "+ 0"
    assert str(symbolic_derivative(sum_of(x) * x[0], x[1])) == "x₁"
    assert str(derivative) == "w₁·σ′(w₁·x₁ + w₂·x₂ + b)"  # the textbook form names σ′ and writes the sum out


def test_the_matrix_engine_applies_dot_and_sum_of_entry_by_entry():
    W = Matrix([[1.0, 2.0]])
    X = Matrix([[3.0, 4.0]])
    B = Matrix([[0.5, 0.5]])
    out = ops.dot(W, X, B)  # entry by entry: wᵢⱼ·xᵢⱼ + bᵢⱼ
    assert out.data == [[3.5, 8.5]]
    out.sum().backward()
    assert W.grad == [[3.0, 4.0]] and X.grad == [[1.0, 2.0]] and B.grad == [[1.0, 1.0]]
    assert ops.sum_of(W, X, B).data == [[4.5, 6.5]]


def test_plain_numbers_give_a_plain_number():
    assert dot([1.0, 2.0], [3.0, 4.0], 0.5) == 11.5
    assert sum_of([1.0, 2.0, 3.5]) == 6.5


@pytest.mark.parametrize("weights, inputs, message", [
    ([Value(1.0)], [1.0, 2.0], "dot: needs as many weights as inputs, at least one; got 1 weights and 2 inputs"),
    ([], [], "dot: needs as many weights as inputs, at least one; got 0 weights and 0 inputs"),
])
def test_dot_with_mismatched_lengths_is_refused_and_creates_nothing(weights, inputs, message):
    before = [w.grad for w in weights]
    with pytest.raises(ValueError, match=message):
        dot(weights, inputs)
    assert [w.grad for w in weights] == before


def test_a_bad_number_in_dot_is_named():
    with pytest.raises(TypeError, match="dot"):
        dot([Value(1.0)], ["2"])


def test_sum_of_nothing_is_refused():
    with pytest.raises(ValueError, match="sum_of: needs at least one value"):
        sum_of([])


def test_the_op_refuses_an_even_count_of_numbers():
    with pytest.raises(ValueError, match="dot: needs as many weights as inputs, then a bias; got 4 numbers"):
        Value.apply(ops.dot, (Value(1.0), Value(2.0), Value(3.0), Value(4.0)))
