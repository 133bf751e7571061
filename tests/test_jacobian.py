"""Full Jacobians: reverse mode (one backward per output entry) against central
differences, closed forms, and the chain rule as a product of layer Jacobians."""

from __future__ import annotations

import math
import random

import pytest

from hypothesis import given, settings
from hypothesis import strategies as st

from tinygrad_edu.testing import finite_floats, matrix_rows
from tinygrad_edu.jacobian import jacobian, numeric_jacobian
from tinygrad_edu.matrix import Matrix
from tinygrad_edu.losses import cross_entropy

sizes = st.integers(1, 4)


def values(low: float = -2.0, high: float = 2.0) -> st.SearchStrategy:
    return finite_floats(low, high)


def rows(m: int, n: int, elements: st.SearchStrategy | None = None) -> st.SearchStrategy:
    return matrix_rows(m, n, values() if elements is None else elements)


def layer(W: list, b: list):
    """x ↦ tanh(W·x + b) for a column vector x."""
    return lambda x: (Matrix(W, requires_grad=False) @ x + Matrix(b, requires_grad=False)).tanh()


def test_jacobian_of_a_linear_map_is_its_matrix():
    W = [[2.0, -1.0, 0.5], [0.0, 3.0, 1.0]]
    J = jacobian(lambda x: Matrix(W, requires_grad=False) @ x, [[1.0], [2.0], [3.0]])
    assert J.data == W


def test_jacobian_of_an_elementwise_map_is_diagonal():
    x = [[0.5, -1.0], [2.0, 0.0]]
    J = jacobian(lambda X: X.tanh(), x)
    slopes = [1 - math.tanh(v) ** 2 for row in x for v in row]
    assert J.data == [[slopes[i] if i == j else 0.0 for j in range(4)] for i in range(4)]


def test_entries_are_numbered_row_by_row_so_a_transpose_is_a_permutation():
    J = jacobian(lambda X: X.T, [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])  # Y = Xᵀ is 3×2, Y[i][j] = X[j][i]
    assert J.shape == (6, 6)
    for i in range(3):
        for j in range(2):
            assert J.data[i * 2 + j] == [1.0 if col == j * 3 + i else 0.0 for col in range(6)]


def test_jacobian_of_a_function_that_ignores_its_input_is_zero():
    constant = Matrix([[1.0, 2.0]], requires_grad=False)
    assert jacobian(lambda x: constant * 2.0, [[3.0]]).data == [[0.0], [0.0]]


@settings(max_examples=max(10, settings.default.max_examples // 2))  # each example runs p·q + m·n passes
@given(st.data(), sizes, sizes, sizes)
def test_reverse_mode_jacobian_matches_central_differences(data, p, q, r):
    x = data.draw(rows(p, q), label="x")
    A = Matrix(data.draw(rows(r, p), label="A"), requires_grad=False)

    def f(X):
        return (A @ X).tanh() * X.sum() + (A @ X.sigmoid()) / 2.0

    J = jacobian(f, x)
    N = numeric_jacobian(f, x)
    assert J.shape == N.shape == (r * q, p * q)
    # Central differences with h = ε^(1/3)·max(|x|, 1) are accurate to about ε^(2/3)·|f| ≈ 4e-11·|f|
    # (truncation and rounding balance there); |f| < 20 for these inputs, so 1e-8 is a safe floor.
    for row_j, row_n in zip(J.data, N.data):
        for a, b in zip(row_j, row_n):
            assert math.isclose(a, b, rel_tol=1e-6, abs_tol=1e-8), (a, b)


@given(st.data(), sizes, sizes, sizes)
def test_the_jacobian_of_two_layers_is_the_product_of_the_layer_jacobians(data, n0, n1, n2):
    """The chain rule: ∂(g∘f)/∂x = J_g(f(x)) · J_f(x)."""
    x = data.draw(rows(n0, 1), label="x")
    f = layer(data.draw(rows(n1, n0)), data.draw(rows(n1, 1)))
    g = layer(data.draw(rows(n2, n1)), data.draw(rows(n2, 1)))
    whole = jacobian(lambda v: g(f(v)), x)
    hidden = f(Matrix(x)).data
    product = jacobian(g, hidden) @ jacobian(f, x)
    for row_w, row_p in zip(whole.data, product.data):
        for a, b in zip(row_w, row_p):
            assert math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-15)


def test_deep_linear_network_jacobian_is_c_to_the_depth_times_identity():
    """The chain rule multiplies the layer Jacobians: with every Wˡ = c·I (L square layers), ∂ŷ/∂x = cᴸ·I exactly."""
    for c, depth in ((0.5, 10), (1.5, 12), (2.0, 30)):
        W = Matrix([[c, 0.0], [0.0, c]], requires_grad=False)

        def network(x, W=W, depth=depth):
            for _ in range(depth):
                x = W @ x
            return x

        J = jacobian(network, [[1.0], [1.0]])
        assert J.data == [[c ** depth, 0.0], [0.0, c ** depth]]


def test_numeric_jacobian_builds_no_graph_and_leaves_its_input_alone():
    x = Matrix([[0.3, -0.7]])
    outputs = []

    def f(X):
        outputs.append(X.exp())
        return outputs[-1]

    J = numeric_jacobian(f, x, h=1e-6)
    assert x.data == [[0.3, -0.7]] and x.grad == [[0.0, 0.0]]
    assert len(outputs) == 5 and all(out.is_leaf and not out.requires_grad for out in outputs)
    assert J.shape == (2, 2)
    for k in range(2):
        assert math.isclose(J.data[k][k], math.exp(x.data[0][k]), rel_tol=1e-8)
        assert J.data[k][1 - k] == 0.0


def test_jacobians_reproduce_a_random_mlp_layer_by_layer():
    rng = random.Random(7)
    sizes_ = [3, 4, 4, 2]
    layers = [layer([[rng.gauss(0, 1) for _ in range(a)] for _ in range(b)], [[rng.gauss(0, 0.1)] for _ in range(b)])
              for a, b in zip(sizes_, sizes_[1:])]
    x = [[0.2], [-0.4], [0.9]]
    product = None
    point = x
    for f in layers:
        J = jacobian(f, point)
        product = J if product is None else J @ product
        point = f(Matrix(point)).data

    def network(v):
        for f in layers:
            v = f(v)
        return v

    whole = numeric_jacobian(network, x)
    for row_p, row_w in zip(product.data, whole.data):
        for a, b in zip(row_p, row_w):
            assert math.isclose(a, b, rel_tol=1e-6, abs_tol=1e-9)


def test_a_jacobian_with_create_graph_differentiates_again_as_central_differences_say():
    # J(x) of f(v) = tanh(W·v) is diag(1 − tanh²(W·x))·W; the gradient of Σ C ⊙ J with respect to x,
    # by reverse mode through the Jacobian's own graph, against central differences of that sum.
    from tinygrad_edu import grad
    from tinygrad_edu.numeric import estimate_derivative
    from tinygrad_edu.testing import close

    W = Matrix([[0.5, -1.0, 2.0], [1.5, 0.25, -0.75]], requires_grad=False)
    C = Matrix([[1.0, -2.0, 0.5], [0.3, 1.0, -1.0]], requires_grad=False)
    x = [[0.3], [-0.2], [0.5]]
    X = Matrix(x)
    J = jacobian(lambda v: (W @ v).tanh(), X, create_graph=True)
    plain = jacobian(lambda v: (W @ v).tanh(), x)
    assert J.shape == (2, 3) and all(math.isclose(a, b, rel_tol=1e-15) for a, b in zip(sum(J.data, []), sum(plain.data, [])))
    (g,) = grad((J * C).sum(), [X])

    def weighted(t, i):
        moved = [row[:] for row in x]
        moved[i][0] = t
        return (jacobian(lambda v: (W @ v).tanh(), moved) * C).sum().item()

    for i in range(3):
        est = estimate_derivative(lambda t: weighted(t, i), x[i][0], 1e-5)
        assert close(g.data[i][0], est.value, est.error_bar), (i, g.data[i][0], est)


def test_create_graph_needs_the_point_as_a_matrix():
    with pytest.raises(TypeError, match="jacobian: create_graph=True needs x as a Matrix"):
        jacobian(lambda v: v, [[1.0]], create_graph=True)


# ---------------------------------------------------------------------------
# Forward mode for matrices: jvp(f, [X], [V]) = J·vec(V), against reverse mode's Jacobian
# ---------------------------------------------------------------------------

B = Matrix([[0.5, -1.0, 0.25]], requires_grad=False)
MATRIX_FUNCTIONS = {
    "x @ xᵀ, tanh": lambda X: (X @ X.T).tanh(),
    "bias, relu, mean by rows": lambda X: (X + B).relu().mean(axis=1),
    "sum by columns times a row of x": lambda X: X.sum(axis=0) * X[0],
    "select and scatter rows": lambda X: X.select_rows([1, 0, 1]).scatter_rows([0, 0, 1], 2) / 3,
    "gather columns, exp": lambda X: X.gather_columns([2, 0]).exp(),
    "max and min": lambda X: X.max(axis=0) - X.min(),
    "prod": lambda X: X.prod(axis=1),
    "var and std": lambda X: X.var(axis=0, correction=0) + X.std(),
    "mod, atan2, power": lambda X: (X % 0.7) * X.atan2(X.T.T + 2.5) + (X * X + 1) ** 0.5,
    "x to the x": lambda X: (X * X + 0.5) ** (X + 1),
    "softmax cross-entropy": lambda X: cross_entropy(X, [2, 0]),
}


@pytest.mark.parametrize("name", sorted(MATRIX_FUNCTIONS))
@given(x=rows(2, 3), v=rows(2, 3))
@settings(max_examples=20)
def test_matrix_jvp_is_the_jacobian_times_the_tangent(name, x, v):
    from tinygrad_edu import jvp

    f = MATRIX_FUNCTIONS[name]
    flat_x = sum(x, [])
    if name in ("max and min", "var and std") and len(set(flat_x)) < len(flat_x):
        return  # ties: max is not differentiable there (each engine's share rule is tested on its own)
    if name == "mod, atan2, power" and any(abs(t / 0.7 - round(t / 0.7)) < 1e-9 for t in flat_x):
        return  # on a jump of %
    y, dy = jvp(f, [Matrix(x)], [v])
    J = jacobian(f, x)
    assert y.data == f(Matrix(x)).data
    want = [sum(j * t for j, t in zip(row, sum(v, []))) for row in J.data]
    scale = max([1.0] + [abs(j * t) for row in J.data for j, t in zip(row, sum(v, []))])
    for got, expected in zip(sum(dy.data, []), want):
        assert math.isclose(got, expected, rel_tol=1e-12, abs_tol=1e-13 * scale), (name, got, expected)


def test_a_dual_matrix_on_the_right_of_a_plain_one_still_carries_its_tangent():
    from tinygrad_edu.autodiff import DualMatrix

    X = DualMatrix([[1.0], [2.0]], [[1.0], [0.0]])
    W = Matrix([[3.0, 1.0]])
    assert (W @ X).tangent == [[3.0]] and (2 * X).tangent == [[2.0], [0.0]] and (1 - X).tangent == [[-1.0], [0.0]]
    with pytest.raises(ValueError, match=r"DualMatrix: a tangent of shape \(1, 2\) for a matrix of shape \(2, 1\)"):
        DualMatrix([[1.0], [2.0]], [[1.0, 0.0]])
