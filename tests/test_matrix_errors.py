"""Bad input to the Matrix engine: a clear error naming the operation and the
shapes or the entry, and nothing created or changed by the failed call."""

from __future__ import annotations

import math
import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tinygrad_edu.autodiff import grad
from tinygrad_edu.jacobian import jacobian, numeric_jacobian
from tinygrad_edu.losses import binary_cross_entropy_with_logits, cross_entropy, mse
from tinygrad_edu.matrix import Matrix
from tinygrad_edu.mode import AnomalyError, detect_anomaly
from tinygrad_edu.value import Value


class Counted(Matrix):
    """A Matrix that counts the nodes operations make: every op result is built by
    ``cls.__new__`` in ``Matrix.apply``, with ``cls`` the class of the operands."""

    __slots__ = ()
    made = 0

    def __new__(cls, *args, **kwargs):
        Counted.made += 1
        return super().__new__(cls)


def snapshot(*matrices) -> list:
    return [(m.tolist(), [row[:] for row in m.grad], m._prev, m._op) for m in matrices]


def assert_fails_cleanly(error, pattern, call, *operands):
    """``call()`` raises ``error`` matching ``pattern``, makes no node and changes no operand."""
    before = snapshot(*operands)
    made = Counted.made
    with pytest.raises(error, match=pattern):
        call()
    assert Counted.made == made, "a node was created before the error"
    assert snapshot(*operands) == before, "an operand changed"


def counted(rows) -> Counted:
    return Counted(rows)


def test_the_node_counter_sees_every_node_an_operation_makes():
    A = counted([[1.0, 2.0]])
    made = Counted.made
    (A @ A.T + A.sum()).relu()  # transpose, matmul, sum, add, relu
    assert Counted.made == made + 5


# ---------------------------------------------------------------------------
# Shapes
# ---------------------------------------------------------------------------

def test_matmul_names_both_shapes_and_the_inner_dimensions():
    A = counted([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    assert_fails_cleanly(ValueError, r"^matmul: \(2, 3\) @ \(2, 3\): inner dimensions 3 and 2 differ$",
                         lambda: A @ A, A)


@given(st.integers(1, 6), st.integers(1, 6), st.integers(1, 6), st.integers(1, 6))
def test_matmul_refuses_every_mismatch_and_accepts_every_match(m, k, k2, n):
    A, B = counted([[1.0] * k] * m), counted([[1.0] * n] * k2)
    if k == k2:
        assert (A @ B).shape == (m, n)
    else:
        assert_fails_cleanly(ValueError, rf"matmul: \({m}, {k}\) @ \({k2}, {n}\): inner dimensions {k} and {k2}",
                             lambda: A @ B, A, B)


@pytest.mark.parametrize("name, call, symbol", [
    ("add", lambda a, b: a + b, r"\+"), ("sub", lambda a, b: a - b, "-"),
    ("mul", lambda a, b: a * b, r"\*"), ("div", lambda a, b: a / b, "/"), ("pow", lambda a, b: a ** b, r"\*\*"),
])
def test_elementwise_ops_name_the_op_both_shapes_and_the_axis_that_does_not_broadcast(name, call, symbol):
    A, B = counted([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]), counted([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    assert_fails_cleanly(
        ValueError, rf"^{name}: \(2, 3\) {symbol} \(3, 2\): shapes do not broadcast \(rows: 2 and 3 differ",
        lambda: call(A, B), A, B)


@given(st.integers(1, 6), st.integers(1, 6), st.integers(1, 6), st.integers(1, 6))
def test_elementwise_shapes_broadcast_exactly_when_each_axis_matches_or_is_1(m, n, p, q):
    A, B = counted([[1.0] * n] * m), counted([[2.0] * q] * p)
    fits = (m == p or 1 in (m, p)) and (n == q or 1 in (n, q))
    if fits:
        assert (A + B).shape == (max(m, p), max(n, q))
    else:
        assert_fails_cleanly(ValueError, rf"add: \({m}, {n}\) \+ \({p}, {q}\): shapes do not broadcast",
                             lambda: A + B, A, B)


def test_broadcast_to_refuses_a_smaller_or_incompatible_target():
    A = counted([[1.0, 2.0], [3.0, 4.0]])
    assert_fails_cleanly(ValueError, r"broadcast_to: \(2, 2\) to \(1, 2\): the target is smaller",
                         lambda: A.broadcast_to((1, 2)), A)
    assert_fails_cleanly(ValueError, r"broadcast_to: \(2, 2\) to \(2, 3\): shapes do not broadcast",
                         lambda: A.broadcast_to((2, 3)), A)


def test_reductions_refuse_an_unknown_axis():
    A = counted([[1.0, 2.0]])
    for axis in (2, -1, True, "0"):
        assert_fails_cleanly(ValueError, r"sum: axis must be None, 0 or 1", lambda axis=axis: A.sum(axis=axis), A)
    assert_fails_cleanly(ValueError, r"mean: axis must be None, 0 or 1", lambda: A.mean(axis=3), A)


def test_row_indexing_errors_name_the_row_and_shape():
    A = counted([[1.0, 2.0], [3.0, 4.0]])
    assert_fails_cleanly(IndexError, r"row 2 out of range for a matrix of shape \(2, 2\)", lambda: A[2], A)
    assert_fails_cleanly(IndexError, r"row -3 out of range", lambda: A[-3], A)
    assert_fails_cleanly(TypeError, r"index must be an int or a slice of rows, got 1.0", lambda: A[1.0], A)
    assert_fails_cleanly(ValueError, r"select_rows: no rows selected", lambda: A[5:], A)
    assert_fails_cleanly(IndexError, r"select_rows: row 7 out of range", lambda: A.select_rows([0, 7]), A)
    assert_fails_cleanly(ValueError, r"scatter_rows: 1 row numbers for a matrix of shape \(2, 2\)",
                         lambda: A.scatter_rows([0], 3), A)


# ---------------------------------------------------------------------------
# Domains: the offending entry is named
# ---------------------------------------------------------------------------

def test_domain_errors_name_the_op_the_value_and_the_entry():
    A = counted([[1.0, 2.0], [0.0, 4.0]])
    assert_fails_cleanly(ValueError, r"^log: input 0.0 is outside the domain .* \(at entry \(1, 0\) of a 2×2 matrix\)$",
                         A.log, A)
    N = counted([[1.0, -4.0]])
    assert_fails_cleanly(ValueError, r"sqrt: input -4.0 is outside the domain .* \(at entry \(0, 1\) of a 1×2 matrix\)",
                         N.sqrt, N)
    assert_fails_cleanly(ValueError, r"power: \(-4.0\) \*\* 0.5: a negative base needs an integer exponent .* \(0, 1\)",
                         lambda: N ** 0.5, N)
    assert_fails_cleanly(ZeroDivisionError, r"power: 0 \*\* -1.*entry \(1, 0\)", lambda: A ** -1, A)


def test_division_by_zero_names_the_entry_after_broadcasting():
    A, B = counted([[1.0, 2.0], [3.0, 4.0]]), counted([[1.0], [0.0]])
    assert_fails_cleanly(ZeroDivisionError, r"div: division by zero \(3.0 / 0.0\) \(at entry \(1, 0\) of a 2×2",
                         lambda: A / B, A, B)
    assert_fails_cleanly(ZeroDivisionError, r"div: division by zero", lambda: A / 0, A)


def test_anomaly_errors_leave_no_node_behind():
    A = counted([[1.0, 800.0]])
    with detect_anomaly():
        assert_fails_cleanly(AnomalyError, r"exp produced inf at entry \(0, 1\)", A.exp, A)


# ---------------------------------------------------------------------------
# Construction
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("rows, error, pattern", [
    ([[1.0, 2.0], [3.0]], ValueError, r"^Matrix: ragged rows: row 1 has 1 entries, row 0 has 2$"),
    ([[1.0], [2.0], [3.0, 4.0]], ValueError, r"ragged rows: row 2 has 2 entries, row 0 has 1"),
    ([], ValueError, r"Matrix: no rows"),
    ([[]], ValueError, r"Matrix: row 0 is empty"),
    ([[1.0], []], ValueError, r"Matrix: row 1 is empty"),
    ([[1.0, "2"]], TypeError, r"^Matrix: entry \(0, 1\) is '2' of type str, expected a real number"),
    ([[1.0, 2.0], [3.0, None]], TypeError, r"entry \(1, 1\) is None of type NoneType"),
    ([[True, 1.0]], TypeError, r"entry \(0, 0\) is True of type bool"),
    ([[1.0, [2.0]]], TypeError, r"entry \(0, 1\) is \[2.0\] of type list"),
    ([[1.0, 2.0j]], TypeError, r"entry \(0, 1\) is 2j of type complex"),
    ([[Value(1.0)]], TypeError, r"entry \(0, 0\) is Value\(data=1.0, grad=0.0\) of type Value"),
    ([1.0, 2.0], TypeError, r"row 0 is 1.0 of type float, expected a list of numbers \(a single row is written"),
    (["ab"], TypeError, r"row 0 is 'ab' of type str"),
    ("ab", TypeError, r"Matrix: expected a list of rows .* got str"),
    (3.0, TypeError, r"Matrix: expected a list of rows .* got float"),
])
def test_construction_rejects_bad_rows_naming_the_row_and_column(rows, error, pattern):
    with pytest.raises(error, match=pattern):
        Matrix(rows)


def test_construction_copies_the_rows_it_is_given():
    rows = [[1.0, 2.0]]
    A = Matrix(rows)
    rows[0][0] = 9.0
    assert A.data == [[1.0, 2.0]]


@pytest.mark.parametrize("call, error, pattern", [
    (lambda: Matrix.zeros(0, 3), ValueError, r"zeros: shape \(0, 3\): both dimensions must be at least 1"),
    (lambda: Matrix.ones(2, -1), ValueError, r"ones: shape \(2, -1\)"),
    (lambda: Matrix.eye(0), ValueError, r"eye: shape \(0, 0\)"),
    (lambda: Matrix.zeros(2.0, 3), TypeError, r"zeros: dimensions must be ints, got \(2.0, 3\)"),
    (lambda: Matrix.full(2, 2, "x"), TypeError, r"full: expected a real number"),
    (lambda: Matrix.randn(2, 2, random), TypeError, r"randn: rng must be a random.Random .* of type module"),
    (lambda: Matrix.randn(2, 2, 42), TypeError, r"randn: rng must be a random.Random"),
    (lambda: Matrix.randn(2, 2, random.Random(0), std=-1.0), ValueError, r"randn: std must be at least 0"),
    (lambda: Matrix.uniform(2, 2, random.Random(0), low=1.0, high=0.0), ValueError,
     r"uniform: low 1.0 is above high 0.0"),
    (lambda: Matrix.from_values([[Value(1.0), 2.0]]), TypeError,
     r"from_values: entry \(0, 1\) is 2.0, expected a Value"),
])
def test_constructors_reject_bad_arguments(call, error, pattern):
    with pytest.raises(error, match=pattern):
        call()


# ---------------------------------------------------------------------------
# Mixing types
# ---------------------------------------------------------------------------

def test_mixing_matrices_with_other_types_is_a_type_error_naming_the_op():
    A = counted([[1.0, 2.0]])
    assert_fails_cleanly(TypeError, r"add: expected a Matrix or a real number, got '1' of type str", lambda: A + "1", A)
    assert_fails_cleanly(TypeError, r"mul: expected a Matrix or a real number, got True of type bool",
                         lambda: A * True, A)
    assert_fails_cleanly(TypeError, r"matmul: \(1, 2\) @ list: both operands must be Matrix",
                         lambda: A @ [[1.0], [2.0]], A)
    assert_fails_cleanly(TypeError, r"matmul: list @ \(1, 2\)", lambda: [[1.0]] @ A, A)
    assert_fails_cleanly(TypeError, r"sub: expected a Matrix or a real number, got Value", lambda: A - Value(1.0), A)
    assert_fails_cleanly(TypeError, r"power: expected a real number", lambda: A ** True, A)


# ---------------------------------------------------------------------------
# backward and grad: nothing half-updated
# ---------------------------------------------------------------------------

def test_backward_needs_a_1x1_output_or_a_gradient_of_the_right_shape():
    A = counted([[1.0, 2.0], [3.0, 4.0]])
    Y = A * 2.0
    A.grad = [[7.0, 7.0], [7.0, 7.0]]
    assert_fails_cleanly(ValueError,
                         r"backward: the output has shape \(2, 2\); without a gradient argument it must be 1×1",
                         Y.backward, A, Y)
    assert_fails_cleanly(ValueError, r"backward: a gradient of shape \(1, 2\) for an output of shape \(2, 2\)",
                         lambda: Y.backward([[1.0, 1.0]]), A, Y)
    assert_fails_cleanly(ValueError, r"grad: the output has shape \(2, 2\)", lambda: grad(Y, [A]), A, Y)
    total = Y.sum()
    assert_fails_cleanly(TypeError, r"grad: every input must be a Matrix, got Value",
                         lambda: grad(total, [Value(1.0)]), A, total)


def test_a_failing_backward_changes_no_grad_anywhere():
    x = Matrix([[4.0, 0.0]])
    w = Matrix([[2.0, 3.0]])
    hidden = w * x
    loss = hidden.sqrt().sum()  # √′(0) = inf: detect_anomaly stops backward at the sqrt
    loss.backward()  # a first, successful backward (inf allowed without detect_anomaly)
    before = snapshot(x, w, hidden, loss)
    with detect_anomaly():
        with pytest.raises(AnomalyError, match=r"backward through sqrt gave the gradient inf at entry \(0, 1\) "
                                               r"for its input 0 of shape \(1, 2\)"):
            loss.backward()
    assert _same_with_nan(snapshot(x, w, hidden, loss), before)


def _same_with_nan(a, b) -> bool:
    """Equality of nested lists where nan equals nan (the first backward left inf·0 = nan in w.grad)."""
    if isinstance(a, float) and isinstance(b, float):
        return a == b or (math.isnan(a) and math.isnan(b))
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(_same_with_nan(p, q) for p, q in zip(a, b))
    return a == b


def test_the_grad_setter_checks_shape_and_entries():
    A = Matrix([[1.0, 2.0]])
    with pytest.raises(ValueError, match=r"grad: a gradient of shape \(2, 1\) for a matrix of shape \(1, 2\)"):
        A.grad = [[1.0], [2.0]]
    with pytest.raises(TypeError, match=r"grad: entry \(0, 0\) is 'a'"):
        A.grad = [["a", 1.0]]
    assert A.grad == [[0.0, 0.0]]


def test_item_refuses_a_matrix_with_more_than_one_number():
    with pytest.raises(ValueError, match=r"item: only a 1×1 matrix holds one number, this one has shape \(1, 2\)"):
        Matrix([[1.0, 2.0]]).item()


# ---------------------------------------------------------------------------
# Losses and Jacobians
# ---------------------------------------------------------------------------

def test_cross_entropy_checks_its_targets():
    logits = counted([[1.0, 2.0, 3.0], [0.0, 0.0, 0.0]])
    assert_fails_cleanly(ValueError, r"cross_entropy: 1 targets for 2 rows of logits \(2, 3\)",
                         lambda: cross_entropy(logits, [0]), logits)
    assert_fails_cleanly(ValueError, r"cross_entropy: target 3 of row 1 is not a class index 0..2",
                         lambda: cross_entropy(logits, [0, 3]), logits)
    assert_fails_cleanly(ValueError, r"target -1 of row 0", lambda: cross_entropy(logits, [-1, 0]), logits)
    assert_fails_cleanly(TypeError, r"cross_entropy: target 1.0 of row 0 is not a class index \(an int\)",
                         lambda: cross_entropy(logits, [1.0, 0]), logits)
    assert_fails_cleanly(TypeError, r"target True of row 1", lambda: cross_entropy(logits, [0, True]), logits)
    assert_fails_cleanly(ValueError, r"cross_entropy: reduction must be 'mean' or 'sum', got 'max'",
                         lambda: cross_entropy(logits, [0, 1], reduction="max"), logits)


def test_mse_and_binary_cross_entropy_refuse_shapes_that_would_silently_broadcast():
    prediction = counted([[1.0], [2.0]])
    assert_fails_cleanly(ValueError, r"mse: prediction \(2, 1\) and target \(1, 2\) differ in shape",
                         lambda: mse(prediction, [[1.0, 2.0]]), prediction)
    assert_fails_cleanly(ValueError, r"binary_cross_entropy_with_logits: prediction \(2, 1\) and target \(1, 2\)",
                         lambda: binary_cross_entropy_with_logits(prediction, [[1.0, 0.0]]), prediction)
    assert_fails_cleanly(ValueError, r"target 1.5 at entry \(1, 0\) is not in \[0, 1\]",
                         lambda: binary_cross_entropy_with_logits(prediction, [[1.0], [1.5]]), prediction)
    assert_fails_cleanly(TypeError, r"mse: the prediction must be a Matrix .* of type list",
                         lambda: mse([[1.0], [2.0]], prediction), prediction)


def test_logsumexp_of_a_row_of_minus_infinity_is_refused():
    from tinygrad_edu.losses import logsumexp
    with pytest.raises(ValueError, match=r"logsumexp: row 1 is all -inf"):
        logsumexp(Matrix([[0.0, 1.0], [-math.inf, -math.inf]]))


def test_jacobian_checks_what_f_returns_and_the_step():
    with pytest.raises(TypeError, match=r"jacobian: f must return a Matrix, got float"):
        jacobian(lambda x: 1.0, [[1.0]])
    with pytest.raises(TypeError, match=r"numeric_jacobian: f must return a Matrix, got list"):
        numeric_jacobian(lambda x: x.data, [[1.0]])
    with pytest.raises(ValueError, match=r"numeric_jacobian: the step h must be a finite number > 0, got 0.0"):
        numeric_jacobian(lambda x: x, [[1.0]], h=0.0)


def test_numeric_jacobian_refuses_a_function_whose_output_shape_jumps():
    def jumpy(X):
        return X if X.data[0][0] < 1.0 else X.T  # the shape changes as x crosses 1

    with pytest.raises(ValueError, match=r"f changed its output shape when x moved \(\(1, 2\) → \(2, 1\)\)"):
        numeric_jacobian(jumpy, [[1.0 - 1e-7, 0.0]])
