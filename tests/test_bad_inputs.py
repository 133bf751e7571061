"""The general rule, tested as such: every public entry point, given bad input, raises an
exception of a documented type whose message names the function and the offending value,
and changes nothing.

Each row of ``CASES`` is: the entry point, what is wrong with the input, the call (given a
fresh :class:`~bad_input_world.World` of graphs after backward, a trained model, optimisers
with momentum and moments, a checkpoint file), and the expected exception type and a regular
expression its message must match.  A row whose input is unusual but valid (a huge int, a
NumPy-like float, nan) expects a result instead, checked by a predicate.  For every row the
whole world is snapshot before and after the call and must be equal: no ``.grad``, parameter,
optimiser state, running statistic, file, random-generator state or mode flag moved, and no
node was made from the world's leaves.

The documented exception types: ``TypeError`` for a wrong type (bool counts as one: ``True +
True == 2`` is almost always a bug), ``ValueError`` for a wrong value, size or shape
(``StateDictError`` is one, for checkpoints), ``IndexError`` for a row or column out of range,
``ZeroDivisionError`` for a division by zero, ``RuntimeError`` for a missing optional program.

``python tests/test_bad_inputs.py`` prints the tally: per entry point, the inputs tried and
how each ended.
"""

from __future__ import annotations

import math
import random
import sys
from collections import namedtuple
from fractions import Fraction

import pytest

from bad_input_world import World
from numpy_like import NumpyLikeFloat
from tinygrad_edu import (
    Dual,
    DualMatrix,
    Expr,
    Matrix,
    Op,
    Value,
    binary_cross_entropy_with_logits,
    chain_rule,
    count_paths,
    cross_entropy,
    derivative,
    dot,
    expression,
    forward_gradient,
    grad,
    gradient_health,
    hvp,
    jacobian,
    jvp,
    largest_singular_value,
    layer_anatomy,
    log_softmax,
    logsumexp,
    manual_seed,
    mse,
    nn,
    numeric_jacobian,
    render_dot,
    reverse_gradient,
    sigmoid_chain,
    softmax,
    sum_of,
    symbolic_derivative,
    to_dot,
    to_text_tree,
)
from tinygrad_edu import notation, numeric, ops, plot, symbolic
from tinygrad_edu.anatomy import activation_derivative
from tinygrad_edu.nn import StateDictError, init

HUGE = 10 ** 400
NAN, INF = math.nan, math.inf

Case = namedtuple("Case", "entry bad call error pattern prepare")


def bad(entry: str, what: str, call, error, pattern: str, prepare=None) -> Case:
    """``call(world)`` must raise ``error`` with a message matching ``pattern``, and change nothing.
    ``prepare(world)``, run before the snapshot, sets up the bad state (a corrupted gradient, a file)."""
    return Case(entry, what, call, error, pattern, prepare)


def ok(entry: str, what: str, call, check) -> Case:
    """An unusual but valid input: ``check(call(world))`` must hold, and nothing else may change."""
    return Case(entry, what, call, None, check, None)


def tanh_op():
    return Op("mytanh", forward=math.tanh, derivative=lambda x, out: 1 - out * out)


CASES = [
    # -- dot and sum_of: one node for a sum --------------------------------------
    bad("dot", "weights and inputs of different lengths", lambda w: dot([w.x, w.y], [1.0]), ValueError,
        r"dot: needs as many weights as inputs, at least one; got 2 weights and 1 inputs"),
    bad("dot", "no terms at all", lambda w: dot([], [], w.x), ValueError, r"dot: needs as many weights as inputs, at least one; got 0"),
    bad("dot", "a str input", lambda w: dot([w.x], ["1"]), TypeError, r"dot: .*'1'"),
    bad("dot", "weights that are a number", lambda w: dot(3, [1.0]), TypeError, r"dot: weights must be a list of numbers or nodes, got 3"),
    ok("dot", "an int too large for a float: inf, as IEEE 754 rounds it", lambda w: dot([w.x], [HUGE], w.y),
       lambda r: r.data == INF),
    bad("sum_of", "no values", lambda w: sum_of([]), ValueError, r"sum_of: needs at least one value, got none"),
    bad("sum_of", "None among the values", lambda w: sum_of([w.x, None]), TypeError, r"sum_of: .*None"),
    bad("sum_of", "a str instead of a list", lambda w: sum_of("12"), TypeError, r"sum_of: values must be a list of numbers or nodes, got '12'"),
    # -- Value ------------------------------------------------------------------
    bad("Value", "a str", lambda w: Value("1"), TypeError, r"Value: expected a real number .*got '1' of type str"),
    bad("Value", "a bool", lambda w: Value(True), TypeError, r"Value: expected a real number .*got True of type bool"),
    bad("Value", "None", lambda w: Value(None), TypeError, r"Value: .*got None"),
    bad("Value", "a list", lambda w: Value([1.0]), TypeError, r"Value: .*got \[1.0\] of type list"),
    bad("Value", "a complex number", lambda w: Value(1j), TypeError, r"Value: .*got 1j of type complex"),
    bad("Value", "a label that is not a str", lambda w: Value(1.0, label=3), TypeError, r"Value: label must be a str, got 3"),
    ok("Value", "an int beyond float range", lambda w: Value(HUGE).data, lambda r: r == INF),
    ok("Value", "a NumPy-like float", lambda w: Value(NumpyLikeFloat(2.5)).data, lambda r: type(r) is float and r == 2.5),
    ok("Value", "nan", lambda w: Value(NAN).data, math.isnan),
    bad("Value +", "a str", lambda w: w.x + "a", TypeError, r"add: expected a real number .*got 'a'"),
    bad("Value +", "a bool", lambda w: w.x + True, TypeError, r"add: .*got True of type bool"),
    bad("Value *", "None", lambda w: None * w.x, TypeError, r"mul: .*got None"),
    bad("Value *", "a Matrix", lambda w: w.x * w.A, TypeError, r"mul: expected a real number .*got Matrix"),
    ok("Value *", "an int beyond float range", lambda w: (Value(2.0) * HUGE).data, lambda r: r == INF),
    bad("Value /", "zero", lambda w: w.x / 0, ZeroDivisionError, r"div: division by zero \(0.5 / 0\)"),
    bad("Value /", "a Value that is zero", lambda w: w.x / w.zero, ZeroDivisionError, r"div: division by zero"),
    bad("Value **", "a str exponent", lambda w: w.x ** "2", TypeError, r"pow: expected a real number .*got '2'"),
    bad("Value **", "a bool exponent", lambda w: w.x ** True, TypeError, r"power: .*got True"),
    bad("Value **", "0 to a negative power", lambda w: w.zero ** -1, ZeroDivisionError, r"power: 0 \*\* -1"),
    bad("Value **", "a negative base, fractional exponent", lambda w: w.y ** 0.5, ValueError,
        r"power: \(-1.5\) \*\* 0.5: a negative base needs an integer exponent"),
    bad("Value **", "a negative base under a Value exponent", lambda w: w.y ** w.x, ValueError,
        r"pow: input -1.5 is outside the domain \[0, ∞\)"),
    bad("Value **", "0 to the power of a Value that is 0", lambda w: w.zero ** w.zero, ValueError,
        r"pow: 0 \*\* 0 with a differentiable exponent"),
    bad("Value **", "0 to the power of a negative Value", lambda w: w.zero ** w.y, ZeroDivisionError,
        r"pow: 0 \*\* -1.5: zero cannot be raised to a negative power"),
    ok("Value **", "0 to the power of a positive Value", lambda w: (w.zero ** w.x).data, lambda r: r == 0.0),
    bad("Value %", "zero", lambda w: w.x % 0, ZeroDivisionError, r"mod: modulo by zero \(0.5 % 0\)"),
    bad("Value %", "a Value that is zero", lambda w: w.y % w.zero, ZeroDivisionError, r"mod: modulo by zero \(-1.5 % 0.0\)"),
    bad("Value %", "a str", lambda w: w.x % "2", TypeError, r"mod: expected a real number .*got '2'"),
    ok("Value %", "a negative number, Python's sign of the divisor", lambda w: (w.y % 1.0).data, lambda r: r == 0.5),
    bad("Value.asin", "a number below −1", lambda w: w.y.asin(), ValueError, r"asin: input -1.5 is outside the domain \[-1, 1\]"),
    bad("Value.acos", "a number below −1", lambda w: w.y.acos(), ValueError, r"acos: input -1.5 is outside the domain \[-1, 1\]"),
    bad("Value.atan2", "the origin", lambda w: w.zero.atan2(0.0), ValueError, r"atan2\(0, 0\): the point \(0, 0\) has no direction"),
    bad("Value.atan2", "None", lambda w: w.x.atan2(None), TypeError, r"atan2: .*got None"),
    bad("hvp", "a vector of the wrong length", lambda w: hvp(lambda a, b: a * b, [1.0, 2.0], [1.0]), ValueError,
        r"hvp: 2 inputs but a vector of 1"),
    bad("hvp", "f that is not a function", lambda w: hvp(3.0, [1.0], [1.0]), TypeError, r"hvp: f must be a function"),
    bad("Value.backward", "create_graph that is not a bool", lambda w: w.z.backward(create_graph="yes"), TypeError,
        r"backward: create_graph must be True or False, got 'yes'"),
    bad("DualMatrix", "a tangent of another shape", lambda w: DualMatrix([[1.0, 2.0]], [[1.0], [2.0]]), ValueError,
        r"DualMatrix: a tangent of shape \(2, 1\) for a matrix of shape \(1, 2\)"),
    bad("DualMatrix", "a str tangent", lambda w: DualMatrix([[1.0]], "1"), TypeError, r"DualMatrix: tangent: expected a list of rows"),
    bad("jvp", "two matrices and one tangent", lambda w: jvp(lambda a, b: a @ b, [w.A, w.B], [[[1.0, 0.0], [0.0, 0.0]]]),
        ValueError, r"jvp: 2 inputs but 1 tangents"),
    bad("jacobian", "create_graph at a list of rows", lambda w: jacobian(lambda v: v, [[1.0]], create_graph=True),
        TypeError, r"jacobian: create_graph=True needs x as a Matrix"),
    bad("Value <", "a str", lambda w: w.x < "a", TypeError, r"<: compares a node with a node or a real number, got 'a'"),
    bad("Value >=", "a Matrix of two entries", lambda w: w.x >= Matrix([[1.0, 2.0]]), ValueError,
        r">=: compares the number of a 1×1 matrix \(a loss\); this one has shape \(1, 2\)"),
    ok("Value <", "a number, either side", lambda w: (w.x < 1, 1 > w.x, w.x < w.y), lambda r: r == (True, True, False)),
    ok("Value.floor", "inf", lambda w: Value(INF).floor().data, lambda r: r == INF),
    ok("Value.sign", "nan", lambda w: Value(NAN).sign().data, math.isnan),
    ok("Value **", "an exponent beyond float range", lambda w: (Value(0.5) ** HUGE).data, lambda r: r == 0.0),
    bad("Value.log", "zero", lambda w: w.zero.log(), ValueError, r"log: input 0.0 is outside the domain \(0, ∞\)"),
    bad("Value.sqrt", "a negative number", lambda w: w.y.sqrt(), ValueError, r"sqrt: input -1.5 is outside the domain \[0, ∞\)"),
    bad("Value.leaky_relu", "a str slope", lambda w: w.y.leaky_relu("0.1"), TypeError, r"leaky_relu: .*got '0.1'"),
    bad("Value.leaky_relu", "a bool slope", lambda w: w.y.leaky_relu(False), TypeError, r"leaky_relu: .*got False"),
    bad("Value @", "a Value", lambda w: w.x @ w.y, TypeError, r"unsupported operand type\(s\) for @: 'CountedValue'"),
    bad("Value.backward", "a str seed", lambda w: w.z.backward("1"), TypeError, r"backward: expected a real number .*got '1'"),
    bad("Value.backward", "a bool seed", lambda w: w.z.backward(True), TypeError, r"backward: .*got True"),
    # -- Op and Value.apply -----------------------------------------------------------
    bad("Op", "a name that is not a str", lambda w: Op(3, forward=abs, derivative=abs), TypeError, r"Op: the name must be a non-empty str, got 3"),
    bad("Op", "a forward rule that is not a function", lambda w: Op("f", forward=3.0, derivative=abs), TypeError,
        r"Op: forward must be a function, got 3.0"),
    bad("Op", "an arity of 0", lambda w: Op("f", forward=abs, derivative=abs, arity=0), ValueError, r"Op: arity must be 1 or more, got 0"),
    bad("Op", "a domain of the wrong length", lambda w: Op("f", forward=abs, derivative=abs, domain=(ops.REALS, ops.REALS)),
        ValueError, r"Op f: 2 domain intervals for 1 input"),
    bad("Op", "a domain that is not Intervals", lambda w: Op("f", forward=abs, derivative=abs, domain=((0, 1),)),
        ValueError, r"Op f: 1 domain intervals for 1 input \(one Interval per input\)"),
    bad("Op", "an unknown layout", lambda w: Op("f", forward=abs, derivative=abs, layout="sideways"),
        ValueError, r"Op f: layout must be one of call, infix, prefix, radical, power, bars, dot, sum, got 'sideways'"),
    bad("Op call", "a str", lambda w: tanh_op()("a"), TypeError, r"mytanh: expected a real number .*got 'a'"),
    bad("Value.apply", "an op that is not an Op", lambda w: Value.apply("tanh", (w.x,)), TypeError,
        r"Value.apply: expected an Op .*got 'tanh'"),
    bad("Value.apply", "the wrong number of inputs", lambda w: Value.apply(tanh_op(), (w.x, w.y)), ValueError,
        r"mytanh: takes 1 input, got 2"),
    # -- Dual, forward mode ---------------------------------------------------------
    bad("Dual", "a str value", lambda w: Dual("1"), TypeError, r"Dual: expected a real number .*got '1'"),
    bad("Dual", "a None tangent", lambda w: Dual(1.0, None), TypeError, r"Dual: .*got None"),
    bad("Dual", "a bool tangent", lambda w: Dual(1.0, True), TypeError, r"Dual: .*got True"),
    ok("Dual", "an int beyond float range", lambda w: Dual(HUGE).data, lambda r: r == INF),
    bad("Dual /", "zero", lambda w: Dual(1.0, 1.0) / 0, ZeroDivisionError, r"div: division by zero"),
    bad("jvp", "a function that is not callable", lambda w: jvp(3, [1.0], [1.0]), TypeError, r"jvp: f must be a function, got 3"),
    bad("jvp", "inputs and tangents of different lengths", lambda w: jvp(lambda a: a, [1.0], [1.0, 0.0]), ValueError,
        r"jvp: 1 inputs but 2 tangents"),
    bad("jvp", "a str input", lambda w: jvp(lambda a: a, ["1"], [1.0]), TypeError, r"jvp: input 0 is '1', not a real number"),
    bad("jvp", "inputs that are not a list", lambda w: jvp(lambda a: a, 1.0, [1.0]), TypeError,
        r"jvp: inputs must be a list of numbers, got 1.0"),
    bad("forward_gradient", "a str input", lambda w: forward_gradient(lambda a: a, ["x"]), TypeError,
        r"forward_gradient: input 0 is 'x', not a real number"),
    bad("forward_gradient", "a number instead of a list", lambda w: forward_gradient(lambda a: a, 2.0), TypeError,
        r"forward_gradient: inputs must be a list of numbers, got 2.0"),
    bad("reverse_gradient", "a str input", lambda w: reverse_gradient(lambda a: a, ["x"]), TypeError,
        r"reverse_gradient: input 0 is 'x', not a real number"),
    bad("reverse_gradient", "a function that is not callable", lambda w: reverse_gradient(None, [1.0]), TypeError,
        r"reverse_gradient: f must be a function, got None"),
    ok("reverse_gradient", "a function that ignores its input", lambda w: reverse_gradient(lambda a: 2.0, [1.0]),
       lambda r: r == [0.0]),
    # -- grad, derivative -----------------------------------------------------------
    bad("grad", "an output that is a str", lambda w: grad("y", [w.x]), TypeError, r"grad: output must be a Value, a Matrix or a number, got 'y'"),
    bad("grad", "inputs that are a number", lambda w: grad(w.z, 3), TypeError, r"grad: inputs must be a Value, a Matrix or a list of them, got 3"),
    bad("grad", "an input that is a number", lambda w: grad(w.z, [w.x, 2.0]), TypeError, r"grad: every input must be a Value, got 2.0"),
    bad("grad", "a Value input to a Matrix output", lambda w: grad(w.C, [w.x]), TypeError, r"grad: every input must be a Matrix, got CountedValue"),
    bad("grad", "a str grad_output", lambda w: grad(w.z, [w.x], grad_output="1"), TypeError, r"grad: expected a real number .*got '1'"),
    bad("grad", "a matrix output that is not 1×1", lambda w: grad(w.AB, [w.A]), ValueError,
        r"grad: the output has shape \(2, 1\); without a gradient argument it must be 1×1"),
    bad("grad", "a grad_output of the wrong shape", lambda w: grad(w.AB, [w.A], grad_output=[[1.0]]), ValueError,
        r"grad: a gradient of shape \(1, 1\) for an output of shape \(2, 1\)"),
    bad("grad", "create_graph that is not a bool", lambda w: grad(w.z, [w.x], create_graph="yes"), TypeError,
        r"grad: create_graph must be True or False, got 'yes'"),
    ok("grad", "a single Value instead of a list", lambda w: grad(w.z, w.x), lambda r: len(r) == 1 and r[0] == w_grad_x()),
    ok("grad", "a constant output", lambda w: grad(3.0, [w.x, w.y]), lambda r: r == [0.0, 0.0]),
    bad("derivative", "an order of 0", lambda w: derivative(lambda t: t, 1.0, order=0), ValueError, r"derivative: order must be at least 1, got 0"),
    bad("derivative", "a bool order", lambda w: derivative(lambda t: t, 1.0, order=True), TypeError, r"derivative: order must be an int, got True"),
    bad("derivative", "a str point", lambda w: derivative(lambda t: t, "1"), TypeError, r"derivative: expected a real number .*got '1'"),
    bad("derivative", "a function that is not callable", lambda w: derivative(2, 1.0), TypeError, r"derivative: f must be a function of one Value, got 2"),
    # -- Matrix: construction --------------------------------------------------------
    bad("Matrix", "a str", lambda w: Matrix("abc"), TypeError, r"Matrix: expected a list of rows .*got str"),
    bad("Matrix", "no rows", lambda w: Matrix([]), ValueError, r"Matrix: no rows"),
    bad("Matrix", "an empty row", lambda w: Matrix([[]]), ValueError, r"Matrix: row 0 is empty"),
    bad("Matrix", "a flat list", lambda w: Matrix([1.0, 2.0]), TypeError, r"Matrix: row 0 is 1.0 of type float, expected a list of numbers \(a single row is written \[\[1.0, 2.0\]\]\)"),
    bad("Matrix", "ragged rows", lambda w: Matrix([[1.0], [1.0, 2.0]]), ValueError, r"Matrix: ragged rows: row 1 has 2 entries, row 0 has 1"),
    bad("Matrix", "a str entry", lambda w: Matrix([[1.0, "2"]]), TypeError, r"Matrix: entry \(0, 1\) is '2' of type str"),
    bad("Matrix", "a bool entry", lambda w: Matrix([[True]]), TypeError, r"Matrix: entry \(0, 0\) is True of type bool"),
    bad("Matrix", "a None entry", lambda w: Matrix([[None]]), TypeError, r"Matrix: entry \(0, 0\) is None"),
    bad("Matrix", "requires_grad that is not a bool", lambda w: Matrix([[1.0]], requires_grad="no"), TypeError,
        r"Matrix: requires_grad must be True or False, got 'no'"),
    bad("Matrix", "a label that is not a str", lambda w: Matrix([[1.0]], label=1), TypeError, r"Matrix: label must be a str, got 1"),
    ok("Matrix", "an int beyond float range", lambda w: Matrix([[HUGE, -HUGE]]).data, lambda r: r == [[INF, -INF]]),
    ok("Matrix", "NumPy-like floats", lambda w: Matrix([[NumpyLikeFloat(1.5)]]).data, lambda r: type(r[0][0]) is float),
    ok("Matrix", "nan and inf entries", lambda w: Matrix([[NAN, INF]]).data, lambda r: math.isnan(r[0][0]) and r[0][1] == INF),
    bad("Matrix.full", "a negative size", lambda w: Matrix.full(-1, 2, 0.0), ValueError, r"full: shape \(-1, 2\): both dimensions must be at least 1"),
    bad("Matrix.full", "a float size", lambda w: Matrix.full(2.0, 2, 0.0), TypeError, r"full: dimensions must be ints, got \(2.0, 2\)"),
    bad("Matrix.full", "a bool size", lambda w: Matrix.full(True, 2, 0.0), TypeError, r"full: dimensions must be ints, got \(True, 2\)"),
    bad("Matrix.full", "a str value", lambda w: Matrix.full(2, 2, "0"), TypeError, r"full: expected a real number .*got '0'"),
    bad("Matrix.zeros", "a huge size", lambda w: Matrix.zeros(10 ** 12, 10 ** 12), ValueError,
        r"zeros: shape \(1000000000000, 1000000000000\) has 10\^24 entries"),
    bad("Matrix.ones", "zero rows", lambda w: Matrix.ones(0, 3), ValueError, r"ones: shape \(0, 3\)"),
    bad("Matrix.eye", "a str size", lambda w: Matrix.eye("3"), TypeError, r"eye: dimensions must be ints, got \('3', '3'\)"),
    bad("Matrix.randn", "an int for rng", lambda w: Matrix.randn(2, 2, 42), TypeError, r"randn: rng must be a random.Random .*got 42 of type int"),
    bad("Matrix.randn", "a negative std", lambda w: Matrix.randn(2, 2, std=-1.0), ValueError, r"randn: std must be at least 0, got -1.0"),
    bad("Matrix.randn", "a nan std", lambda w: Matrix.randn(2, 2, std=NAN), ValueError, r"randn: std must be a finite number, got nan"),
    bad("Matrix.randn", "an infinite mean", lambda w: Matrix.randn(2, 2, mean=INF), ValueError, r"randn: mean must be a finite number, got inf"),
    bad("Matrix.uniform", "low above high", lambda w: Matrix.uniform(2, 2, low=1.0, high=0.0), ValueError, r"uniform: low 1.0 is above high 0.0"),
    bad("Matrix.uniform", "a str bound", lambda w: Matrix.uniform(2, 2, low="0"), TypeError, r"uniform: expected a real number .*got '0'"),
    bad("Matrix.from_values", "numbers instead of Values", lambda w: Matrix.from_values([[1.0]]), TypeError,
        r"from_values: entry \(0, 0\) is 1.0, expected a Value"),
    bad("Matrix.from_values", "a str", lambda w: Matrix.from_values("x"), TypeError, r"from_values: expected a list of rows"),
    # -- Matrix: operations --------------------------------------------------------
    bad("Matrix @", "a number", lambda w: w.A @ 3, TypeError, r"matmul: \(2, 2\) @ int: both operands must be Matrix"),
    bad("Matrix @", "a number on the left", lambda w: 3 @ w.A, TypeError, r"matmul: int @ \(2, 2\): both operands must be Matrix"),
    bad("Matrix @", "inner dimensions that differ", lambda w: w.B @ w.A, ValueError, r"matmul: \(2, 1\) @ \(2, 2\): inner dimensions 1 and 2 differ"),
    bad("Matrix +", "a str", lambda w: w.A + "1", TypeError, r"add: expected a Matrix or a real number, got '1' of type str"),
    bad("Matrix +", "a bool", lambda w: w.A + True, TypeError, r"add: expected a Matrix or a real number, got True"),
    bad("Matrix +", "a list of rows", lambda w: w.A + [[1.0, 2.0]], TypeError, r"add: expected a Matrix or a real number, got \[\[1.0, 2.0\]\]"),
    bad("Matrix +", "shapes that do not broadcast", lambda w: w.A + Matrix.ones(3, 3), ValueError,
        r"add: \(2, 2\) \+ \(3, 3\): shapes do not broadcast"),
    bad("Matrix /", "zero", lambda w: w.A / 0, ZeroDivisionError, r"div: division by zero \(1.0 / 0.0\) \(at entry \(0, 0\)"),
    bad("Matrix /", "a matrix with a zero entry", lambda w: w.A / Matrix([[1.0, 0.0]]), ZeroDivisionError,
        r"div: division by zero \(2.0 / 0.0\) \(at entry \(0, 1\) of a 2×2 matrix\)"),
    bad("Matrix **", "0 to a negative power", lambda w: w.N ** -1, ZeroDivisionError, r"power: 0 \*\* -1: .*\(at entry \(0, 1\)"),
    bad("Matrix %", "a matrix with a zero entry", lambda w: w.A % w.N, ZeroDivisionError,
        r"mod: modulo by zero \(2.0 % 0.0\) \(at entry \(0, 1\)"),
    bad("Matrix.asin", "an entry above 1", lambda w: w.A.asin(), ValueError,
        r"asin: input 2.0 is outside the domain \[-1, 1\] \(at entry \(0, 1\)"),
    bad("Matrix.atan2", "the origin in one entry", lambda w: w.N.atan2(Matrix.zeros(1, 2)), ValueError,
        r"atan2\(0, 0\): .* \(at entry \(0, 1\)"),
    bad("Matrix **", "create_graph through a zero base", lambda w: grad(w.P, [w.A], create_graph=True),
        NotImplementedError, r"pow: create_graph at entry \(0, 0\) = 0.0 of input 0",
        prepare=lambda w: setattr(w, "P", (w.N.relu() ** w.A).sum())),
    bad("Matrix.log", "a negative entry", lambda w: w.N.log(), ValueError, r"log: input -1.0 is outside the domain \(0, ∞\) \(at entry \(0, 0\)"),
    bad("Matrix.leaky_relu", "a str slope", lambda w: w.A.leaky_relu("a"), TypeError, r"leaky_relu: expected a real number .*got 'a'"),
    ok("Matrix *", "a NumPy-like float", lambda w: (w.A * NumpyLikeFloat(2.0)).data, lambda r: type(r[0][0]) is float and r[1][1] == 8.0),
    bad("Matrix.sum", "axis 2", lambda w: w.A.sum(axis=2), ValueError, r"sum: axis must be None, 0 or 1, got 2"),
    bad("Matrix.sum", "a bool axis", lambda w: w.A.sum(axis=True), ValueError, r"sum: axis must be None, 0 or 1, got True"),
    bad("Matrix.mean", "a str axis", lambda w: w.A.mean(axis="0"), ValueError, r"mean: axis must be None, 0 or 1, got '0'"),
    bad("Matrix.item", "a 2×2 matrix", lambda w: w.A.item(), ValueError, r"item: only a 1×1 matrix holds one number, this one has shape \(2, 2\)"),
    bad("Matrix.broadcast_to", "a smaller shape", lambda w: w.A.broadcast_to((1, 1)), ValueError, r"broadcast_to: \(2, 2\) to \(1, 1\)"),
    bad("Matrix.broadcast_to", "a number for a shape", lambda w: w.A.broadcast_to(3), TypeError,
        r"broadcast_to: shape must be a pair \(rows, columns\), got 3"),
    bad("Matrix.select_rows", "no rows", lambda w: w.A.select_rows([]), ValueError, r"select_rows: no rows selected"),
    bad("Matrix.select_rows", "a row out of range", lambda w: w.A.select_rows([0, 7]), IndexError, r"select_rows: row 7 out of range"),
    bad("Matrix.select_rows", "a float row number", lambda w: w.A.select_rows([1.0]), TypeError, r"select_rows: row index 1.0 is not an int"),
    bad("Matrix.select_rows", "a number instead of a list", lambda w: w.A.select_rows(1), TypeError,
        r"select_rows: expected a list of row numbers, got 1"),
    bad("Matrix.scatter_rows", "a negative row count", lambda w: w.A.scatter_rows([0, 1], -1), ValueError, r"scatter_rows: shape \(-1, 2\)"),
    bad("Matrix.gather_columns", "a column out of range", lambda w: w.A.gather_columns([0, 2]), IndexError,
        r"gather_columns: column 2 of row 1 is out of range for 2 columns"),
    bad("Matrix.gather_columns", "one index too few", lambda w: w.A.gather_columns([0]), ValueError,
        r"gather_columns: 1 column numbers for a matrix of 2 rows"),
    bad("Matrix.gather_columns", "a bool index", lambda w: w.A.gather_columns([True, 0]), TypeError,
        r"gather_columns: the column number of row 0 is True, not an int"),
    bad("Matrix.scatter_columns", "a matrix that is not a column", lambda w: w.A.scatter_columns([0, 1], 2), ValueError,
        r"scatter_columns: expected an m×1 column, got shape \(2, 2\)"),
    bad("Matrix[]", "a row out of range", lambda w: w.A[2], IndexError, r"Matrix: row 2 out of range for a matrix of shape \(2, 2\)"),
    bad("Matrix[]", "a str", lambda w: w.A["0"], TypeError, r"Matrix index must be an int or a slice of rows, got '0'"),
    bad("Matrix[]", "a slice with step 0", lambda w: w.A[::0], ValueError, r"Matrix: slice step cannot be zero"),
    bad("Matrix.backward", "a str gradient", lambda w: w.C.backward("1"), TypeError, r"backward: expected a list of rows .*got str"),
    bad("Matrix.backward", "a non-1×1 output without a gradient", lambda w: w.AB.backward(), ValueError,
        r"backward: the output has shape \(2, 1\); without a gradient argument it must be 1×1"),
    bad("Matrix.backward", "a gradient of the wrong shape", lambda w: w.AB.backward([[1.0, 2.0]]), ValueError,
        r"backward: a gradient of shape \(1, 2\) for an output of shape \(2, 1\)"),
    bad("Matrix.gradients", "a Value input", lambda w: w.C.gradients([w.x]), TypeError, r"grad: every input must be a Matrix, got CountedValue"),
    bad("Matrix.grad =", "the wrong shape", lambda w: setattr(w.A, "grad", [[1.0]]), ValueError,
        r"grad: a gradient of shape \(1, 1\) for a matrix of shape \(2, 2\)"),
    bad("Matrix.grad =", "a str", lambda w: setattr(w.A, "grad", "g"), TypeError, r"grad: expected a list of rows"),
    # -- losses and softmax ---------------------------------------------------------
    bad("cross_entropy", "a bare int label", lambda w: cross_entropy(Matrix([[1.0, 2.0]]), 1), TypeError,
        r"cross_entropy: targets must be a list of class indices, one per row, got 1 of type int \(for one row write \[1\]\)"),
    bad("cross_entropy", "list-of-lists logits", lambda w: cross_entropy([[1.0, 2.0]], [0]), TypeError,
        r"cross_entropy: logits must be a Matrix .*got \[\[1.0, 2.0\]\] of type list"),
    bad("cross_entropy", "a float label", lambda w: cross_entropy(w.A, [0, 1.0]), TypeError, r"cross_entropy: target 1.0 of row 1 is not a class index"),
    bad("cross_entropy", "a bool label", lambda w: cross_entropy(w.A, [True, 0]), TypeError, r"cross_entropy: target True of row 0"),
    bad("cross_entropy", "a label out of range", lambda w: cross_entropy(w.A, [0, 2]), ValueError, r"cross_entropy: target 2 of row 1 is not a class index 0..1"),
    bad("cross_entropy", "too few labels", lambda w: cross_entropy(w.A, [0]), ValueError, r"cross_entropy: 1 targets for 2 rows of logits \(2, 2\)"),
    bad("cross_entropy", "an unknown reduction", lambda w: cross_entropy(w.A, [0, 1], reduction="avg"), ValueError,
        r"cross_entropy: reduction must be 'mean' or 'sum', got 'avg'"),
    bad("cross_entropy", "a +inf logit", lambda w: cross_entropy(Matrix([[INF, 0.0]]), [0]), ValueError,
        r"cross_entropy: row 0 has the entry \+inf \(column 0\)"),
    bad("cross_entropy", "a row of all -inf", lambda w: cross_entropy(Matrix([[-INF, -INF]]), [0]), ValueError,
        r"cross_entropy: row 0 is all -inf, and ln 0 is not finite"),
    ok("cross_entropy", "a -inf logit of another class", lambda w: cross_entropy(Matrix([[0.0, -INF]]), [0]).item(), lambda r: r == 0.0),
    ok("cross_entropy", "logits 2e308 apart", lambda w: cross_entropy(Matrix([[1e308, -1e308]]), [0]).item(), lambda r: r == 0.0),
    ok("cross_entropy", "a nan logit", lambda w: cross_entropy(Matrix([[NAN, 0.0]]), [1]).item(), math.isnan),
    bad("binary_cross_entropy_with_logits", "a target above 1", lambda w: binary_cross_entropy_with_logits(w.B, [[2.0], [0.0]]), ValueError,
        r"binary_cross_entropy_with_logits: target 2.0 at entry \(0, 0\) is not in \[0, 1\]"),
    bad("binary_cross_entropy_with_logits", "targets of another shape", lambda w: binary_cross_entropy_with_logits(w.B, [[1.0, 0.0]]), ValueError,
        r"binary_cross_entropy_with_logits: prediction \(2, 1\) and target \(1, 2\) differ in shape"),
    bad("binary_cross_entropy_with_logits", "a str target", lambda w: binary_cross_entropy_with_logits(w.B, "1"), TypeError,
        r"binary_cross_entropy_with_logits: the target: expected a list of rows"),
    ok("binary_cross_entropy_with_logits", "an infinite logit", lambda w: binary_cross_entropy_with_logits(Matrix([[INF]]), [[1.0]]).item(),
       lambda r: r == 0.0),
    bad("mse", "a list prediction", lambda w: mse([[1.0]], [[1.0]]), TypeError, r"mse: the prediction must be a Matrix"),
    bad("mse", "a target of another shape", lambda w: mse(w.B, [[1.0, 2.0]]), ValueError, r"mse: prediction \(2, 1\) and target \(1, 2\) differ in shape"),
    bad("mse", "a bool in the target", lambda w: mse(w.B, [[True], [1.0]]), TypeError, r"mse: the target: entry \(0, 0\) is True"),
    bad("softmax", "a list", lambda w: softmax([[1.0]]), TypeError, r"softmax: the input must be a Matrix"),
    bad("log_softmax", "a +inf entry", lambda w: log_softmax(Matrix([[0.0, INF]])), ValueError, r"log_softmax: row 0 has the entry \+inf \(column 1\)"),
    bad("logsumexp", "a Value", lambda w: logsumexp(w.x), TypeError, r"logsumexp: the input must be a Matrix .*of type CountedValue"),
    # -- jacobian, numeric ------------------------------------------------------------
    bad("jacobian", "a function that is not callable", lambda w: jacobian(3, [[1.0]]), TypeError, r"jacobian: f must be a function, got 3"),
    bad("jacobian", "a str point", lambda w: jacobian(lambda v: v, "x"), TypeError, r"jacobian: x: expected a list of rows"),
    bad("jacobian", "a function returning a number", lambda w: jacobian(lambda v: 1.0, [[1.0]]), TypeError, r"jacobian: f must return a Matrix, got float"),
    bad("numeric_jacobian", "a negative step", lambda w: numeric_jacobian(lambda v: v, [[1.0]], h=-1.0), ValueError,
        r"numeric_jacobian: the step h must be a finite number > 0, got -1.0"),
    bad("numeric_jacobian", "a str step", lambda w: numeric_jacobian(lambda v: v, [[1.0]], h="1"), TypeError, r"numeric_jacobian: expected a real number .*got '1'"),
    bad("numeric_jacobian", "a ragged point", lambda w: numeric_jacobian(lambda v: v, [[1.0], [1.0, 2.0]]), ValueError,
        r"numeric_jacobian: x: ragged rows"),
    bad("numeric.central_difference", "a zero step", lambda w: numeric.central_difference(math.sin, 0.0, h=0.0), ValueError,
        r"central_difference: the step h must be a finite number > 0, got 0.0"),
    bad("numeric.central_difference", "a str point", lambda w: numeric.central_difference(math.sin, "0"), TypeError,
        r"central_difference: expected a real number .*got '0'"),
    bad("numeric.central_difference", "a function that is not callable", lambda w: numeric.central_difference(0, 1.0), TypeError,
        r"central_difference: f must be a function, got 0"),
    bad("numeric.complex_step", "a nan step", lambda w: numeric.complex_step(math.sin, 0.0, h=NAN), ValueError,
        r"complex_step: the step h must be a finite number > 0, got nan"),
    bad("numeric.default_step", "a str", lambda w: numeric.default_step("1"), TypeError, r"default_step: expected a real number .*got '1'"),
    bad("numeric.partial_difference", "an index out of range", lambda w: numeric.partial_difference(lambda a: a, [1.0], 3), IndexError,
        r"partial_difference: input 3 out of range for 1 inputs"),
    bad("numeric.numeric_gradient", "a str input", lambda w: numeric.numeric_gradient(lambda a: a, ["1"]), TypeError,
        r"numeric_gradient: input 0 is '1', not a real number"),
    bad("numeric.gradcheck", "a str input", lambda w: numeric.gradcheck(lambda a: a, ["1"]), TypeError, r"gradcheck: input 0 is '1', not a real number"),
    bad("numeric.gradcheck", "a negative tolerance", lambda w: numeric.gradcheck(lambda a: a, [1.0], rel_tol=-1.0), ValueError,
        r"gradcheck: rel_tol must be a finite number >= 0, got -1.0"),
    bad("numeric.gradcheck", "a function that is not callable", lambda w: numeric.gradcheck("f", [1.0]), TypeError,
        r"gradcheck: f must be a function, got 'f'"),
    ok("numeric.gradcheck", "a function that ignores its input", lambda w: numeric.gradcheck(lambda a: 3.0, [1.0]).ok, lambda r: r is True),
    bad("numeric.evaluate", "a str input", lambda w: numeric.evaluate(lambda a: a, ["1"]), TypeError, r"evaluate: input 0 is '1', not a real number"),
    # -- explain ------------------------------------------------------------------
    bad("chain_rule", "a number for the output", lambda w: chain_rule(1.0, w.x), TypeError, r"chain_rule: output and wrt must be Values, got float and CountedValue"),
    bad("chain_rule", "a negative max_paths", lambda w: chain_rule(w.z, w.x, max_paths=-1), ValueError, r"chain_rule: max_paths must be a whole number >= 0, got -1"),
    bad("chain_rule", "a bool max_paths", lambda w: chain_rule(w.z, w.x, max_paths=True), ValueError, r"chain_rule: max_paths must be a whole number >= 0, got True"),
    bad("chain_rule", "simplify that is not a bool", lambda w: chain_rule(w.z, w.x, simplify="no"), TypeError,
        r"chain_rule: simplify must be True or False, got 'no'"),
    bad("count_paths", "a number for the output", lambda w: count_paths(3.0, w.x), TypeError, r"count_paths: output and wrt must be Values or Matrices, got float and CountedValue"),
    bad("sigmoid_chain", "more weights than biases", lambda w: sigmoid_chain([1.0, 2.0], [0.0]), ValueError,
        r"sigmoid_chain: need one bias per weight and at least one layer, got 2 weights and 1 biases"),
    bad("sigmoid_chain", "a str weight", lambda w: sigmoid_chain(["1"], [0.0]), TypeError, r"sigmoid_chain: weight 1 is '1', not a real number"),
    bad("sigmoid_chain", "a number instead of a list", lambda w: sigmoid_chain(1.0, 0.0), TypeError,
        r"sigmoid_chain: weights and biases must be lists of numbers, got 1.0 and 0.0"),
    bad("sigmoid_chain", "a str a0", lambda w: sigmoid_chain([1.0], [0.0], a0="0.5"), TypeError, r"sigmoid_chain: expected a real number .*got '0.5'"),
    # -- anatomy ------------------------------------------------------------------
    bad("largest_singular_value", "a str", lambda w: largest_singular_value("ab"), TypeError, r"largest_singular_value: expected a non-empty list of rows"),
    bad("largest_singular_value", "ragged rows", lambda w: largest_singular_value([[1.0, 2.0], [3.0]]), ValueError,
        r"largest_singular_value: rows of different lengths \(2 and 1\)"),
    bad("largest_singular_value", "zero iterations", lambda w: largest_singular_value([[1.0]], iterations=0), ValueError,
        r"largest_singular_value: iterations must be an integer >= 1, got 0"),
    bad("largest_singular_value", "a str entry", lambda w: largest_singular_value([["a"]]), TypeError,
        r"largest_singular_value: entry \(0, 0\) is 'a', not a real number"),
    bad("largest_singular_value", "a negative tolerance", lambda w: largest_singular_value([[1.0]], tolerance=-1.0), ValueError,
        r"largest_singular_value: tolerance must be a finite number >= 0, got -1.0"),
    bad("activation_derivative", "an unknown name", lambda w: activation_derivative("swish"), ValueError, r"activation_derivative: unknown activation 'swish'"),
    bad("layer_anatomy", "fewer pre-activations than layers", lambda w: layer_anatomy([[[1.0]], [[1.0]]], [[0.0]], [1.0]), ValueError,
        r"layer_anatomy: 2 weight matrices but 1 pre-activations"),
    bad("layer_anatomy", "shapes that do not chain", lambda w: layer_anatomy([[[1.0, 2.0]], [[1.0, 2.0]]], [[0.0], [0.0]], [1.0]), ValueError,
        r"layer_anatomy: weights\[1\] has shape \(1, 2\) but layer 1 has 1 units"),
    bad("layer_anatomy", "a str weight", lambda w: layer_anatomy(["w"], [[0.0]], [1.0]), TypeError, r"layer_anatomy: weights\[0\]: expected a non-empty list of rows"),
    bad("layer_anatomy", "a str saturation", lambda w: layer_anatomy([[[1.0]]], [[0.0]], [1.0], saturation="x"), TypeError,
        r"layer_anatomy: expected a real number .*got 'x'"),
    bad("gradient_health", "thresholds in the wrong order", lambda w: gradient_health(w.model, vanishing=10.0, exploding=1.0), ValueError,
        r"gradient_health: need 0 < vanishing < exploding, got 10.0 and 1.0"),
    bad("gradient_health", "a str threshold", lambda w: gradient_health(w.model, vanishing="x"), TypeError, r"gradient_health: expected a real number .*got 'x'"),
    bad("gradient_health", "a number instead of parameters", lambda w: gradient_health(3), TypeError,
        r"gradient_health: expected \(name, parameter\) pairs or a module, got 3"),
    bad("gradient_health", "a parameter without a gradient", lambda w: gradient_health([("w", object())]), ValueError,
        r"gradient_health: w has no gradient \(None\): run backward\(\) first"),
    bad("gradient_health", "no parameters", lambda w: gradient_health([]), ValueError, r"gradient_health: no parameters given"),
    # -- graph_export -------------------------------------------------------------
    bad("to_dot", "a number", lambda w: to_dot(3.0), TypeError, r"to_dot: expected a Value or a Matrix, got float"),
    bad("to_dot", "an unknown rankdir", lambda w: to_dot(w.z, rankdir="XY"), ValueError, r"to_dot: rankdir must be LR, RL, TB or BT, got 'XY'"),
    bad("render_dot", "DOT text that is not a str", lambda w: render_dot(3, str(w.folder / "g.svg")), TypeError,
        r"render_dot: dot_text must be a str \(from to_dot\), got 3"),
    bad("render_dot", "a path that is not a str", lambda w: render_dot(to_dot(w.z), 3), TypeError, r"render_dot: path must be a str or a path, got 3"),
    bad("to_text_tree", "a number", lambda w: to_text_tree(1.0), TypeError, r"to_text_tree: expected a Value or a Matrix, got float"),
    bad("to_text_tree", "max_depth 0", lambda w: to_text_tree(w.z, max_depth=0), ValueError, r"to_text_tree: max_depth must be an integer >= 1 or None, got 0"),
    # -- plot ---------------------------------------------------------------------
    bad("notation.format_number", "a str", lambda w: notation.format_number("1.5"), TypeError, r"format_number: expected a real number .*got '1.5'"),
    bad("notation.format_number", "zero digits", lambda w: notation.format_number(1.5, digits=0), ValueError, r"format_number: digits must be at least 1, got 0"),
    bad("notation.format_number", "a float digits", lambda w: notation.format_number(1.5, digits=2.0), TypeError, r"format_number: digits must be an int, got 2.0"),
    ok("notation.format_number", "an int beyond float range", lambda w: notation.format_number(HUGE), lambda r: r == "inf (overflow)"),
    bad("notation.flag_nonfinite", "None", lambda w: notation.flag_nonfinite(None), TypeError, r"flag_nonfinite: expected a real number .*got None"),
    bad("plot.table", "a row of the wrong length", lambda w: plot.table(["a", "b"], [[1]]), ValueError, r"table: row 0 has 1 cells but there are 2 headers"),
    bad("plot.table", "rows that are a number", lambda w: plot.table(["a"], 3), TypeError, r"table: rows must be a list of rows, got 3"),
    bad("plot.bar_chart", "more labels than values", lambda w: plot.bar_chart(["a", "b"], [1.0]), ValueError, r"bar_chart: 2 labels but 1 values"),
    bad("plot.bar_chart", "a str value", lambda w: plot.bar_chart(["a"], ["1"]), TypeError, r"bar_chart: value 0 is '1', not a real number"),
    bad("plot.bar_chart", "a str width", lambda w: plot.bar_chart(["a"], [1.0], width="9"), TypeError, r"bar_chart: width must be an int, got '9'"),
    bad("plot.line_chart", "no series", lambda w: plot.line_chart({}), ValueError, r"line_chart: series is empty"),
    bad("plot.line_chart", "a list instead of a dict", lambda w: plot.line_chart([1.0, 2.0]), TypeError,
        r"line_chart: series must be a dict of name → values, got \[1.0, 2.0\]"),
    bad("plot.line_chart", "a str value", lambda w: plot.line_chart({"a": [1.0, "x"]}), TypeError, r"line_chart: series 'a': value 1 is 'x', not a real number"),
    bad("plot.sparkline", "a str value", lambda w: plot.sparkline([1.0, "x"]), TypeError, r"sparkline: value 1 is 'x', not a real number"),
    ok("plot.sparkline", "nan, inf and an int beyond float range", lambda w: plot.sparkline([NAN, INF, HUGE, 1.0]), lambda r: r == "···▅"),  # one drawable value: the middle level
    # -- symbolic -----------------------------------------------------------------
    bad("Expr.constant", "a str", lambda w: Expr.constant("2"), TypeError, r"Expr.constant: expected a real number .*got '2'"),
    bad("Expr.symbol", "an empty name", lambda w: Expr.symbol(""), ValueError, r"Expr.symbol: the name must be a non-empty string, got ''"),
    bad("Expr.symbol", "a str value", lambda w: Expr.symbol("x", "1"), TypeError, r"Expr.symbol: expected a real number .*got '1'"),
    bad("Expr.log", "a symbol at a negative value", lambda w: Expr.symbol("x", -1.0).log(), ValueError, r"log: input -1.0 is outside the domain"),
    bad("Expr.evaluate", "values that are not a dict", lambda w: Expr.symbol("x", 1.0).evaluate(3), TypeError,
        r"Expr.evaluate: values must be a dict of symbol name → number, got 3"),
    bad("Expr.evaluate", "a str value", lambda w: Expr.symbol("x", 1.0).exp().evaluate({"x": "1"}), TypeError, r"exp: expected a real number .*got '1'"),
    bad("symbolic.to_expr", "a number", lambda w: symbolic.to_expr(1.0), TypeError, r"to_expr: expected a Value, got float"),
    bad("expression", "a Matrix", lambda w: expression(w.A), TypeError, r"expression: expected a Value, got CountedMatrix"),
    bad("symbolic_derivative", "a number for wrt", lambda w: symbolic_derivative(w.z, 1.0), TypeError,
        r"symbolic_derivative: output and wrt must be Values, got CountedValue and float"),
    bad("symbolic.render", "a Value", lambda w: symbolic.render(w.z), TypeError, r"render: expected an Expr, got CountedValue"),
    bad("symbolic.python_namespace", "a number", lambda w: symbolic.python_namespace(3), TypeError,
        r"python_namespace: values must be a dict of symbol name → number, got 3"),
    # -- manual_seed ---------------------------------------------------------------
    bad("manual_seed", "a float", lambda w: manual_seed(1.5), TypeError, r"manual_seed: the seed must be an int, got 1.5"),
    bad("manual_seed", "None", lambda w: manual_seed(None), TypeError, r"manual_seed: the seed must be an int, got None"),
    # -- nn.init ------------------------------------------------------------------
    bad("nn.init.he_normal", "an int for rng", lambda w: init.he_normal(3, 2, 42), TypeError, r"he_normal: rng must be a random.Random .*got 42"),
    bad("nn.init.xavier_uniform", "zero rows", lambda w: init.xavier_uniform(0, 2, random.Random(0)), ValueError, r"xavier_uniform: shape \(0, 2\)"),
    bad("nn.init.lecun_normal", "a float size", lambda w: init.lecun_normal(2.0, 2, random.Random(0)), TypeError, r"lecun_normal: n_out and n_in must be ints, got \(2.0, 2\)"),
    bad("nn.init.normal", "a negative std", lambda w: init.normal(2, 2, random.Random(0), std=-1.0), ValueError, r"normal: std must be a finite number >= 0, got -1.0"),
    bad("nn.init.normal", "a std beyond float range", lambda w: init.normal(2, 2, std=HUGE), ValueError, r"normal: std must be a finite number >= 0, got 1000000000…\(401 digits\)"),
    bad("nn.init.uniform", "a > b", lambda w: init.uniform(2, 2, random.Random(0), a=1.0, b=0.0), ValueError, r"uniform: need finite a <= b, got a = 1.0, b = 0.0"),
    bad("nn.init.uniform", "an infinite bound", lambda w: init.uniform(2, 2, random.Random(0), a=-INF), ValueError, r"uniform: a must be a finite number, got -inf"),
    bad("nn.init.constant", "a str value", lambda w: init.constant(2, 2, c="0"), TypeError, r"constant: expected a real number .*got '0'"),
    bad("nn.init.scaled_identity", "a non-square shape", lambda w: init.scaled_identity(3, 2), ValueError, r"scaled_identity: c·I needs a square shape"),
    bad("nn.init.xavier_normal", "a negative gain", lambda w: init.xavier_normal(2, 2, random.Random(0), gain=-1.0), ValueError,
        r"xavier_normal: gain must be a finite number >= 0, got -1.0"),
    bad("nn.init.he_uniform", "a nan slope", lambda w: init.he_uniform(2, 2, random.Random(0), negative_slope=NAN), ValueError,
        r"calculate_gain: negative_slope must be a finite number, got nan"),
    bad("nn.init.standard_uniform", "a huge shape", lambda w: init.standard_uniform(10 ** 9, 10 ** 9, random.Random(0)), ValueError,
        r"standard_uniform: shape \(1000000000, 1000000000\) has 10\^18 entries"),
    bad("nn.init.calculate_gain", "an unknown nonlinearity", lambda w: init.calculate_gain("swish"), ValueError, r"calculate_gain: unknown nonlinearity 'swish'"),
    bad("nn.init.get", "a number", lambda w: init.get(3), TypeError, r"init: expected an initialiser's name or a function, got 3"),
    bad("nn.init.get", "an unknown name", lambda w: init.get("glorot"), ValueError, r"init: unknown initialiser 'glorot'"),
    # -- nn layers ----------------------------------------------------------------
    bad("nn.linear", "a weight whose rows are not as long as the input's", lambda w: nn.linear(w.A, w.B, w.B), ValueError,
        r"linear: x \(2, 2\) · Wᵀ with W \(2, 1\): x has 2 columns, W has 1"),
    bad("nn.linear", "a bias that is a column", lambda w: nn.linear(w.A, w.A, w.B), ValueError,
        r"linear: the bias has shape \(2, 1\), expected \(1, 2\) \(one entry per row of W\)"),
    bad("nn.linear", "a list of rows for the weight", lambda w: nn.linear(w.A, [[1.0, 2.0]]), TypeError,
        r"linear: weight must be a Matrix, got list"),
    ok("nn.linear", "no bias: x @ W.T", lambda w: nn.linear(w.A, w.A).data, lambda r: r == [[5.0, 11.0], [11.0, 25.0]]),
    bad("nn.Linear", "zero inputs", lambda w: nn.Linear(0, 2), ValueError, r"Linear: n_in and n_out must be integers >= 1, got \(0, 2\)"),
    bad("nn.Linear", "a float size", lambda w: nn.Linear(2.5, 2), ValueError, r"Linear: n_in and n_out must be integers >= 1, got \(2.5, 2\)"),
    bad("nn.Linear", "a huge size", lambda w: nn.Linear(10 ** 9, 10 ** 9), ValueError, r"Linear: a weight of shape \(1000000000, 1000000000\) has 10\^18 entries"),
    bad("nn.Linear", "an int for rng", lambda w: nn.Linear(2, 2, rng=7), TypeError, r"Linear: rng must be a random.Random .*got 7"),
    bad("nn.Linear", "an unknown init", lambda w: nn.Linear(2, 2, init="glorot"), ValueError, r"init: unknown initialiser 'glorot'"),
    bad("nn.Linear", "bias that is not a bool", lambda w: nn.Linear(2, 2, bias="yes"), TypeError, r"Linear: bias must be True or False, got 'yes'"),
    bad("nn.Linear()", "an input with the wrong width", lambda w: w.model[0](Matrix([[1.0, 2.0, 3.0]])), ValueError,
        r"Linear\(2 → 3\): the input has shape \(1, 3\), expected 2 columns"),
    bad("nn.Linear()", "a str input", lambda w: w.model[0]("x"), TypeError, r"Linear\(2 → 3\): expected a list of rows"),
    ok("nn.Linear", "its own rng, leaving the shared generator alone", lambda w: nn.Linear(2, 2, rng=random.Random(0)).weight.shape,
       lambda r: r == (2, 2)),
    bad("nn.MLP", "one size", lambda w: nn.MLP([2]), ValueError, r"MLP: sizes needs at least an input and an output size, got \[2\]"),
    bad("nn.MLP", "a str for sizes", lambda w: nn.MLP("23"), TypeError, r"MLP: sizes must be a list of layer sizes"),
    bad("nn.MLP", "a zero size", lambda w: nn.MLP([2, 0, 1]), ValueError, r"MLP: every size must be an integer >= 1, got \[2, 0, 1\]"),
    bad("nn.MLP", "an unknown activation", lambda w: nn.MLP([2, 2, 1], activation="swish"), ValueError, r"activation: unknown name 'swish'"),
    bad("nn.MLP", "an activation instance", lambda w: nn.MLP([2, 2, 1], activation=nn.ReLU()), TypeError, r"activation: pass a name or a class/factory"),
    bad("nn.BatchNorm1d", "zero features", lambda w: nn.BatchNorm1d(0), ValueError, r"BatchNorm1d: num_features must be an integer >= 1, got 0"),
    bad("nn.BatchNorm1d", "a negative eps", lambda w: nn.BatchNorm1d(2, eps=-1.0), ValueError, r"BatchNorm1d: eps must be a finite number >= 0, got -1.0"),
    bad("nn.BatchNorm1d", "an eps beyond float range", lambda w: nn.BatchNorm1d(2, eps=HUGE), ValueError, r"BatchNorm1d: eps must be a finite number >= 0, got 1000000000…"),
    bad("nn.BatchNorm1d", "a momentum above 1", lambda w: nn.BatchNorm1d(2, momentum=1.5), ValueError, r"BatchNorm1d: momentum must lie in \[0, 1\], got 1.5"),
    bad("nn.BatchNorm1d()", "one row in training", lambda w: w.model[1](Matrix([[1.0, 2.0, 3.0]])), ValueError,
        r"BatchNorm1d: training needs a batch of at least 2 rows"),
    bad("nn.BatchNorm1d()", "the wrong width", lambda w: w.model[1](Matrix([[1.0], [2.0]])), ValueError, r"BatchNorm1d\(3\): the input has shape \(2, 1\), expected 3 columns"),
    bad("nn.BatchNorm1d()", "a constant column with eps = 0", lambda w: nn.BatchNorm1d(1, eps=0.0)(Matrix([[1.0], [1.0]])), ValueError,
        r"BatchNorm1d: column 0 has batch variance 0 \(every entry the same\) and eps = 0.0, so x̂ = \(x − μ\)/√\(σ² \+ ε\) would divide by zero"),
    bad("nn.batch_norm_backward", "ragged gradient rows", lambda w: nn.batch_norm_backward([[1.0], [2.0]], [1.0], [[1.0]], 0.0), ValueError,
        r"batch_norm_backward: x has shape \(2, 1\) but g has shape \(1, 1\)"),
    bad("nn.batch_norm_backward", "a negative eps", lambda w: nn.batch_norm_backward([[1.0], [2.0]], [1.0], [[1.0], [1.0]], -1.0), ValueError,
        r"batch_norm_backward: eps must be a finite number >= 0, got -1.0"),
    bad("nn.Residual", "a number for the block", lambda w: nn.Residual(3), TypeError, r"Residual: block must be a Module, got 3"),
    bad("nn.Residual()", "a block that changes the shape", lambda w: nn.Residual(nn.Linear(2, 3, init="zeros"))(Matrix([[1.0, 2.0]])), ValueError,
        r"Residual: the block maps shape \(1, 2\) to \(1, 3\)"),
    bad("nn.Sequential", "a function for a layer", lambda w: nn.Sequential(nn.Tanh(), math.tanh), TypeError, r"Sequential: layer 1 is <built-in function tanh>, expected a Module"),
    bad("nn.Sequential[]", "a layer out of range", lambda w: w.model[9], IndexError, r"Sequential: layer 9 out of range for 4 layers"),
    bad("nn.RNNCell", "zero hidden units", lambda w: nn.RNNCell(1, 0), ValueError, r"RNNCell: input_size and hidden_size must be integers >= 1, got \(1, 0\)"),
    bad("nn.RNNCell", "an unknown nonlinearity", lambda w: nn.RNNCell(1, 1, nonlinearity="sigmoid"), ValueError, r"RNNCell: nonlinearity must be 'tanh' or 'relu'"),
    bad("nn.LSTMCell", "an infinite forget bias", lambda w: nn.LSTMCell(1, 1, forget_bias=INF), ValueError, r"LSTMCell: forget_bias must be a finite number, got inf"),
    bad("nn.LSTMCell()", "a state that is not a pair", lambda w: w.cell(Matrix([[1.0, 2.0]]), Matrix([[0.0, 0.0]])), TypeError,
        r"LSTMCell: the state must be a tuple \(h, c\), got Matrix"),
    bad("nn.LSTMCell()", "a cell state of the wrong shape", lambda w: w.cell(Matrix([[1.0, 2.0]]), (Matrix([[0.0, 0.0]]), Matrix([[0.0]]))), ValueError,
        r"LSTMCell: the cell state c has shape \(1, 1\), expected \(1, 2\)"),
    bad("nn.GRUCell()", "a str input", lambda w: nn.GRUCell(2, 2, rng=random.Random(0))("x"), TypeError, r"GRUCell: the input: expected a list of rows"),
    bad("nn.unroll", "no steps", lambda w: nn.unroll(w.cell, []), ValueError, r"unroll: no inputs"),
    bad("nn.unroll", "a number for the steps", lambda w: nn.unroll(w.cell, 3), TypeError, r"unroll: xs must be a list of inputs, one per step, got 3"),
    bad("nn.unroll", "a function for the cell", lambda w: nn.unroll(math.tanh, [[[1.0]]]), TypeError, r"unroll: cell must be a Module"),
    # -- nn activations -----------------------------------------------------------
    bad("nn.relu", "a list", lambda w: nn.relu([[1.0]]), TypeError, r"relu: expected a Matrix or a Value, got \[\[1.0\]\] of type list"),
    bad("nn.leaky_relu", "a nan slope", lambda w: nn.leaky_relu(w.A, NAN), ValueError, r"leaky_relu: negative_slope must be a finite number, got nan"),
    bad("nn.elu", "a str alpha", lambda w: nn.elu(w.A, "1"), TypeError, r"elu: expected a real number .*got '1'"),
    bad("nn.prelu", "a slope of the wrong shape", lambda w: nn.prelu(w.A, Matrix([[0.1, 0.2, 0.3]])), ValueError, r"prelu: the slope has shape \(1, 3\)"),
    bad("nn.LeakyReLU", "an infinite slope", lambda w: nn.LeakyReLU(INF), ValueError, r"LeakyReLU: negative_slope must be a finite number, got inf"),
    bad("nn.PReLU", "zero parameters", lambda w: nn.PReLU(0), ValueError, r"PReLU: num_parameters must be an integer >= 1, got 0"),
    bad("nn.ELU", "a bool alpha", lambda w: nn.ELU(True), TypeError, r"ELU: expected a real number .*got True"),
    # -- nn optimisers and clipping ----------------------------------------------------
    bad("nn.SGD", "no parameters", lambda w: nn.SGD([], lr=0.1), ValueError, r"SGD: the list of parameters is empty"),
    bad("nn.SGD", "a single Value", lambda w: nn.SGD(w.x, lr=0.1), TypeError, r"SGD: expected a list of parameters, got a single CountedValue"),
    bad("nn.SGD", "a computed node", lambda w: nn.SGD([w.z], lr=0.1), ValueError, r"SGD: parameter 0 was computed by an operation \(tanh\), not a leaf"),
    bad("nn.SGD", "a negative learning rate", lambda w: nn.SGD([w.x], lr=-0.1), ValueError, r"SGD: the learning rate lr must be a finite number > 0, got -0.1"),
    bad("nn.SGD", "a learning rate beyond float range", lambda w: nn.SGD([w.x], lr=HUGE), ValueError,
        r"SGD: the learning rate lr must be a finite number > 0, got 1000000000…\(401 digits\)"),
    bad("nn.SGD", "a str learning rate", lambda w: nn.SGD([w.x], lr="0.1"), TypeError, r"SGD: expected a real number .*got '0.1'"),
    bad("nn.SGD", "momentum 1", lambda w: nn.SGD([w.x], lr=0.1, momentum=1.0), ValueError, r"SGD: momentum must lie in \[0.0, 1.0\), got 1.0"),
    bad("nn.SGD", "nesterov that is not a bool", lambda w: nn.SGD([w.x], lr=0.1, momentum=0.9, nesterov=1), TypeError, r"SGD: nesterov must be True or False, got 1"),
    bad("nn.Adam", "betas that are a number", lambda w: nn.Adam([w.x], betas=0.9), TypeError, r"Adam: betas must be a pair \(β₁, β₂\), got 0.9"),
    bad("nn.Adam", "β₂ = 1", lambda w: nn.Adam([w.x], betas=(0.9, 1.0)), ValueError, r"Adam: β₂ must lie in \[0.0, 1.0\), got 1.0"),
    bad("nn.Adam", "a nan eps", lambda w: nn.Adam([w.x], eps=NAN), ValueError, r"Adam: eps must be a finite number >= 0, got nan"),
    bad("nn.Adam.step", "a str gradient", lambda w: w.adam.step(), TypeError,
        r"Adam: the gradient of parameter 5 has the entry 'g' \(number 0\), of type str, not a number",
        prepare=lambda w: setattr(w.model[3].bias, "_grad", [["g"]])),
    bad("nn.SGD.step", "a None gradient entry", lambda w: w.sgd.step(), TypeError,
        r"SGD: the gradient of parameter 5 has the entry None", prepare=lambda w: setattr(w.model[3].bias, "_grad", [[None]])),
    bad("nn.SGD.step", "a parameter resized behind its back", lambda w: w.sgd.step(), ValueError,
        r"SGD: parameter 5 changed shape since the optimiser was made",
        prepare=lambda w: setattr(w.model[3].bias, "data", [[1.0, 2.0]])),
    bad("nn.clip_grad_norm", "a negative max_norm", lambda w: nn.clip_grad_norm(w.model.parameters(), -1.0), ValueError,
        r"clip_grad_norm: max_norm must be a finite number > 0, got -1.0"),
    bad("nn.clip_grad_norm", "a str max_norm", lambda w: nn.clip_grad_norm(w.model.parameters(), "1"), TypeError, r"clip_grad_norm: expected a real number .*got '1'"),
    bad("nn.clip_grad_norm", "a str gradient", lambda w: nn.clip_grad_norm([w.y, w.x], 1e-3), TypeError,
        r"clip_grad_norm: the gradient of parameter 1 has the entry 'g'", prepare=lambda w: setattr(w.x, "grad", "g")),
    bad("nn.clip_grad_value", "an infinite clip value", lambda w: nn.clip_grad_value(w.model.parameters(), INF), ValueError,
        r"clip_grad_value: clip_value must be a finite number > 0, got inf"),
    bad("nn.grad_norm", "a number", lambda w: nn.grad_norm(3.0), TypeError, r"grad_norm: expected a list of parameters, got 3.0"),
    # -- nn modules: modes and checkpoints -------------------------------------------------
    bad("nn.Module.train", "a str mode", lambda w: w.model.train("no"), TypeError, r"train: mode must be True or False, got 'no'"),
    bad("nn.Module.load_state_dict", "a list", lambda w: w.model.load_state_dict([1]), StateDictError, r"load_state_dict: expected a dict of name → list of rows, got \[1\] \(list\)"),
    bad("nn.Module.load_state_dict", "a missing name", lambda w: w.model.load_state_dict({}), StateDictError, r"load_state_dict: the names do not match the model: missing \['0.weight'"),
    bad("nn.Module.load_state_dict", "an int beyond float range", lambda w: w.model.load_state_dict(with_entry(w, "3.bias", HUGE)), StateDictError,
        r"load_state_dict: '3.bias' entry \(0, 0\) is 1000000000…\(401 digits\); only finite numbers are allowed \(this one is too large for a float\)"),
    bad("nn.Module.load_state_dict", "a nan entry", lambda w: w.model.load_state_dict(with_entry(w, "0.bias", NAN)), StateDictError,
        r"load_state_dict: '0.bias' entry \(0, 0\) is nan"),
    bad("nn.Module.load_state_dict", "a bool entry", lambda w: w.model.load_state_dict(with_entry(w, "0.bias", True)), StateDictError,
        r"load_state_dict: '0.bias' entry \(0, 0\) is True \(bool\), expected a number"),
    bad("nn.Module.load", "a repeated name", lambda w: w.model.load(w.folder / "bad.json"), StateDictError,
        r"load: '.*bad.json' has the name '0.weight' twice", prepare=lambda w: written(w, b'{"0.weight": [[1.0]], "0.weight": [[2.0]]}')),
    bad("nn.Module.load", "100,000 levels of nesting", lambda w: w.model.load(w.folder / "bad.json"), StateDictError,
        r"load: '.*bad.json' is nested too deeply to read", prepare=lambda w: written(w, b"[" * 100_000 + b"]" * 100_000)),
    bad("nn.Module.load", "invalid UTF-8", lambda w: w.model.load(w.folder / "bad.json"), StateDictError,
        r"load: '.*bad.json' is not UTF-8 text \(byte 7 is 0xff\)", prepare=lambda w: written(w, b'{"a": "\xff"}')),
    bad("nn.Module.load", "a number of 5000 digits", lambda w: w.model.load(w.folder / "bad.json"), StateDictError,
        r"load: '.*bad.json' holds a number too long to read", prepare=lambda w: written(w, b"[" + b"9" * 5000 + b"]")),
    bad("nn.Module.load", "a truncated file", lambda w: w.model.load(w.folder / "bad.json"), StateDictError,
        r"load: '.*bad.json' is not valid JSON \(truncated or corrupted\?\)", prepare=lambda w: written(w, w.checkpoint.read_bytes()[:40])),
    bad("nn.Module.load", "a missing file", lambda w: w.model.load(w.folder / "missing.json"), FileNotFoundError, r"missing.json"),
    bad("nn.Module.save", "an infinite parameter", lambda w: infinite_copy(w).save(w.checkpoint), StateDictError,
        r"save: 'bias' entry \(0, 0\) is inf; only finite numbers are allowed"),
    bad("nn.Module.save", "a path that is a folder", lambda w: w.model.save(w.folder), IsADirectoryError, r"Is a directory"),
    bad("nn.Module.save", "a number for the path", lambda w: w.model.save(3), TypeError, r"save: path must be a str or a path, got 3"),
    bad("nn.Module.load", "a number for the path (a file descriptor)", lambda w: w.model.load(0), TypeError, r"load: path must be a str or a path, got 0"),
    bad("nn.Module.load_state_dict", "an unexpected name", lambda w: w.model.load_state_dict({**w.model.state_dict(), "extra": [[1.0]]}),
        StateDictError, r"load_state_dict: the names do not match the model: unexpected \['extra'\]"),
    bad("nn.Module.load_state_dict", "ragged rows", lambda w: w.model.load_state_dict({**w.model.state_dict(), "0.weight": [[1.0, 2.0], [1.0]]}),
        StateDictError, r"load_state_dict: '0.weight' is ragged: row 1 has 1 entries, row 0 has 2"),
    bad("nn.Module.load_state_dict", "a str where rows belong", lambda w: w.model.load_state_dict({**w.model.state_dict(), "0.bias": "abc"}),
        StateDictError, r"load_state_dict: '0.bias' must be a non-empty list of rows, got 'abc' \(str\)"),
    bad("nn.Module.load_state_dict", "the wrong shape", lambda w: w.model.load_state_dict({**w.model.state_dict(), "3.bias": [[1.0, 2.0]]}),
        StateDictError, r"load_state_dict: '3.bias' has shape \(1, 2\) in the state but \(1, 1\) in the model"),
    ok("nn.Module.load_state_dict", "NumPy-like floats and Fractions", lambda w: loaded_with(w, NumpyLikeFloat(0.5), Fraction(1, 4)),
       lambda r: r == (0.5, 0.25)),
    # -- nn: carrying a model to PyTorch and back ------------------------------------------
    bad("nn.to_torch_state_dict", "a state dict for the model", lambda w: nn.to_torch_state_dict(w.model.state_dict()), TypeError,
        r"to_torch_state_dict: expected a tinygrad_edu.nn Module, got \{'0.weight'"),
    bad("nn.to_torch_state_dict", "a str for tensors", lambda w: nn.to_torch_state_dict(w.model, tensors="yes"), TypeError,
        r"to_torch_state_dict: tensors must be True or False, got 'yes'"),
    bad("nn.from_torch_state_dict", "our own layout", lambda w: nn.from_torch_state_dict(w.model, w.model.state_dict()), StateDictError,
        r"from_torch_state_dict: the names do not match the model: missing \['1.num_batches_tracked'\]"),
    bad("nn.from_torch_state_dict", "LSTM gates of the wrong size", lambda w: nn.from_torch_state_dict(w.cell, {**nn.to_torch_state_dict(w.cell), "weight_ih": [[0.0, 0.0]] * 4}),
        StateDictError, r"from_torch_state_dict: 'weight_ih' has shape \(4, 2\) in the state but \(8, 2\) in the model \(PyTorch stacks the 4 gates i, f, g, o"),
    bad("nn.from_torch_state_dict", "a nan in the last layer", lambda w: nn.from_torch_state_dict(w.model, {**nn.to_torch_state_dict(w.model), "3.bias": [NAN]}),
        StateDictError, r"from_torch_state_dict: '3.bias' entry \(0,\) is nan; only finite numbers are allowed"),
    bad("nn.from_torch_state_dict", "a negative batch count", lambda w: nn.from_torch_state_dict(w.model, {**nn.to_torch_state_dict(w.model), "1.num_batches_tracked": -1}),
        StateDictError, r"from_torch_state_dict: '1.num_batches_tracked' must be a whole number >= 0"),
    ok("nn.from_torch_state_dict", "the model's own numbers in PyTorch's layout", lambda w: nn.from_torch_state_dict(w.model, nn.to_torch_state_dict(w.model)),
       lambda r: r is None),
    # -- more of the core ------------------------------------------------------------------
    bad("Matrix.apply", "a name instead of an op", lambda w: Matrix.apply("tanh", (w.A,)), TypeError,
        r"Matrix.apply: expected a MatrixOp or an Op .*got 'tanh'"),
    bad("Matrix.apply", "one input to a two-input op", lambda w: Matrix.apply(ops.add, (w.A,)), ValueError, r"add: takes 2 inputs, got 1"),
    bad("Op.local_derivatives", "a str", lambda w: ops.tanh.local_derivatives("1"), TypeError, r"tanh: expected a real number .*got '1'"),
    ok("Op.local_derivatives", "a NumPy-like float", lambda w: ops.absolute.local_derivatives(NumpyLikeFloat(-2.0)), lambda r: r == (-1,)),
    ok("Value **", "a NumPy-like exponent", lambda w: (Value(2.0) ** NumpyLikeFloat(3.0)).data, lambda r: type(r) is float and r == 8.0),
    ok("derivative", "a point beyond float range", lambda w: derivative(lambda t: t * 3.0, HUGE), lambda r: r == 3.0),
    ok("Matrix.full", "a NumPy-like float", lambda w: Matrix.full(1, 2, NumpyLikeFloat(0.5)).data, lambda r: type(r[0][0]) is float),
    bad("numeric.central_difference", "an infinite point", lambda w: numeric.central_difference(math.sin, INF), ValueError,
        r"central_difference: x is inf; a difference quotient needs a finite point"),
    ok("numeric.central_difference", "a NumPy-like point", lambda w: numeric.central_difference(lambda t: 2 * t, NumpyLikeFloat(1.0)),
       lambda r: abs(r - 2.0) < 1e-9),
    bad("numeric.gradcheck", "an input beyond float range", lambda w: numeric.gradcheck(lambda a: a * a, [HUGE]), ValueError,
        r"gradcheck: input 0 is 1000000000…\(401 digits\); a difference quotient needs a finite point"),
    bad("numeric_jacobian", "a nan entry", lambda w: numeric_jacobian(lambda v: v, [[NAN]]), ValueError,
        r"numeric_jacobian: entry \(0, 0\) of x is nan; a difference quotient needs a finite point"),
    bad("chain_rule", "a Matrix for wrt", lambda w: chain_rule(w.z, w.A), TypeError, r"chain_rule: output and wrt must be Values, got CountedValue and CountedMatrix"),
    ok("largest_singular_value", "a nan entry", lambda w: largest_singular_value([[NAN, 1.0]]), math.isnan),
    bad("layer_anatomy", "a delta of the wrong width", lambda w: layer_anatomy([[[1.0, 2.0]]], [[0.0]], [1.0, 2.0]), ValueError,
        r"layer_anatomy: delta_last: expected 1 numbers per example"),
    bad("gradient_health", "a pair that is not a pair", lambda w: gradient_health([("w",)]), TypeError,
        r"gradient_health: expected \(name, parameter\) pairs, got the entry \('w',\)"),
    bad("gradient_health", "layer_of that is not a function", lambda w: gradient_health(w.model, layer_of="0"), TypeError,
        r"gradient_health: layer_of must be a function, got '0'"),
    bad("to_dot", "edge_labels that is not a bool", lambda w: to_dot(w.z, edge_labels="no"), TypeError, r"to_dot: edge_labels must be True or False, got 'no'"),
    bad("render_dot", "a format that is not a str", lambda w: render_dot(to_dot(w.z), str(w.folder / "g"), fmt=3), TypeError,
        r"render_dot: fmt must be a str such as 'svg' or 'png', got 3"),
    bad("plot.table", "headers that are a str", lambda w: plot.table("ab", [[1, 2]]), TypeError, r"table: headers must be a list of column names, got 'ab'"),
    bad("plot.table", "an alignment letter that is not l or r", lambda w: plot.table(["a"], [[1]], align="c"), ValueError,
        r"table: align needs one 'l' or 'r' per column \(1\), got 'c'"),
    ok("plot.bar_chart", "a nan value", lambda w: plot.bar_chart(["a"], [NAN]), lambda r: r.endswith("nan (not a number)")),
    bad("plot.line_chart", "a height of 1", lambda w: plot.line_chart({"a": [1.0]}, height=1), ValueError,
        r"line_chart: height and width must be at least 2, got 1 and 60"),
    bad("plot.line_chart", "a str width", lambda w: plot.line_chart({"a": [1.0]}, width="9"), TypeError, r"line_chart: height and width must be ints"),
    bad("plot.save_plot", "a number for the path", lambda w: plot.save_plot(3, {"a": [1.0]}), TypeError, r"save_plot: path must be a str or a path, got 3"),
    bad("plot.save_plot", "a str value", lambda w: plot.save_plot(str(w.folder / "p.png"), {"a": ["x"]}), TypeError,
        r"save_plot: series 'a': value 0 is 'x', not a real number"),
    ok("notation.format_number", "a NumPy-like float", lambda w: notation.format_number(NumpyLikeFloat(0.25)), lambda r: r == "0.25"),
    bad("notation.pretty_label", "a number", lambda w: notation.pretty_label(3), TypeError, r"pretty_label: expected a str, got 3"),
    bad("notation.superscript", "a str", lambda w: notation.superscript("2"), TypeError, r"superscript: expected an int, got '2'"),
    bad("notation.format_constant", "a str", lambda w: notation.format_constant("2"), TypeError, r"format_constant: expected a real number .*got '2'"),
    ok("notation.format_constant", "an int beyond float range", lambda w: notation.format_constant(HUGE), lambda r: r == "inf"),
    bad("symbolic.to_expr", "a memo that is not a dict", lambda w: symbolic.to_expr(w.z, memo=3), TypeError, r"to_expr: memo must be a dict \(or None\), got 3"),
    bad("nn.init.zeros", "zero rows", lambda w: init.zeros(0, 1), ValueError, r"constant: shape \(0, 1\)"),
    bad("nn.init.standard_normal", "a str for rng", lambda w: init.standard_normal(2, 2, "r"), TypeError, r"standard_normal: rng must be a random.Random"),
    bad("nn.init.lecun_uniform", "a negative size", lambda w: init.lecun_uniform(-1, 2, random.Random(0)), ValueError, r"lecun_uniform: shape \(-1, 2\)"),
    ok("nn.init.normal", "a NumPy-like std", lambda w: init.normal(1, 1, random.Random(0), std=NumpyLikeFloat(0.0)).data, lambda r: r == [[0.0]]),
    bad("nn.init.calculate_gain", "a number", lambda w: init.calculate_gain(3), ValueError, r"calculate_gain: unknown nonlinearity 3"),
    bad("nn.Linear", "an initialiser returning a str", lambda w: nn.Linear(2, 2, init=lambda o, i, r: "W"), ValueError,
        r"Linear weight: the initialiser returned str, expected a Matrix of shape \(2, 2\)"),
    bad("nn.Linear", "an unknown bias_init", lambda w: nn.Linear(2, 2, bias_init="ones"), ValueError, r"init: unknown initialiser 'ones'"),
    ok("nn.Linear()", "a nan input", lambda w: w.model[0](Matrix([[NAN, 1.0]])).data, lambda r: all(math.isnan(v) for v in r[0])),
    bad("nn.PReLU()", "a str input", lambda w: nn.PReLU()("x"), TypeError, r"prelu: expected a Matrix or a Value, got 'x'"),
    bad("nn.Sequential[]", "a str index", lambda w: w.model["0"], TypeError, r"Sequential: a layer index must be an int or a slice, got '0'"),
    bad("nn.GRUCell", "a float size", lambda w: nn.GRUCell(1.5, 2), ValueError, r"GRUCell: input_size and hidden_size must be integers >= 1, got \(1.5, 2\)"),
    bad("nn.RNNCell", "the random module for rng", lambda w: nn.RNNCell(1, 1, rng=random), TypeError, r"RNNCell: rng must be a random.Random .*of type module"),
    bad("nn.RNNCell()", "a hidden state of the wrong shape", lambda w: nn.RNNCell(1, 2, rng=random.Random(0))([[1.0]], [[0.0]]), ValueError,
        r"RNNCell: the hidden state has shape \(1, 1\), expected \(1, 2\)"),
    bad("nn.SGD", "a parameter listed twice", lambda w: nn.SGD([w.x, w.x], lr=0.1), ValueError, r"SGD: parameter 1 appears twice in the list"),
    bad("nn.SGD", "a bool learning rate", lambda w: nn.SGD([w.x], lr=True), TypeError, r"SGD: expected a real number .*got True"),
    ok("nn.SGD", "a NumPy-like learning rate", lambda w: type(nn.SGD([Value(1.0)], lr=NumpyLikeFloat(0.1)).lr), lambda r: r is float),
    bad("nn.Adam", "a learning rate of 0", lambda w: nn.Adam([w.x], lr=0), ValueError, r"Adam: the learning rate lr must be a finite number > 0, got 0"),
    bad("nn.Adam", "a nan β₂", lambda w: nn.Adam([w.x], betas=(0.9, NAN)), ValueError, r"Adam: β₂ must lie in \[0.0, 1.0\), got nan"),
    ok("nn.Adam", "betas as a list", lambda w: nn.Adam([Value(1.0)], betas=[0.8, 0.9]).betas, lambda r: r == (0.8, 0.9)),
    bad("nn.clip_grad_norm", "a bool max_norm", lambda w: nn.clip_grad_norm([w.x], True), TypeError, r"clip_grad_norm: expected a real number .*got True"),
    bad("nn.clip_grad_norm", "error_if_nonfinite that is not a bool", lambda w: nn.clip_grad_norm([w.x], 1.0, error_if_nonfinite="yes"), TypeError,
        r"clip_grad_norm: error_if_nonfinite must be True or False, got 'yes'"),
    bad("nn.clip_grad_norm", "a nonfinite gradient with error_if_nonfinite", lambda w: nn.clip_grad_norm([w.x], 1.0, error_if_nonfinite=True), ValueError,
        r"clip_grad_norm: the gradient norm is inf; there is no direction to keep", prepare=lambda w: setattr(w.x, "grad", INF)),
    bad("nn.clip_grad_value", "a clip value of 0", lambda w: nn.clip_grad_value([w.x], 0), ValueError, r"clip_grad_value: clip_value must be a finite number > 0, got 0"),
    # -- nn training ----------------------------------------------------------------
    bad("nn.fit", "targets of another length", lambda w: nn.fit(w.model, w.X, [[1.0]], nn.mse, w.sgd), ValueError, r"fit: X has 3 rows but y has 1"),
    bad("nn.fit", "zero epochs", lambda w: nn.fit(w.model, w.X, [[1.0]] * 3, nn.mse, w.sgd, epochs=0), ValueError, r"fit: epochs must be an integer >= 1, got 0"),
    bad("nn.fit", "a str X", lambda w: nn.fit(w.model, "X", [[1.0]] * 3, nn.mse, w.sgd), TypeError, r"fit: X: expected a list of rows"),
    bad("nn.fit", "a number for y", lambda w: nn.fit(w.model, w.X, 3, nn.mse, w.sgd), TypeError, r"fit: y must be a list \(or a Matrix\) with one target per row of X, got 3"),
    bad("nn.fit", "a loss that is not callable", lambda w: nn.fit(w.model, w.X, [[1.0]] * 3, "mse", w.sgd), TypeError, r"fit: loss_fn must be a function, got 'mse'"),
    bad("nn.fit", "an optimiser that is not one", lambda w: nn.fit(w.model, w.X, [[1.0]] * 3, nn.mse, "sgd"), TypeError,
        r"fit: optimizer must have zero_grad\(\) and step\(\) \(an SGD or Adam\), got 'sgd'"),
    bad("nn.fit", "a negative clip_norm", lambda w: nn.fit(w.model, w.X, [[1.0]] * 3, nn.mse, w.sgd, clip_norm=-1.0), ValueError,
        r"fit: clip_norm must be a finite number > 0, got -1.0"),
    bad("nn.fit", "a loss returning a list", lambda w: nn.fit(w.model, w.X, [[1.0]] * 3, lambda o, t: [1.0], w.sgd), TypeError,
        r"fit: loss_fn must return a 1×1 Matrix, got \[1.0\]"),
    bad("nn.fit", "a model that is not a Module", lambda w: nn.fit(math.tanh, w.X, [[1.0]] * 3, nn.mse, w.sgd), TypeError, r"fit: model must be a Module"),
    bad("nn.train_step", "a str clip_norm", lambda w: nn.train_step(w.model, nn.mse, w.sgd, Matrix(w.X), [[1.0]] * 3, clip_norm="1"), TypeError,
        r"train_step: expected a real number .*got '1'"),
    bad("nn.predict", "a number for the model", lambda w: nn.predict(3, w.X), TypeError, r"predict: model must be a Module, got 3"),
    bad("nn.accuracy", "labels of another length", lambda w: nn.accuracy(w.model, w.X, [1]), ValueError, r"accuracy: 3 rows but 1 labels"),
    bad("nn.accuracy", "a number for the labels", lambda w: nn.accuracy(w.model, w.X, 1), TypeError, r"accuracy: y must be a list of labels, got 1"),
    bad("nn.accuracy", "a str X", lambda w: nn.accuracy(w.model, "X", [1]), TypeError, r"accuracy: X: expected a list of rows"),
    bad("nn.fit", "a bool batch size", lambda w: nn.fit(w.model, w.X, [[1.0]] * 3, nn.mse, w.sgd, batch_size=True), ValueError,
        r"fit: batch_size must be an integer >= 1 or None, got True"),
    bad("nn.fit", "a float number of epochs", lambda w: nn.fit(w.model, w.X, [[1.0]] * 3, nn.mse, w.sgd, epochs=1.5), ValueError,
        r"fit: epochs must be an integer >= 1, got 1.5"),
    bad("nn.fit", "progress that is not a bool", lambda w: nn.fit(w.model, w.X, [[1.0]] * 3, nn.mse, w.sgd, progress="yes"), TypeError,
        r"fit: progress must be True, False or None, got 'yes'"),
    bad("nn.fit", "a forward pass that fails after batch norm", lambda w: nn.fit(broken_after_batch_norm(w), w.X, [[1.0]] * 3, nn.mse, w.sgd),
        ValueError, r"Linear\(2 → 1\): the input has shape \(3, 1\), expected 2 columns"),
]


def w_grad_x() -> float:
    """x.grad of a fresh World after its one backward: grad(z, x) must equal it."""
    x, y = Value(0.5), Value(-1.5)
    z = (x * y + x).tanh()
    z.backward()
    return x.grad


def with_entry(world: World, name: str, value) -> dict:
    """The model's state dict with entry (0, 0) of ``name`` replaced."""
    state = world.model.state_dict()
    state[name][0][0] = value
    return state


def loaded_with(world: World, weight, bias) -> tuple:
    """Load a state with unusual numbers into a copy of the world's first layer; read them back."""
    layer = nn.Linear(1, 1, rng=random.Random(0))
    layer.load_state_dict({"weight": [[weight]], "bias": [[bias]]})
    return layer.weight.data[0][0], layer.bias.data[0][0]


def broken_after_batch_norm(world: World) -> nn.Module:
    """The world's layers (batch norm included) followed by a layer of the wrong width: the
    forward pass fails after batch norm has moved its running statistics."""
    return nn.Sequential(*world.model, nn.Linear(2, 1, rng=random.Random(0)))


def written(world: World, content: bytes):
    path = world.folder / "bad.json"
    path.write_bytes(content)
    return path


def infinite_copy(world: World) -> nn.Module:
    """A second model (not the world's) with an inf bias, to be saved over the world's checkpoint."""
    model = nn.Linear(2, 3, rng=random.Random(0))
    model.bias.data[0][0] = INF
    return model


def _name(case: Case) -> str:
    return f"{case.entry}: {case.bad}"


@pytest.mark.parametrize("case", CASES, ids=_name)
def test_bad_input_gets_a_clear_error_and_changes_nothing(case, tmp_path):
    world = World(tmp_path)
    if case.prepare is not None:
        case.prepare(world)
    before = world.snapshot()
    if case.error is None:
        assert case.pattern(case.call(world)), f"{_name(case)}: unexpected result"
    else:
        with pytest.raises(case.error, match=case.pattern):
            case.call(world)
    after = world.snapshot()
    if case.error is None:  # a valid call may make new nodes; it must still change nothing that exists
        del before["nodes made"], after["nodes made"]
    for key in before:
        assert after[key] == before[key], f"{_name(case)}: the call changed {key}"


def test_every_entry_point_of_the_public_api_is_probed():
    """The table covers what the package exports, so a new export without a row fails here."""
    import tinygrad_edu

    probed = {case.entry.split(".")[0].split("(")[0].split("[")[0].split(" ")[0] for case in CASES}
    probed |= {case.entry.split(".")[1].split("(")[0].split("[")[0] for case in CASES if case.entry.startswith("nn.")}
    not_callable_with_input = {
        "AnomalyError", "ChainRule", "Factor", "Path", "OPS", "describe_rules", "detect_anomaly", "enable_grad",
        "is_grad_enabled", "no_grad", "nn", "default_generator",  # no argument a user could get wrong
        "History", "Identity", "Sigmoid", "Softplus", "Tanh", "ReLU", "Module", "Optimizer", "StateDictError",
        "identity", "sigmoid", "softplus", "tanh", "log_softmax", "softmax", "binary_cross_entropy_with_logits",
        "cross_entropy", "mse",  # checked through their shared code (nn.relu, the losses above)
    }
    missing = [name for name in tinygrad_edu.__all__ + nn.__all__ if name not in probed | not_callable_with_input]
    assert not missing, f"public names with no bad-input row: {missing}"


def tally() -> list:
    """Per entry point: (entry, inputs tried, clear errors, correct results, snapshots compared)."""
    rows: dict = {}
    for case in CASES:
        tried, errors, results = rows.get(case.entry, (0, 0, 0))
        rows[case.entry] = (tried + 1, errors + (case.error is not None), results + (case.error is None))
    # Every case compares one snapshot (about 10 groups of state: values, matrices, model, modes,
    # both optimisers, files, generator, flags, node counts) before and after.
    return [(entry, tried, errors, results, tried) for entry, (tried, errors, results) in rows.items()]


if __name__ == "__main__":
    sys.stdout.write("| entry point | bad inputs tried | clear error | correct result | snapshots compared |\n")
    sys.stdout.write("| --- | --- | --- | --- | --- |\n")
    for row in tally():
        sys.stdout.write("| " + " | ".join(str(c) for c in row) + " |\n")
    total = [sum(r[i] for r in tally()) for i in (1, 2, 3, 4)]
    sys.stdout.write(f"| **{len(tally())} entry points** | {total[0]} | {total[1]} | {total[2]} | {total[3]} |\n")
