"""Symbolic derivatives: printed readably, simplified exactly, and evaluating to the engine's gradient."""

import math
import re

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from tinygrad_edu import ops
from tinygrad_edu.autodiff import grad
from tinygrad_edu.explain import sigmoid_chain
from tinygrad_edu.symbolic import (
    Expr,
    exact_derivative,
    expression,
    operation_count,
    python_namespace,
    render,
)
from tinygrad_edu.notation import pretty_label
from tinygrad_edu.testing import program_inputs, programs, value_graphs
from tinygrad_edu.value import Value

# The formula is built from the same float operations, in the same order, as
# the create_graph gradient, and every simplification keeps the number
# exactly (1·x is x).  So the two agree to the last bit in practice; we allow
# a few ulps in case an op's rule rounds differently on Values than on floats.
REL_TOL = 1e-12


def agree(a, b):
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    return math.isclose(a, b, rel_tol=REL_TOL, abs_tol=1e-300)


# ---------------------------------------------------------------------------
# Reading the Unicode form back: an independent check of the printer
# ---------------------------------------------------------------------------

_DIGITS = str.maketrans("₀₁₂₃₄₅₆₇₈₉⁰¹²³⁴⁵⁶⁷⁸⁹⁻", "01234567890123456789-")


def unicode_to_python(text):
    """The Unicode formula as Python: · → *, − → -, σ → sigmoid, x² → x**(2), z₂ → z2.

    Python's precedences (** above unary − above * / above + −) are the ones
    the printer uses, so if the printer put every parenthesis where it must,
    Python computes exactly what the formula's tree computes.
    """
    text = text.replace("·", " * ").replace("−", "-").replace("σ(", "sigmoid(")
    text = re.sub(r"([⁻⁰¹²³⁴⁵⁶⁷⁸⁹]+)", lambda m: "**(" + m.group(1).translate(_DIGITS) + ")", text)
    return text.translate(_DIGITS)


# ---------------------------------------------------------------------------
# Simplification rules, one by one
# ---------------------------------------------------------------------------

x = Expr.symbol("x", 2.0)
y = Expr.symbol("y", 3.0)


@pytest.mark.parametrize(
    "formula, printed",
    [
        (1 * x, "x"),
        (x * 1, "x"),
        (x + 0, "x"),
        (0 + x, "x"),
        (x - 0, "x"),
        (0 - x, "−x"),
        (x * 0, "0"),
        (0 * x, "0"),
        (x ** 1, "x"),
        (x ** 0, "1"),
        (x / 1, "x"),
        (-(-x), "x"),
        (x + (-y), "x − y"),
        (x - (-y), "x + y"),
        (-1 * x, "−x"),
        ((-x) * y, "−x·y"),
        (-(x - y), "y − x"),
        (Expr.constant(2) * 3 + x, "6 + x"),
        (Expr.constant(0.0).sigmoid() * x, "0.5·x"),
    ],
)
def test_trivial_factors_and_terms_are_simplified_away(formula, printed):
    assert str(formula) == printed


@pytest.mark.parametrize(
    "formula, printed",
    [
        ((x + y) * x, "(x + y)·x"),
        (x - (y - x), "x − (y − x)"),
        (x - (y + x), "x − (y + x)"),
        ((x - y) - x, "x − y − x"),
        (x / (y * x), "x/(y·x)"),
        ((x * y) ** 2, "(x·y)²"),
        (-(x + y), "−(x + y)"),
        (x * (-y).exp(), "x·exp(−y)"),
        (x ** -2, "x⁻²"),
        (x ** 0.5, "x^0.5"),
        (x ** -0.5, "x^(−0.5)"),
        (x ** y, "x^y"),
        (x ** (y - 1), "x^(y − 1)"),
        ((x + y).sqrt(), "√(x + y)"),
        ((x - y).abs(), "|x − y|"),
        (x.leaky_relu(0.1), "leaky_relu(x, 0.1)"),
        (Expr.symbol("z2", 0.0).sigmoid(), "σ(z₂)"),
    ],
)
def test_printing_puts_parentheses_exactly_where_needed(formula, printed):
    assert str(formula) == printed


def test_labels_get_subscripts():
    assert [pretty_label(s) for s in ("a4", "w_12", "C", "x", "h3b")] == ["a₄", "w₁₂", "C", "x", "h3b"]


# ---------------------------------------------------------------------------
# Printed forms evaluate to the formula's own value, on random formulas
# ---------------------------------------------------------------------------

UNARY = (ops.neg, ops.exp, ops.tanh, ops.sigmoid, ops.sin, ops.cos)
BINARY = (ops.add, ops.sub, ops.mul, ops.div)


@st.composite
def formulas(draw, constants=True):
    """A random formula over symbols s0, s1, s2 (and small integer constants), built step by step."""
    names = ["s0", "s1", "s2"]
    pool = [Expr.symbol(n, draw(st.floats(-2, 2, allow_subnormal=False))) for n in names]
    if constants:
        pool += [Expr.constant(draw(st.integers(-3, 3))) for _ in range(2)]
    for _ in range(draw(st.integers(1, 10))):
        kind = draw(st.sampled_from(("unary", "binary", "power")))
        a = draw(st.sampled_from(pool))
        try:
            if kind == "unary":
                pool.append(Expr.apply(draw(st.sampled_from(UNARY)), (a,)))
            elif kind == "binary":
                pool.append(Expr.apply(draw(st.sampled_from(BINARY)), (a, draw(st.sampled_from(pool)))))
            else:
                # x⁰ is the constant 1, and a function of a constant is folded to a 6-digit number
                # in Unicode: formulas without constants leave it out.
                pool.append(a ** draw(st.sampled_from((-1, 0, 1, 2, 3) if constants else (-1, 1, 2, 3))))
        except (ZeroDivisionError, OverflowError):
            pass
    return pool[-1]


def values_of(formula):
    return formula.symbols()


@given(formulas())
def test_python_form_evaluates_exactly_to_the_formula(formula):
    try:
        expected = formula.evaluate()
        printed = eval(formula.python(), python_namespace(values_of(formula)))
    except ZeroDivisionError:
        assume(False)
    assert expected == printed or (math.isnan(expected) and math.isnan(printed))
    assert expected == formula.data or (math.isnan(expected) and math.isnan(formula.data))


@given(formulas(constants=False))
def test_unicode_form_read_back_evaluates_exactly_to_the_formula(formula):
    namespace = python_namespace(values_of(formula))
    try:
        expected = formula.evaluate()
        printed = eval(unicode_to_python(str(formula)), namespace)
    except (ZeroDivisionError, OverflowError):
        assume(False)
    assert expected == printed or (math.isnan(expected) and math.isnan(printed))


# ---------------------------------------------------------------------------
# Derivatives of random expression graphs
# ---------------------------------------------------------------------------

@given(st.data())
def test_printed_and_evaluated_derivative_equals_autograd_on_random_graphs(data):
    leaves, out = data.draw(value_graphs(max_leaves=3, max_steps=8))
    gradients = grad(out, leaves)
    values = {leaf.label: leaf.data for leaf in leaves}
    for leaf, g in zip(leaves, gradients):
        assume(math.isfinite(g))
        formula = exact_derivative(out, leaf)
        assert agree(formula.evaluate(), g)
        assert agree(eval(formula.python(), python_namespace(values)), g)
        # The derivative's constants are small integers (the 1 of 1 − σ, the 3 of 3·x²), so even the
        # Unicode text, read back, is exact.
        assert agree(eval(unicode_to_python(str(formula)), python_namespace(values)), g)


@given(st.data())
def test_derivative_formula_is_a_function_valid_at_other_points(data):
    program = data.draw(programs(max_leaves=3, max_steps=8))
    here = data.draw(program_inputs(program))
    there = data.draw(program_inputs(program))
    leaves = [Value(v, label=f"x{i}") for i, v in enumerate(here)]
    formulas_here = [exact_derivative(program(*leaves), leaf) for leaf in leaves]
    moved = [Value(v, label=f"x{i}") for i, v in enumerate(there)]
    gradients_there = grad(program(*moved), moved)
    values = {f"x{i}": v for i, v in enumerate(there)}
    for formula, g in zip(formulas_here, gradients_there):
        assume(math.isfinite(g))
        assert agree(formula.evaluate(values), g)


def test_exact_derivatives_of_familiar_functions_print_each_rule_of_the_table():
    a = Value(2.0, label="x")
    b = Value(3.0, label="y")
    assert str(exact_derivative(a * b, a)) == "y"
    assert str(exact_derivative(a ** 2, a)) == "2·x"
    assert str(exact_derivative(a ** 3 + 2 * a, a)) == "3·x² + 2"
    assert str(exact_derivative(a + b, a)) == "1"
    assert str(exact_derivative(b * 3, a)) == "0"
    assert str(exact_derivative(a.sigmoid(), a)) == "σ(x)·(1 − σ(x))"
    assert str(exact_derivative(a.tanh(), a)) == "1 − tanh(x)·tanh(x)"
    assert str(exact_derivative(a.log(), a)) == "1/x"
    assert str(exact_derivative(a.sqrt(), a)) == "0.5/√x"
    assert str(exact_derivative(a ** b, b)) == "x^y·log(x)"
    assert str(exact_derivative(a ** b, a)) == "y·x^(y − 1)"
    assert str(exact_derivative(a.cos(), a)) == "−sin(x)"


def test_kinked_ops_give_the_constant_of_their_side():
    a = Value(2.0, label="x")
    assert str(exact_derivative(a.relu(), a)) == "1"
    assert str(exact_derivative((-a).relu(), a)) == "0"
    assert str(exact_derivative((-a).leaky_relu(0.1), a)) == "−0.1"


def test_labelled_intermediate_nodes_can_stay_as_symbols():
    C, nodes = sigmoid_chain([0.5, 1.5], [0.1, 0.2], a0=0.3, y=1.0)
    short = exact_derivative(C, nodes["b1"], expand=False)
    assert str(short) == "0.5·(2·(a₂ − y))·(a₂·(1 − a₂))·w₂·(a₁·(1 − a₁))"
    full = exact_derivative(C, nodes["b1"])
    assert set(full.symbols()) == {"a0", "w1", "w2", "b1", "b2", "y"}
    C.backward()
    assert agree(short.evaluate(), nodes["b1"].grad) and agree(full.evaluate(), nodes["b1"].grad)
    assert str(expression(nodes["z2"])) == "w₂·σ(w₁·a₀ + b₁) + b₂"
    assert str(expression(nodes["z2"], expand=False)) == "w₂·a₁ + b₂"


def test_unusable_python_names_are_looked_up_in_a_dictionary():
    weird = Expr.symbol("w[1]", 2.0)
    clash = Expr.symbol("exp", 3.0)
    formula = weird * clash.exp()
    text = formula.python()
    assert text == "symbols['w[1]'] * exp(symbols['exp'])"
    assert eval(text, python_namespace({"w[1]": 2.0, "exp": 3.0})) == formula.evaluate() == 2.0 * math.exp(3.0)


def test_evaluating_outside_an_ops_domain_raises_the_ops_error():
    formula = Expr.symbol("x", 2.0).log()
    with pytest.raises(ValueError, match="log"):
        formula.evaluate({"x": -1.0})


def test_deep_formulas_need_no_recursion():
    a = Value(0.1, label="x")
    b = a
    for _ in range(3000):
        b = b * 0.999 + 0.001
    formula = exact_derivative(b, a)
    assert formula.is_constant and agree(formula.data, 0.999 ** 3000)
    assert len(render(expression(b), limit=40)) <= 40


def test_bad_input_is_refused_with_a_clear_message():
    with pytest.raises(TypeError, match="exact_derivative"):
        exact_derivative(1.0, Value(1.0))
    with pytest.raises(TypeError, match="operation_count"):
        operation_count("x + 1")
    with pytest.raises(ValueError, match="Expr.symbol"):
        Expr.symbol("", 1.0)
    with pytest.raises(TypeError, match="Expr.constant"):
        Expr.constant("2")


@pytest.mark.parametrize(
    "formula, count",
    [(x, 0), (Expr.constant(2.0), 0), (3 * x ** 2 + 2, 3), (-x, 1), (x.sigmoid() * (1 - x.sigmoid()), 4),
     (x ** y, 1), ((x * y).tanh() + (x * y).tanh(), 5)],
)
def test_operation_count_counts_each_operation_each_time_it_is_written(formula, count):
    assert operation_count(formula) == count
