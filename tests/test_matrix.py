"""The Matrix engine checked against two independent routes.

Every matrix operation is compared with

* the same computation done element by element with the scalar engine
  (``Value``): forward values and the gradients of L = Σ C ⊙ Y for a random
  upstream gradient C, so each vector-Jacobian rule is tested with a general
  g, not only with ones;
* central differences of L along a few input entries, with the error bar of
  :func:`tinygrad_edu.testing.central_difference_with_error` (it measures the
  truncation error from two step sizes and adds the rounding error
  ε·|L|/h, so the tolerance follows the function instead of a guessed constant).

Shapes are drawn from 1..6 in each dimension.
"""

from __future__ import annotations

import math
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tinygrad_edu import ops
from tinygrad_edu.autodiff import derivative, grad
from tinygrad_edu.anomaly import describe
from tinygrad_edu.matrix import Matrix
from tinygrad_edu.matrix_ops import MATRIX_OPS, elementwise
from tinygrad_edu.mode import AnomalyError, detect_anomaly, no_grad
from tinygrad_edu.numeric import EPSILON, ROUNDING_FACTOR, default_step
from tinygrad_edu.testing import (
    central_difference_with_error,
    close,
    finite_floats,
    matrix_rows,
)
from tinygrad_edu.value import Value

# Forward values and gradients of the two engines are sums of at most 6 products
# of numbers below ~30 in size, added in different orders: they differ by a few
# ulps of the largest term, far below these tolerances.
REL = 1e-10
ABS = 1e-10

# ---------------------------------------------------------------------------
# Strategies
# ---------------------------------------------------------------------------

sizes = st.integers(1, 6)


def values(low: float = -3.0, high: float = 3.0) -> st.SearchStrategy:
    return finite_floats(low, high)


def away_from_zero(low: float = 0.05, high: float = 3.0) -> st.SearchStrategy:
    """Floats with low ≤ |x| ≤ high: away from the kinks of relu and abs, and from division by 0."""
    return st.builds(lambda negative, x: -x if negative else x, st.booleans(), values(low, high))


def rows(m: int, n: int, elements: st.SearchStrategy | None = None) -> st.SearchStrategy:
    return matrix_rows(m, n, values() if elements is None else elements)


# The parametrized families below run once per op (or per op and broadcast
# kind): a quarter of the profile's examples each keeps the file fast while
# every op still gets its own run (15 in the dev profile, 50 in CI).
PER_CASE = settings(max_examples=max(10, settings.default.max_examples // 4))


# ---------------------------------------------------------------------------
# The check: scalar engine, then central differences
# ---------------------------------------------------------------------------

def _flat(table: list) -> list:
    return [x for row in table for x in row]


def _weighted_sum(outputs: list, upstream: list):
    """Σᵢⱼ Cᵢⱼ·Yᵢⱼ, for Values or floats, in one fixed order."""
    total = 0.0
    for y_row, c_row in zip(outputs, upstream):
        for y, c in zip(y_row, c_row):
            total = total + c * y
    return total


def check_op(data, matrix_fn, scalar_fn, inputs: list, nudges: int = 2, rel: float = REL, abs_tol: float = ABS):
    """``matrix_fn`` (Matrices → Matrix) against ``scalar_fn`` (rows of Values → rows of Values).

    ``inputs`` is a list of lists of rows.  Draws the upstream gradient C and
    the entries to nudge from ``data``.  Returns the Matrix inputs (with .grad set).
    """
    leaves = [Matrix(r) for r in inputs]
    out = matrix_fn(*leaves)
    scalar_leaves = [[[Value(x) for x in row] for row in r] for r in inputs]
    scalar_out = scalar_fn(*scalar_leaves)
    m, n = out.shape
    assert (len(scalar_out), len(scalar_out[0])) == (m, n)
    for got, want in zip(_flat(out.data), _flat(scalar_out)):
        assert math.isclose(got, want.data, rel_tol=rel, abs_tol=abs_tol), (got, want.data)

    upstream = data.draw(rows(m, n, values(-2.0, 2.0)), label="upstream gradient C")
    (out * Matrix(upstream, requires_grad=False)).sum().backward()
    scalar_loss = _weighted_sum(scalar_out, upstream)
    if isinstance(scalar_loss, Value):
        scalar_loss.backward()
    for leaf, scalar_leaf in zip(leaves, scalar_leaves):
        assert leaf.grad is not None
        for got, want in zip(_flat(leaf.grad), _flat(scalar_leaf)):
            assert math.isclose(got, want.grad, rel_tol=rel, abs_tol=abs_tol), (got, want.grad)

    terms_scale = math.fsum(abs(c * y) for c_row, y_row in zip(upstream, out.data) for c, y in zip(c_row, y_row))
    for _ in range(nudges):
        k = data.draw(st.integers(0, len(inputs) - 1), label="input")
        i = data.draw(st.integers(0, len(inputs[k]) - 1), label="row")
        j = data.draw(st.integers(0, len(inputs[k][0]) - 1), label="column")

        def loss_at(t: float, k=k, i=i, j=j) -> float:
            moved = [[row[:] for row in r] for r in inputs]
            moved[k][i][j] = t
            with no_grad():
                return _weighted_sum(matrix_fn(*[Matrix(r) for r in moved]).data, upstream)

        x = inputs[k][i][j]
        h = default_step(x)
        numeric, error_bar = central_difference_with_error(loss_at, x, h)
        # L is a sum of terms that may cancel, so its rounding error follows the size of
        # the terms, Σ|Cᵢⱼ·Yᵢⱼ|, not |L| (which the error bar above uses): add that term.
        error_bar += ROUNDING_FACTOR * EPSILON * terms_scale / h
        analytic = leaves[k].grad[i][j]
        assert close(analytic, numeric, error_bar), (
            f"input {k} entry ({i}, {j}): backward {analytic!r} vs central difference {numeric!r} ± {error_bar:.3g}"
        )
    return leaves


def elementwise_rows(f, *tables):
    """Apply a scalar function entry by entry to equal-shaped tables."""
    return [[f(*entries) for entries in zip(*row_group)] for row_group in zip(*tables)]


# ---------------------------------------------------------------------------
# Matrix product, transpose, reductions
# ---------------------------------------------------------------------------

@given(st.data(), sizes, sizes, sizes)
def test_matmul_forward_and_gradients_match_scalar_engine_and_central_differences(data, m, k, n):
    a = data.draw(rows(m, k), label="A")
    b = data.draw(rows(k, n), label="B")

    def scalar(A, B):
        return [[sum((A[i][t] * B[t][j] for t in range(1, k)), A[i][0] * B[0][j]) for j in range(n)]
                for i in range(m)]

    check_op(data, lambda A, B: A @ B, scalar, [a, b])


@given(st.data(), sizes, sizes)
def test_transpose_forward_and_gradient_match_scalar_engine(data, m, n):
    a = data.draw(rows(m, n), label="A")
    check_op(data, lambda A: A.T, lambda A: [list(column) for column in zip(*A)], [a])


@given(st.data(), sizes, sizes)
def test_linear_layer_x_wT_plus_b_matches_scalar_engine(data, m, n):
    """The batch form of a layer, x·Wᵀ + b, with W of shape (n_out, n_in) as in PyTorch."""
    n_out = data.draw(sizes, label="n_out")
    x = data.draw(rows(m, n), label="x")
    w = data.draw(rows(n_out, n), label="W")
    b = data.draw(rows(1, n_out), label="b")

    def scalar(X, W, B):
        return [[sum((X[i][t] * W[j][t] for t in range(n)), B[0][j]).tanh() for j in range(n_out)]
                for i in range(m)]

    check_op(data, lambda X, W, B: (X @ W.T + B).tanh(), scalar, [x, w, b])


@pytest.mark.parametrize("axis", [None, 0, 1])
@pytest.mark.parametrize("reduce", ["sum", "mean"])
@given(data=st.data(), m=sizes, n=sizes)
@PER_CASE
def test_sum_and_mean_match_scalar_engine(data, m, n, axis, reduce):
    a = data.draw(rows(m, n), label="A")

    def scalar(A):
        def total(entries):
            entries = list(entries)
            s = sum(entries[1:], entries[0])
            return s / len(entries) if reduce == "mean" else s

        if axis is None:
            return [[total(x for row in A for x in row)]]
        if axis == 0:
            return [[total(column) for column in zip(*A)]]
        return [[total(row)] for row in A]

    check_op(data, lambda A: getattr(A, reduce)(axis=axis), scalar, [a])


@given(st.data(), sizes, sizes)
def test_broadcast_to_matches_scalar_engine(data, m, n):
    kind = data.draw(st.sampled_from(["row", "column", "entry"]), label="kind")
    shape = {"row": (1, n), "column": (m, 1), "entry": (1, 1)}[kind]
    a = data.draw(rows(*shape), label="A")

    def scalar(A):
        return [[A[i if shape[0] > 1 else 0][j if shape[1] > 1 else 0] * 1.0 for j in range(n)] for i in range(m)]

    check_op(data, lambda A: A.broadcast_to((m, n)), scalar, [a])


@given(st.data(), sizes, sizes)
def test_selecting_rows_matches_scalar_engine_and_repeats_add_up(data, m, n):
    a = data.draw(rows(m, n), label="A")
    index = data.draw(st.lists(st.integers(0, m - 1), min_size=1, max_size=6), label="index")
    check_op(data, lambda A: A.select_rows(index), lambda A: [[x * 1.0 for x in A[i]] for i in index], [a])


@given(st.data(), sizes, sizes)
def test_scatter_rows_matches_scalar_engine(data, k, n):
    m = data.draw(sizes, label="m")
    a = data.draw(rows(k, n), label="A")
    index = data.draw(st.lists(st.integers(0, m - 1), min_size=k, max_size=k), label="index")

    def scalar(A):
        out = [[Value(0.0) for _ in range(n)] for _ in range(m)]
        for p, i in enumerate(index):
            out[i] = [s + x for s, x in zip(out[i], A[p])]
        return out

    check_op(data, lambda A: A.scatter_rows(index, m), scalar, [a])


def test_indexing_a_row_is_a_1_by_n_node_the_gradient_flows_through():
    A = Matrix([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    (A[1] * 3.0 + A[-1] + A[1:]).sum().backward()
    # The 1×2 rows are broadcast over the 2 rows of the slice, so each counts twice:
    # A[1] gets 3·2 + 1 (its place in the slice), A[2] gets 1·2 + 1, A[0] nothing.
    assert A.grad == [[0.0, 0.0], [7.0, 7.0], [3.0, 3.0]]
    assert A[0:2].shape == (2, 2) and A[::2].data == [[1.0, 2.0], [5.0, 6.0]]
    assert [row.data for row in A] == [[[1.0, 2.0]], [[3.0, 4.0]], [[5.0, 6.0]]]


# ---------------------------------------------------------------------------
# Elementwise arithmetic and broadcasting
# ---------------------------------------------------------------------------

BINARY = {
    "add": (lambda a, b: a + b),
    "sub": (lambda a, b: a - b),
    "mul": (lambda a, b: a * b),
    "div": (lambda a, b: a / b),
}


def _broadcast_table(table: list, m: int, n: int) -> list:
    return [[table[i if len(table) > 1 else 0][j if len(table[0]) > 1 else 0] for j in range(n)] for i in range(m)]


@pytest.mark.parametrize("name", sorted(BINARY))
@pytest.mark.parametrize("kind", ["same shape", "row", "column", "1x1", "row and column"])
@given(data=st.data(), m=sizes, n=sizes)
@PER_CASE
def test_elementwise_arithmetic_with_broadcasting_matches_scalar_engine(data, m, n, name, kind):
    f = BINARY[name]
    shape_b = {"same shape": (m, n), "row": (1, n), "column": (m, 1), "1x1": (1, 1), "row and column": (1, n)}[kind]
    shape_a = (m, 1) if kind == "row and column" else (m, n)  # (m×1) op (1×n): an outer operation, m×n
    a = data.draw(rows(*shape_a), label="A")
    b = data.draw(rows(*shape_b, away_from_zero() if name == "div" else values()), label="B")

    def scalar(A, B):
        return elementwise_rows(f, _broadcast_table(A, m, n), _broadcast_table(B, m, n))

    check_op(data, f, scalar, [a, b])


@pytest.mark.parametrize("name", sorted(BINARY))
@given(data=st.data(), m=sizes, n=sizes, c=away_from_zero(0.1, 3.0))
@PER_CASE
def test_plain_numbers_on_either_side_match_scalar_engine(data, m, n, c, name):
    f = BINARY[name]
    left = data.draw(rows(m, n, away_from_zero() if name == "div" else values()), label="A")
    check_op(data, lambda A: f(c, A), lambda A: [[f(c, x) for x in row] for row in A], [left])
    right = data.draw(rows(m, n), label="B")
    check_op(data, lambda A: f(A, c), lambda A: [[f(x, c) for x in row] for row in A], [right])


@given(st.data(), sizes, sizes)
def test_bias_gradient_is_the_column_sum_of_the_upstream_gradient(data, m, n):
    x = Matrix(data.draw(rows(m, n), label="x"))
    b = Matrix(data.draw(rows(1, n), label="b"))
    upstream = data.draw(rows(m, n), label="C")
    (((x + b) * Matrix(upstream, requires_grad=False)).sum()).backward()
    for j in range(n):
        assert math.isclose(b.grad[0][j], math.fsum(upstream[i][j] for i in range(m)), rel_tol=1e-12, abs_tol=1e-12)
    assert x.grad == upstream  # the broadcast-free operand gets g unchanged


@given(st.data(), sizes, sizes)
def test_column_broadcast_gradient_is_the_row_sum_of_the_upstream_gradient(data, m, n):
    x = Matrix(data.draw(rows(m, n), label="x"))
    c = Matrix(data.draw(rows(m, 1), label="c"))
    upstream = data.draw(rows(m, n), label="C")
    ((x - c) * Matrix(upstream, requires_grad=False)).sum().backward()
    for i in range(m):
        assert math.isclose(c.grad[i][0], -math.fsum(upstream[i]), rel_tol=1e-12, abs_tol=1e-12)


@given(st.data(), sizes, sizes)
def test_a_1x1_operand_gets_the_sum_of_all_its_contributions(data, m, n):
    x = Matrix(data.draw(rows(m, n), label="x"))
    s = Matrix(data.draw(rows(1, 1), label="s"))
    upstream = data.draw(rows(m, n), label="C")
    ((x * s) * Matrix(upstream, requires_grad=False)).sum().backward()
    expected = math.fsum(c * v for c_row, v_row in zip(upstream, x.data) for c, v in zip(c_row, v_row))
    assert math.isclose(s.grad[0][0], expected, rel_tol=1e-12, abs_tol=1e-12)


@given(st.data(), sizes, sizes, st.sampled_from([-2, -1, 0, 1, 2, 3, 0.5, 1.5, -0.5]))
def test_power_with_a_constant_exponent_matches_scalar_engine(data, m, n, c):
    positive = not float(c).is_integer() or c < 0
    a = data.draw(rows(m, n, values(0.1, 3.0) if positive else values()), label="A")
    check_op(data, lambda A: A ** c, lambda A: [[x ** c for x in row] for row in A], [a])


@given(st.data(), sizes, sizes)
def test_power_with_a_matrix_exponent_and_number_base_match_scalar_engine(data, m, n):
    base = data.draw(rows(m, n, values(0.2, 3.0)), label="base")
    exponent = data.draw(rows(1, n, values(-2.0, 2.0)), label="exponent")
    check_op(data, lambda A, B: A ** B,
             lambda A, B: elementwise_rows(lambda x, y: x ** y, A, _broadcast_table(B, m, n)), [base, exponent])
    check_op(data, lambda B: 2.0 ** B, lambda B: [[2.0 ** y for y in row] for row in B], [exponent])


@pytest.mark.parametrize("name", ["mod", "atan2"])
@given(data=st.data(), m=sizes, n=sizes)
@PER_CASE
def test_mod_and_atan2_match_scalar_engine_and_central_differences_off_their_jumps(data, m, n, name):
    # Off the jumps, with room for the steps: x/y away from the integers for x % y; for atan2(y, x),
    # y away from 0 (the jump across the negative x axis) and so (x, y) away from the origin.
    b = data.draw(rows(m, n, away_from_zero(0.5, 3.0)), label="B")
    if name == "mod":
        q = data.draw(rows(m, n, values(-5.0, 5.0).filter(lambda t: abs(t - round(t)) > 0.01)), label="A/B")
        a = elementwise_rows(lambda t, y: t * y, q, b)
    else:
        a = data.draw(rows(m, n, away_from_zero()), label="A")
    f = (lambda A, B: A % B) if name == "mod" else (lambda A, B: A.atan2(B))
    check_op(data, f, lambda A, B: elementwise_rows(f, A, B), [a, b])


def test_x_to_the_y_with_a_zero_base_in_a_matrix_is_zero_with_zero_slope_in_y():
    A, B = Matrix([[0.0, 2.0, 0.0]]), Matrix([[2.0, 0.5, 0.5]])
    gA, gB = grad((A ** B).sum(), [A, B])
    assert (A ** B).data == [[0.0, math.sqrt(2.0), 0.0]]
    assert gA.data == [[0.0, 0.5 * 2.0 ** -0.5, math.inf]] and gB.data == [[0.0, math.sqrt(2.0) * math.log(2.0), 0.0]]
    with pytest.raises(NotImplementedError, match=r"pow: create_graph at entry \(0, 0\) = 0.0 of input 0"):
        grad((A ** B).sum(), [A, B], create_graph=True)


# ---------------------------------------------------------------------------
# Elementwise functions: the scalar table, entry by entry
# ---------------------------------------------------------------------------

UNARY_DOMAINS = {
    "neg": values(), "exp": values(-20.0, 20.0), "log": values(0.05, 20.0), "sqrt": values(0.05, 20.0),
    "tanh": values(), "sigmoid": values(-20.0, 20.0), "softplus": values(-20.0, 20.0),
    "log_sigmoid": values(-20.0, 20.0), "sin": values(), "cos": values(),
    "relu": away_from_zero(), "leaky_relu": away_from_zero(), "abs": away_from_zero(),
    "sign": away_from_zero(), "floor": values().filter(lambda x: abs(x - round(x)) > 1e-3),
    "ceil": values().filter(lambda x: abs(x - round(x)) > 1e-3),
    "asin": values(-0.95, 0.95), "acos": values(-0.95, 0.95), "atan": values(),
}


def _method_call(name: str, x):
    if name == "neg":
        return -x
    if name == "leaky_relu":
        return x.leaky_relu(0.1)
    return getattr(x, name)()


def test_every_unary_op_of_the_scalar_table_is_tested_here():
    unary = {name for name, op in ops.OPS.items() if op.arity == 1 and name != "power"}
    assert unary == set(UNARY_DOMAINS)


@pytest.mark.parametrize("name", sorted(UNARY_DOMAINS))
@given(data=st.data(), m=sizes, n=sizes)
@PER_CASE
def test_unary_op_forward_and_gradient_match_scalar_engine_and_central_differences(data, m, n, name):
    a = data.draw(rows(m, n, UNARY_DOMAINS[name]), label="A")
    check_op(data, lambda A: _method_call(name, A), lambda A: [[_method_call(name, x) for x in row] for row in A], [a])


SPECIAL = [0.0, -0.0, 1.5, -1.5, math.inf, -math.inf, math.nan, 1e-310, -1e300]


MATRIX_VJPS = [op for op in ops.OPS.values() if op.matrix_vjp is not None]
MATRIX_FORWARDS = [op for op in ops.OPS.values() if op.matrix_forward is not None]


def test_the_fast_kernels_are_where_the_benchmark_needs_them():
    assert {op.name for op in MATRIX_VJPS} == {"relu", "leaky_relu", "abs", "sigmoid", "tanh"}
    assert {op.name for op in MATRIX_FORWARDS} == {"relu", "sigmoid"}


@pytest.mark.parametrize("op", MATRIX_VJPS, ids=lambda op: op.name)
def test_matrix_vjp_kernels_give_exactly_g_times_the_scalar_rule_kinks_and_nonfinite_included(op):
    params = (0.1,) * len(op.param_names)
    x = [SPECIAL]
    out = [[op.forward(v, *params) for v in SPECIAL]]
    for upstream in ([1.0] * len(SPECIAL), [math.inf] * len(SPECIAL), [math.nan] * len(SPECIAL), [-2.0] * len(SPECIAL)):
        got = op.matrix_vjp([upstream], x, out, *params)[0]
        want = [g * op.derivative(v, *params, op.forward(v, *params)) for g, v in zip(upstream, SPECIAL)]
        for a, b in zip(got, want):
            assert (a != a and b != b) or (a == b and math.copysign(1, a) == math.copysign(1, b)), (op, a, b)


@pytest.mark.parametrize("op", MATRIX_FORWARDS, ids=lambda op: op.name)
@given(entries=st.lists(st.floats(allow_subnormal=True), min_size=1, max_size=8))
@PER_CASE
def test_matrix_forward_kernels_compute_exactly_the_scalar_forward_rule(op, entries):
    got = op.matrix_forward([entries + SPECIAL])[0]
    want = [op.forward(x) for x in entries + SPECIAL]
    for a, b in zip(got, want):
        assert (a != a and b != b) or (a == b and math.copysign(1, a) == math.copysign(1, b))


def test_a_users_own_scalar_op_works_on_matrices_with_its_own_rule():
    cube = ops.Op("cube", forward=lambda x: x ** 3, derivative=lambda x, out: 3 * x * x)
    X = Matrix([[1.0, -2.0], [0.5, 3.0]])
    Y = Matrix.apply(cube, (X,))
    Y.sum().backward()
    assert Y.data == [[1.0, -8.0], [0.125, 27.0]]
    assert X.grad == [[3.0, 12.0], [0.75, 27.0]]
    (g,) = grad(Matrix.apply(cube, (X,)).sum(), [X], create_graph=True)
    (h,) = grad(g.sum(), [X])
    assert h.data == [[6.0, -12.0], [3.0, 18.0]]  # (x³)″ = 6x


def test_calling_a_scalar_op_on_a_matrix_applies_it_entry_by_entry():
    X = Matrix([[0.5, -1.0]])
    Y = ops.tanh(X)  # Op.__call__ hands a non-number to its type's apply
    assert isinstance(Y, Matrix) and Y.op == "tanh"
    assert Y.data == [[math.tanh(0.5), math.tanh(-1.0)]]


def test_the_table_lists_every_matrix_op_once_by_name():
    assert {"matmul", "transpose", "sum", "mean", "broadcast_to", "select_rows", "scatter_rows"} <= set(MATRIX_OPS)
    assert set(ops.OPS) <= set(MATRIX_OPS)
    assert MATRIX_OPS["tanh"] is elementwise(ops.tanh)


# ---------------------------------------------------------------------------
# Higher derivatives: create_graph, as for Value
# ---------------------------------------------------------------------------

SMOOTH = ["exp", "log", "sqrt", "tanh", "sigmoid", "softplus", "log_sigmoid", "sin", "cos", "neg", "asin", "acos", "atan"]


@pytest.mark.parametrize("name", SMOOTH)
@given(data=st.data(), m=sizes, n=sizes)
@PER_CASE
def test_second_derivatives_of_unary_ops_match_the_scalar_engine(data, m, n, name):
    a = data.draw(rows(m, n, UNARY_DOMAINS[name]), label="A")
    c = data.draw(rows(m, n, values(-2.0, 2.0)), label="C")
    d = data.draw(rows(m, n, values(-2.0, 2.0)), label="D")
    X = Matrix(a)
    loss = (_method_call(name, X) * Matrix(c, requires_grad=False)).sum()
    (g,) = grad(loss, [X], create_graph=True)  # C ⊙ f′(X), a graph
    (h,) = grad((g * Matrix(d, requires_grad=False)).sum(), [X])  # C ⊙ D ⊙ f″(X)
    for i in range(m):
        for j in range(n):
            f2 = derivative(lambda t: _method_call(name, t), a[i][j], order=2)
            assert math.isclose(h.data[i][j], c[i][j] * d[i][j] * f2, rel_tol=1e-9, abs_tol=1e-12)


@given(st.data(), sizes, sizes, sizes)
def test_hessian_vector_product_through_matmul_matches_scalar_engine(data, m, k, n):
    a = data.draw(rows(m, k, values(-1.0, 1.0)), label="A")
    b = data.draw(rows(k, n, values(-1.0, 1.0)), label="B")
    v = data.draw(rows(m, k, values(-1.0, 1.0)), label="V")
    A, B = Matrix(a), Matrix(b)
    (gA,) = grad(((A @ B).tanh() * (A @ B)).sum(), [A], create_graph=True)
    (hv,) = grad((gA * Matrix(v, requires_grad=False)).sum(), [A])

    As = [[Value(x) for x in row] for row in a]
    Y = [[sum((As[i][t] * b[t][j] for t in range(1, k)), As[i][0] * b[0][j]) for j in range(n)] for i in range(m)]
    loss = sum((y.tanh() * y for row in Y for y in row), Value(0.0))
    flat = [x for row in As for x in row]
    gs = grad(loss, flat, create_graph=True)
    inner = sum((g * w for g, w in zip(gs, [x for row in v for x in row])), Value(0.0))
    want = grad(inner, flat)
    for got, expected in zip(_flat(hv.data), want):
        assert math.isclose(got, expected, rel_tol=1e-9, abs_tol=1e-12)


def test_piecewise_linear_ops_have_zero_second_derivative_under_create_graph():
    X = Matrix([[-1.0, 2.0, -3.0]])
    for f in (lambda t: t.relu(), lambda t: t.leaky_relu(0.2), lambda t: t.abs()):
        (g,) = grad((f(X) * X).sum(), [X], create_graph=True)  # f(x) + x f′(x) = 2 f′(x) x for these
        (h,) = grad(g.sum(), [X])
        first = grad(f(X).sum(), [X])[0].data[0]
        assert h.data == [[2 * d for d in first]]  # d/dx (2 f′(x) x) = 2 f′(x): only f′ survives


def test_sqrt_and_power_refuse_create_graph_where_the_slope_is_infinite():
    X = Matrix([[0.0, 4.0]])
    with pytest.raises(NotImplementedError, match=r"sqrt: create_graph at entry \(0, 0\) = 0"):
        grad(X.sqrt().sum(), [X], create_graph=True)
    with pytest.raises(NotImplementedError, match=r"power: create_graph at entry \(0, 0\)"):
        grad((X ** 0.5).sum(), [X], create_graph=True)
    (g,) = grad((X ** 2.0).sum(), [X], create_graph=True)  # fine at 0 for c ≥ 1
    assert g.data == [[0.0, 8.0]]
    (g,) = grad(X.sqrt().sum(), [X])  # plain backward: √′(0) = inf, as in the scalar engine
    assert g.data == [[math.inf, 0.25]]


# ---------------------------------------------------------------------------
# backward, grad and the .grad fields
# ---------------------------------------------------------------------------

def test_backward_accumulates_into_grad_and_zero_grad_resets_the_whole_graph():
    W = Matrix([[1.0, 2.0], [3.0, 4.0]])
    x = Matrix([[1.0], [-1.0]])
    hidden = W @ x
    loss = hidden.tanh().sum()
    loss.backward()
    first = [row[:] for row in W.grad]
    loss.backward()
    assert W.grad == [[2 * v for v in row] for row in first]
    assert hidden.grad != [[0.0], [0.0]] and loss.grad == [[2.0]]  # intermediate nodes too, like micrograd
    loss.zero_grad()
    assert W.grad == [[0.0, 0.0], [0.0, 0.0]] and hidden.grad == [[0.0], [0.0]]


def test_no_two_grad_fields_share_rows():
    a, b = Matrix([[1.0, 2.0]]), Matrix([[3.0, 4.0]])
    (a + b).sum().backward()
    a.grad[0][0] = 100.0
    assert b.grad == [[1.0, 1.0]]


def test_grad_returns_gradients_without_touching_grad_fields():
    x, y = Matrix([[1.0, 2.0]]), Matrix([[3.0, 4.0]])
    unused = Matrix([[5.0]])
    gx, gy, gu = grad((x * y).sum(), [x, y, unused])
    assert gx.data == [[3.0, 4.0]] and gy.data == [[1.0, 2.0]] and gu.data == [[0.0]]
    assert x.grad == [[0.0, 0.0]] and y.grad == [[0.0, 0.0]]


def test_grad_output_gives_the_vector_jacobian_product_for_a_non_scalar_output():
    A = Matrix([[1.0, 2.0], [3.0, 4.0]])
    x = Matrix([[1.0], [1.0]])
    (gx,) = grad(A @ x, [x], grad_output=[[1.0], [10.0]])
    assert gx.data == [[31.0], [42.0]]  # Aᵀ·[1, 10]
    y = A @ x
    y.backward([[1.0], [10.0]])
    assert x.grad == [[31.0], [42.0]]


def test_constants_get_no_gradient_and_no_grad_records_nothing():
    data = Matrix([[1.0, 2.0]], requires_grad=False)
    w = Matrix([[3.0, 4.0]])
    loss = (data * w).sum()
    assert [node.op for node in (loss, loss._prev[0])] == ["sum", "mul"]
    loss.backward()
    assert data.grad == [[0.0, 0.0]] and w.grad == [[1.0, 2.0]]
    with no_grad():
        plain = (w * 2.0).sum()
    assert plain.is_leaf and not plain.requires_grad and plain.data == [[14.0]]


def test_overflow_gives_inf_like_ieee_754_and_detect_anomaly_names_the_op_and_entry():
    X = Matrix([[1.0, 1000.0]])
    assert X.exp().data == [[math.e, math.inf]]
    with detect_anomaly():
        with pytest.raises(AnomalyError, match=r"exp produced inf at entry \(0, 1\) of its \(1, 2\) result"):
            X.exp()


def test_detect_anomaly_in_backward_names_the_op_and_leaves_grad_untouched():
    X = Matrix([[0.0, 4.0]])
    X.grad = [[5.0, 5.0]]
    loss = X.sqrt().sum()
    with detect_anomaly():
        with pytest.raises(AnomalyError, match=r"backward through sqrt gave the gradient inf at entry \(0, 0\)"):
            loss.backward()
    assert X.grad == [[5.0, 5.0]] and loss.grad == [[0.0]]


def test_describe_shows_the_expression_with_shapes():
    X, W = Matrix([[1.0, 2.0]], label="X"), Matrix([[1.0, 1.0]], label="W")
    assert describe((X @ W.T).relu()) == "relu(matmul(X(1, 2), transpose(W(1, 2))))"


# ---------------------------------------------------------------------------
# Constructors and interop with the scalar engine
# ---------------------------------------------------------------------------

def test_constructors_make_the_documented_matrices():
    assert Matrix.zeros(2, 3).data == [[0.0] * 3] * 2
    assert Matrix.ones(1, 2).data == [[1.0, 1.0]]
    assert Matrix.full(2, 1, 7).data == [[7.0], [7.0]]
    assert Matrix.eye(3).data == [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]]
    assert Matrix([[1, 2]]).data == [[1.0, 2.0]] and isinstance(Matrix([[1, 2]]).data[0][0], float)
    Z = Matrix.zeros(2, 2)
    Z.data[0][0] = 1.0
    assert Z.data[1][0] == 0.0  # rows are separate lists


def test_random_constructors_are_seeded_and_have_the_requested_distribution():
    A = Matrix.randn(40, 50, random.Random(1), std=2.0, mean=1.0)
    assert A.data == Matrix.randn(40, 50, random.Random(1), std=2.0, mean=1.0).data
    entries = _flat(A.data)
    mean = math.fsum(entries) / len(entries)
    std = math.sqrt(math.fsum((x - mean) ** 2 for x in entries) / len(entries))
    assert abs(mean - 1.0) < 0.15 and abs(std - 2.0) < 0.15  # 2000 draws: standard error ≈ 0.045 and 0.03
    U = Matrix.uniform(40, 50, random.Random(2), low=-0.5, high=0.25)
    assert all(-0.5 <= x <= 0.25 for x in _flat(U.data))
    assert U.data != Matrix.uniform(40, 50, random.Random(3), low=-0.5, high=0.25).data


def test_matrix_and_value_interoperate_both_ways():
    A = Matrix([[1.0, 2.0], [3.0, 4.0]])
    V = A.to_values()
    assert [[v.data for v in row] for row in V] == A.data
    assert Matrix.from_values(V).data == A.data


def test_fraction_entries_give_exact_fraction_gradients():
    from fractions import Fraction
    A = Matrix([[Fraction(1, 3), Fraction(2, 3)]])
    B = Matrix([[Fraction(1, 2)], [Fraction(1, 4)]])
    loss = (A @ B * A.sum()).sum()  # (1/6 + 1/6)·1 = 1/3
    loss.backward()
    assert loss.data == [[Fraction(1, 3)]]
    assert A.grad == [[Fraction(1, 2) + Fraction(1, 3), Fraction(1, 4) + Fraction(1, 3)]]
    assert B.grad == [[Fraction(1, 3)], [Fraction(2, 3)]]
    assert all(isinstance(g, Fraction) for g in A.grad[0] + [row[0] for row in B.grad])


def test_reading_a_node():
    A = Matrix([[1.0, 2.0], [3.0, 4.0]], label="A")
    assert A.shape == (2, 2) and len(A) == 2 and A.is_leaf and A.op == ""
    B = A.T
    assert B.op == "transpose" and not B.is_leaf
    assert (A.sum()).item() == 10.0
    assert A.tolist() == A.data and A.tolist() is not A.data
    assert A.detach().is_leaf and A.detach().data == A.data
    assert "label='A'" in repr(A) and "op='transpose'" in repr(B)


def test_a_1x1_matrix_compares_its_number_and_a_bigger_one_refuses():
    loss, best = Matrix([[1.0, 3.0]]).mean(), Matrix([[2.5]])
    assert (loss < best, loss <= 2.0, loss > 2.0, 2.0 >= loss) == (True, True, False, True)
    assert loss != Matrix([[2.0]]) and loss == loss  # == is identity, as for Value
    with pytest.raises(ValueError, match=r">: compares the number of a 1×1 matrix \(a loss\); this one has shape \(1, 2\)"):
        Matrix([[1.0, 3.0]]) > 0


# ---------------------------------------------------------------------------
# Reductions: max, min, prod, var, std
# ---------------------------------------------------------------------------

def _groups(table: list, axis):
    """The entries each reduction combines: all, each column, or each row."""
    if axis is None:
        return [[x for row in table for x in row]]
    return [list(column) for column in zip(*table)] if axis == 0 else [list(row) for row in table]


def _shaped(results: list, axis, m: int, n: int) -> list:
    return [results] if axis == 0 else ([[r] for r in results] if axis == 1 else [results])


def _distinct(elements) -> bool:
    flat = sorted(elements)
    return all(b - a > 1e-3 for a, b in zip(flat, flat[1:]))


@pytest.mark.parametrize("name", ["max", "min"])
@pytest.mark.parametrize("axis", [None, 0, 1])
@given(data=st.data(), m=sizes, n=sizes)
@PER_CASE
def test_max_and_min_without_ties_match_the_scalar_engine_and_central_differences(data, m, n, axis, name):
    # Away from ties max is differentiable: the slope is 1 at the largest entry.  The scalar engine
    # computes it with Python's max over Values (which compare by their numbers).
    a = data.draw(rows(m, n).filter(lambda t: _distinct([x for row in t for x in row])), label="A")
    pick = max if name == "max" else min
    check_op(data, lambda A: getattr(A, name)(axis),
             lambda A: _shaped([pick(group) for group in _groups(A, axis)], axis, m, n), [a])


@pytest.mark.parametrize("axis", [None, 0, 1])
@given(data=st.data(), m=sizes, n=sizes)
@PER_CASE
def test_prod_matches_the_scalar_engine_and_central_differences(data, m, n, axis):
    def product(group):
        result = group[0]
        for x in group[1:]:
            result = result * x
        return result

    a = data.draw(rows(m, n, values(-1.5, 1.5)), label="A")
    check_op(data, lambda A: A.prod(axis), lambda A: _shaped([product(g) for g in _groups(A, axis)], axis, m, n), [a])


@pytest.mark.parametrize("name", ["var", "std"])
@pytest.mark.parametrize("axis", [None, 0, 1])
@pytest.mark.parametrize("correction", [0, 1])
@given(data=st.data(), m=st.integers(2, 5), n=st.integers(2, 5))
@PER_CASE
def test_var_and_std_match_the_scalar_engine_and_central_differences(data, m, n, axis, correction, name):
    def spread(group):
        mean = sum(group[1:], group[0]) / len(group)
        var = sum(((x - mean) ** 2 for x in group[1:]), (group[0] - mean) ** 2) / (len(group) - correction)
        return var if name == "var" else var.sqrt()

    a = data.draw(rows(m, n).filter(lambda t: _distinct([x for row in t for x in row])), label="A")
    check_op(data, lambda A: getattr(A, name)(axis, correction),
             lambda A: _shaped([spread(g) for g in _groups(A, axis)], axis, m, n), [a])


def test_tied_extremes_share_the_gradient_evenly_as_pytorchs_amax():
    A = Matrix([[3.0, 1.0, 3.0], [3.0, 2.0, 0.5]])
    assert grad(A.max(), [A])[0].data == [[1 / 3, 0.0, 1 / 3], [1 / 3, 0.0, 0.0]]
    assert grad(A.max(axis=0).sum(), [A])[0].data == [[0.5, 0.0, 1.0], [0.5, 1.0, 0.0]]
    assert grad(A.max(axis=1).sum(), [A])[0].data == [[0.5, 0.0, 0.5], [1.0, 0.0, 0.0]]
    assert grad(A.min(axis=1).sum(), [A])[0].data == [[0.0, 1.0, 0.0], [0.0, 0.0, 1.0]]
    # Each share is 1/k of the same slope: the gradients along any axis still sum to 1 per group.
    from fractions import Fraction
    F = Matrix([[Fraction(2), Fraction(2), Fraction(2)]])
    assert grad(F.max(), [F])[0].data == [[Fraction(1, 3)] * 3]  # exact shares of a Fraction


def test_a_nan_makes_its_group_nan():
    A = Matrix([[1.0, math.nan], [2.0, 3.0]])
    assert math.isnan(A.max().item()) and A.max(axis=1).data[1] == [3.0] and math.isnan(A.min(axis=0).data[0][1])


def test_prod_slopes_are_the_products_of_the_others_with_zeros_too():
    for entries in ([2.0, 0.0, 3.0], [0.0, 5.0, 0.0], [1.5, -2.0, 4.0]):
        X = Matrix([entries])
        (g,) = grad(X.prod(), [X])
        others = [math.prod(entries[:i] + entries[i + 1:]) for i in range(3)]
        assert g.data == [others]
    # ...and it can be differentiated again: ∂²(xyz)/∂x∂y = z, also at x = y = 0.
    X = Matrix([[0.0, 0.0, 7.0]])
    (g,) = grad(X.prod(), [X], create_graph=True)
    (h,) = grad(g.select_rows([0]) @ Matrix([[1.0], [0.0], [0.0]]), [X])  # ∂/∂X of ∂prod/∂x₀ = y·z
    assert h.data == [[0.0, 7.0, 0.0]]


@pytest.mark.parametrize("correction", [0, 1])
def test_the_hessian_of_var_is_the_centring_matrix_over_n_minus_correction(correction):
    # var = Σ(xᵢ − x̄)²/(N − c), so ∂²var/∂xᵢ∂xⱼ = 2(δᵢⱼ − 1/N)/(N − c): an independent route.
    entries = [0.3, -1.2, 2.0, 0.7]
    N = len(entries)
    X = Matrix([entries])
    (g,) = grad(X.var(correction=correction), [X], create_graph=True)
    for j in range(N):
        (row,) = grad(g @ Matrix([[1.0 if k == j else 0.0] for k in range(N)]), [X])
        want = [2 * ((1.0 if i == j else 0.0) - 1 / N) / (N - correction) for i in range(N)]
        assert row.data[0] == pytest.approx(want, rel=1e-12, abs=1e-15)


def test_std_of_equal_entries_is_zero_with_slope_zero_like_pytorch():
    # A cone point, as |x| at 0: no derivative, and 0 by convention, not √′(0)·0 = inf·0 = nan.
    X = Matrix([[2.0, 2.0, 2.0], [1.0, 2.0, 3.0]])
    assert X.std(axis=1).data == [[0.0], [1.0]]
    (g,) = grad(X.std(axis=1).sum(), [X], create_graph=True)
    assert g.data == [[0.0, 0.0, 0.0], [-0.5, 0.0, 0.5]]
    (h,) = grad(g.sum(), [X])  # still differentiable: Σⱼ ∂std/∂xⱼ = 0 for every x, so its slope is 0
    assert h.data[0] == [0.0, 0.0, 0.0] and h.data[1] == pytest.approx([0.0, 0.0, 0.0], abs=1e-15)


def test_var_needs_more_entries_than_its_correction():
    with pytest.raises(ValueError, match=r"var: 1 entry per group with correction=1: N − correction must be at least 1"):
        Matrix([[1.0, 2.0]]).var(axis=0)
    with pytest.raises(ValueError, match=r"var: correction must be an int ≥ 0"):
        Matrix([[1.0, 2.0]]).var(correction=-1)
    with pytest.raises(ValueError, match=r"max: axis must be None, 0 or 1, got 2"):
        Matrix([[1.0, 2.0]]).max(axis=2)


def test_backward_with_create_graph_leaves_matrices_in_grad_the_hvp_idiom():
    # PyTorch's idiom: loss.backward(create_graph=True), then (W.grad * V).sum() is differentiable,
    # and its gradient is the Hessian-vector product H·V.  Checked against the scalar engine.
    w, v = [[0.5, -1.0], [2.0, 0.25]], [[1.0, -0.5], [0.0, 2.0]]
    W = Matrix(w)
    x = Matrix([[1.0], [-2.0]], requires_grad=False)
    loss = ((W @ x).tanh() * (W @ x)).sum()
    loss.backward(create_graph=True)
    assert isinstance(W.grad, Matrix) and W.grad.data == grad(loss, [W])[0].data
    (hv,) = grad((W.grad * Matrix(v, requires_grad=False)).sum(), [W])

    ws = [[Value(a) for a in row] for row in w]
    ys = [ws[i][0] * 1.0 + ws[i][1] * -2.0 for i in range(2)]
    scalar_loss = ys[0].tanh() * ys[0] + ys[1].tanh() * ys[1]
    flat = [a for row in ws for a in row]
    gs = grad(scalar_loss, flat, create_graph=True)
    want = grad(sum((g * c for g, c in zip(gs, [c for row in v for c in row])), Value(0.0)), flat)
    assert _flat(hv.data) == pytest.approx(want, rel=1e-12)
    # A plain backward afterwards adds numbers to the numbers of the graph left in .grad.
    before = W.grad.data
    loss.backward()
    assert W.grad == [[2 * a for a in row] for row in before]


@given(data=st.data(), m=sizes, n=sizes)
@PER_CASE
def test_second_derivatives_of_atan2_and_mod_on_matrices_match_the_scalar_engine(data, m, n):
    a = data.draw(rows(m, n, away_from_zero()), label="A")
    b = data.draw(rows(m, n, away_from_zero(0.5, 3.0)), label="B")
    for name, f in (("atan2", lambda P, Q: P.atan2(Q)), ("mod", lambda P, Q: P % Q)):
        A, B = Matrix(a), Matrix(b)
        gA, gB = grad(f(A, B).sum(), [A, B], create_graph=True)
        hA, hB = grad((gA * gB).sum(), [A, B])  # ∂/∂A and ∂/∂B of Σ ∂f/∂a · ∂f/∂b
        for i in range(m):
            for j in range(n):
                x, y = Value(a[i][j]), Value(b[i][j])
                dx, dy = grad(f(x, y), [x, y], create_graph=True)
                want = grad(dx * dy, [x, y]) if isinstance(dx * dy, Value) else [0.0, 0.0]
                assert math.isclose(hA.data[i][j], want[0], rel_tol=1e-12, abs_tol=1e-15), (name, i, j)
                assert math.isclose(hB.data[i][j], want[1], rel_tol=1e-12, abs_tol=1e-15), (name, i, j)
