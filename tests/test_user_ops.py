"""A kinked op defined by a user, README's way, works everywhere a built-in one does.

hardtanh(x) = −1 below −1, x between, 1 above: two kinks, at −1 and 1, and a
derivative that is a constant between them (1 inside, 0 outside).  Nothing
about it is registered anywhere: every fact is on its ``Op``.
"""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tinygrad_edu import Dual, Matrix, Op, Value, chain_rule, derivative, grad, ops, symbolic_derivative, to_text_tree
from tinygrad_edu.ops import describe_rule, value_of
from tinygrad_edu.symbolic import expression
from tinygrad_edu.testing import assert_op_derivative_matches, finite_floats, op_arguments

hardtanh = Op(
    "hardtanh", forward=lambda x: -1.0 if x < -1 else (1.0 if x > 1 else x),
    derivative=lambda x, out: 1.0 if -1 < value_of(x) < 1 else 0.0,
    kinks={-1.0: "hardtanh′(−1) = 0", 1.0: "hardtanh′(1) = 0"}, piecewise_linear=True,
)

# relu(x)·y: kinked in x, and its ∂/∂x = y is not a constant: not piecewise linear.
relu_times = Op(
    "relu_times", forward=lambda x, y: x * y if x > 0 else 0.0 * y, arity=2,
    derivative=lambda x, y, out: (y if value_of(x) > 0 else 0.0 * y, ops.relu(x)),
    kinks={0.0: "∂/∂x at x = 0 is 0"},
)

# Points away from the kinks, where a central difference is a derivative.
away_from_kinks = finite_floats(-3.0, 3.0).filter(lambda x: min(abs(x + 1), abs(x - 1)) > 1e-3)


def h(x):
    return Value.apply(hardtanh, (x,))


@given(op_arguments(hardtanh))
def test_its_rule_agrees_with_forward_mode_and_finite_differences(args):
    inputs, params = args
    assert_op_derivative_matches(hardtanh, inputs, params)


def test_at_the_kinks_the_rule_takes_the_declared_value_in_both_modes():
    for kink in (-1.0, 1.0):
        x = Value(kink)
        h(x).backward()
        assert x.grad == 0.0
        assert Dual.apply(hardtanh, [Dual(kink, 1.0)]).tangent == 0.0
    with pytest.raises(ValueError, match="on a declared kink"):
        assert_op_derivative_matches(hardtanh, [1.0])


@given(away_from_kinks)
def test_every_order_on_values(x):
    inside = -1 < x < 1
    # x·hardtanh(x) is x² inside (second derivative 2), ±x outside (0); the third derivative is 0.
    assert derivative(lambda t: t * h(t), x, order=1) == pytest.approx(2 * x if inside else (1.0 if x > 0 else -1.0))
    assert derivative(lambda t: t * h(t), x, order=2) == (2.0 if inside else 0.0)
    assert derivative(lambda t: t * h(t), x, order=3) == 0.0


@given(st.lists(away_from_kinks, min_size=4, max_size=4))
def test_matrix_engine_matches_the_value_engine_at_first_and_second_order(entries):
    X = Matrix([entries[:2], entries[2:]])
    Y = Matrix.apply(hardtanh, (X,))
    assert Y.data == [[hardtanh(v) for v in row] for row in X.data]
    (g,) = (Y * X).sum().gradients([X], create_graph=True)  # ∂/∂X Σ x·hardtanh(x)
    (g2,) = g.sum().gradients([X])  # Σ of the second derivatives, entry by entry
    for i, j in ((0, 0), (0, 1), (1, 0), (1, 1)):
        x = Value(X.data[i][j])
        (gx,) = grad(x * h(x), [x], create_graph=True)
        (gxx,) = grad(gx, [x])
        assert g.data[i][j] == gx.data and g2.data[i][j] == gxx


def test_the_explainer_names_its_derivative_and_symbolic_printing_uses_its_name():
    x, w = Value(0.5, label="x"), Value(0.8, label="w")
    y = h(w * x)
    y.label = "y"
    rule = chain_rule(y, w)
    assert [f.symbol for f in rule.paths[0]] == ["x", "hardtanh′(w·x)"]
    assert rule.value == 0.5
    assert str(expression(y)) == "hardtanh(w·x)"
    assert str(symbolic_derivative(y, w)) == "x"  # hardtanh′ = 1 here: the constant of its side
    assert "(hardtanh) = 0.4" in to_text_tree(y)
    assert "kink: hardtanh′(−1) = 0; kink: hardtanh′(1) = 0" in describe_rule(hardtanh)


def test_a_kinked_rule_that_is_not_piecewise_linear_works_on_values_and_says_why_not_on_matrices():
    x, y = Value(2.0), Value(3.0)
    out = Value.apply(relu_times, (x, y))
    (dx, dy) = grad(out, [x, y], create_graph=True)
    assert (dx.data, dy.data) == (3.0, 2.0)
    assert grad(dx, [y]) == [1.0]  # ∂²(relu(x)·y)/∂x∂y = 1 for x > 0: the rule ran on Values
    A, B = Matrix([[2.0, -1.0]]), Matrix([[3.0, 5.0]])
    out = Matrix.apply(relu_times, (A, B))
    out.sum().backward()  # first order: the rule on each entry's numbers
    assert A.grad == [[3.0, 0.0]] and B.grad == [[2.0, 0.0]]
    with pytest.raises(NotImplementedError, match="relu_times: a second derivative through a Matrix"):
        Matrix.apply(relu_times, (A, B)).sum().gradients([A], create_graph=True)


def test_a_shape_error_writes_the_op_with_its_python_operator_or_with_with():
    A, B = Matrix([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]), Matrix([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    with pytest.raises(ValueError, match=r"^relu_times: \(2, 3\) with \(3, 2\): shapes do not broadcast"):
        Matrix.apply(relu_times, (A, B))
    with pytest.raises(ValueError, match=r"^mul: \(2, 3\) \* \(3, 2\): shapes do not broadcast"):
        A * B
