"""``nn.linear`` (X·Wᵀ + b as one node): the same numbers as ``X @ W.T + b``, three ways.

The fused node exists for speed (benchmarks/), so what matters is that it is the
composition it replaces: the same forward numbers and gradients to the last bit,
the same second derivatives under ``create_graph``, the same forward-mode
tangents, and a central difference for an independent check.
"""

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tinygrad_edu import grad, nn
from tinygrad_edu.autodiff import DualMatrix
from tinygrad_edu.matrix import Matrix
from tinygrad_edu.numeric import central_difference

sizes = st.integers(1, 4)
entries = st.floats(-3.0, 3.0, allow_nan=False, allow_subnormal=False)


def rows(m: int, n: int) -> st.SearchStrategy:
    return st.lists(st.lists(entries, min_size=n, max_size=n), min_size=m, max_size=m)


@st.composite
def problems(draw: st.DrawFn) -> tuple:
    """X (m×k), W (n×k), b (1×n) and a weighting C (m×n) for the loss Σ C ⊙ Y."""
    m, k, n = draw(sizes), draw(sizes), draw(sizes)
    return draw(rows(m, k)), draw(rows(n, k)), draw(rows(1, n)), draw(rows(m, n))


def both_routes(X, W, b, C):
    """(fused, composed): each a tuple of (Y, X, W, b) after backward of Σ C ⊙ Y."""
    routes = []
    for fused in (True, False):
        x, w, bias = Matrix(X), Matrix(W), Matrix(b)
        Y = nn.linear(x, w, bias) if fused else x @ w.T + bias
        (Y * Matrix(C, requires_grad=False)).sum().backward()
        routes.append((Y, x, w, bias))
    return routes


@given(problems())
def test_linear_gives_the_numbers_and_gradients_of_x_times_w_transpose_plus_b_to_the_last_bit(problem):
    (Y1, x1, w1, b1), (Y2, x2, w2, b2) = both_routes(*problem)
    assert Y1.op == "linear" and Y2.op == "add"
    assert Y1.data == Y2.data
    assert (x1.grad, w1.grad, b1.grad) == (x2.grad, w2.grad, b2.grad)


@given(problems(), st.data())
def test_linear_second_derivatives_match_the_composition(problem, data):
    X, W, b, C = problem
    V = data.draw(rows(len(W), len(W[0])), label="V")
    results = []
    for fused in (True, False):
        x, w, bias = Matrix(X), Matrix(W), Matrix(b)
        Y = nn.linear(x, w, bias) if fused else x @ w.T + bias
        loss = ((Y * Y) * Matrix(C, requires_grad=False)).sum()  # quadratic: a second derivative that is not 0
        (gw,) = grad(loss, [w], create_graph=True)
        results.append(grad((gw * Matrix(V, requires_grad=False)).sum(), [x, w, bias]))
    for fused_grad, composed_grad in zip(*results):
        for r1, r2 in zip(fused_grad.data, composed_grad.data):
            for a, c in zip(r1, r2):  # the same sums, possibly added in another order
                assert math.isclose(a, c, rel_tol=1e-12, abs_tol=1e-12 * (1 + abs(c)))


@given(problems(), st.data())
def test_linear_forward_mode_tangent_matches_the_composition(problem, data):
    X, W, b, _ = problem
    TX, TW = data.draw(rows(len(X), len(X[0])), label="dX"), data.draw(rows(len(W), len(W[0])), label="dW")
    Tb = data.draw(rows(1, len(b[0])), label="db")
    x, w, bias = DualMatrix(X, TX), DualMatrix(W, TW), DualMatrix(b, Tb)
    fused, composed = nn.linear(x, w, bias), x @ w.T + bias
    assert isinstance(fused, DualMatrix) and fused.data == composed.data
    assert fused.tangent == composed.tangent


@given(problems(), st.data())
def test_linear_weight_gradient_matches_a_central_difference(problem, data):
    X, W, b, C = problem
    i, j = data.draw(st.integers(0, len(W) - 1)), data.draw(st.integers(0, len(W[0]) - 1))
    (_, _, w, _), _ = both_routes(X, W, b, C)

    def loss(t: float) -> float:
        moved = [row[:] for row in W]
        moved[i][j] = t
        Y = nn.linear(Matrix(X), Matrix(moved), Matrix(b))
        return (Y * Matrix(C)).sum().item()

    # The loss is linear in W[i][j], so the central difference has no truncation error, only the
    # rounding of the loss (about 1e-16 × its terms, ≤ 16·3·3·3 here) divided by the step h ≈ 6e-6.
    assert math.isclose(w.grad[i][j], central_difference(loss, W[i][j]), abs_tol=1e-7)


def test_linear_without_a_bias_is_x_times_w_transpose():
    x, w = Matrix([[1.0, 2.0]]), Matrix([[3.0, 4.0], [5.0, 6.0]])
    Y = nn.linear(x, w)
    assert Y.op == "matmul" and Y.data == [[11.0, 17.0]]


def test_a_layer_is_one_linear_node():
    layer = nn.Linear(3, 2)
    assert layer(Matrix([[1.0, 2.0, 3.0]])).op == "linear"
    assert nn.Linear(3, 2, bias=False)(Matrix([[1.0, 2.0, 3.0]])).op == "matmul"


def test_linear_matches_pytorch():
    torch = pytest.importorskip("torch")
    X, W, b = [[0.5, -1.0, 2.0], [1.5, 0.25, -0.75]], [[0.1, 0.2, -0.3], [1.0, -2.0, 0.5]], [[0.25, -0.5]]
    x, w, bias = Matrix(X), Matrix(W), Matrix(b)
    nn.linear(x, w, bias).sum().backward()
    tx, tw, tb = (torch.tensor(v, dtype=torch.float64, requires_grad=True) for v in (X, W, b[0]))
    out = torch.nn.functional.linear(tx, tw, tb)
    out.sum().backward()
    assert torch.allclose(torch.tensor(nn.linear(x, w, bias).data, dtype=torch.float64), out, rtol=0, atol=1e-15)
    assert w.grad == tw.grad.tolist() and x.grad == tx.grad.tolist() and bias.grad == [tb.grad.tolist()]
