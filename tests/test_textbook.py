"""The textbook form: as short as a computer-algebra system writes it, and equal to the exact form.

The expected strings below were derived by hand (and checked offline against
SymPy's simplified derivatives; SymPy is not a dependency).  The "CAS forms"
are written as a computer-algebra system prints the simplified derivative when
σ′ and tanh′ are functions it knows by name: no sub-expression named, no
common factor pulled out.
"""

import math
import re

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from tinygrad_edu import Op, Value, ops
from tinygrad_edu.autodiff import grad
from tinygrad_edu.backward import topological_order
from tinygrad_edu.explain import sigmoid_chain
from tinygrad_edu.symbolic import Expr, operation_count
from tinygrad_edu.testing import program_inputs, programs
from tinygrad_edu.textbook import Derivative, derivative_op, symbolic_derivative, textbook

# ---------------------------------------------------------------------------
# Counting operations in a printed formula: a second route, independent of operation_count
# ---------------------------------------------------------------------------

_CALL = re.compile(r"[A-Za-zσ_]+′?\(")
_SUPERSCRIPT = re.compile(r"[⁻⁰¹²³⁴⁵⁶⁷⁸⁹]+")


def count_printed(text):
    """Operations in a printed formula: each ·, binary + and −, unary −, /, ^, power, √, |…| and call.
    A ``where`` clause's definitions count once each; their names and ``=`` count nothing."""
    main, _, where = text.partition(", where ")
    bodies = [main] + [d.split(" = ", 1)[1] for d in where.split(", ") if d] if where else [main]
    total = 0
    for body in bodies:
        total += body.count("·") + body.count(" + ") + body.count(" − ") + body.count("/") + body.count("^")
        total += len(re.findall(r"(?:^|\()−", body))  # a minus sign that starts a formula or a bracket
        total += len(_SUPERSCRIPT.findall(body)) + len(_CALL.findall(body)) + body.count("√") + body.count("|") // 2
    return total


def test_printed_count_matches_the_formulas_own_count():
    x, y = Expr.symbol("x", 1.0), Expr.symbol("y", 2.0)
    for formula in (3 * x ** 2 + 2, -(x * y), x / (y + 1), (x - y).abs(), x ** y, (x * y).sigmoid().sqrt()):
        assert count_printed(str(formula)) == operation_count(formula)


# ---------------------------------------------------------------------------
# The learner set
# ---------------------------------------------------------------------------

def learner_set():
    """(name, output, wrt, textbook form expected, the CAS form, the exact form's operation count)."""
    x, w, b = Value(0.5, label="x"), Value(0.8, label="w"), Value(-0.2, label="b")
    y, z = Value(1.5, label="y"), Value(0.3, label="z")
    cases = []
    # σ(x³): d/dx = 3x²·σ′(x³).  One term per path through x·x·x in the exact form, three of them.
    cases.append(("σ(x³)", (x * x * x).sigmoid(), x, "3·x²·σ′(x³)", "3·x²·σ′(x³)", 32))
    # tanh(w·x + b)²: d/dw = 2·tanh(z)·tanh′(z)·x with z = w·x + b.
    cases.append(("tanh(w·x + b)²", (w * x + b).tanh() ** 2, w, "2·x·tanh(z)·tanh′(z), where z = w·x + b",
                  "2·x·tanh(w·x + b)·tanh′(w·x + b)", 14))
    # Nielsen's chain: ∂C/∂b₁ = σ′(z₁)·w₂·σ′(z₂)·w₃·σ′(z₃)·w₄·σ′(z₄)·(a₄ − y), C = (a₄ − y)²/2.
    C, n = sigmoid_chain([0.5, -1.2, 0.8, 1.1], [0.1, 0.2, -0.3, 0.4], a0=0.5, y=0.0)
    z1 = "a₀·w₁ + b₁"
    z2 = f"w₂·σ({z1}) + b₂"
    z3 = f"w₃·σ({z2}) + b₃"
    z4 = f"w₄·σ({z3}) + b₄"
    cases.append(("Nielsen's chain", C, n["b1"],
                  "w₂·w₃·w₄·σ′(z₁)·σ′(z₂)·σ′(z₃)·σ′(z₄)·(σ(z₄) − y), where z₁ = a₀·w₁ + b₁, "
                  "z₂ = w₂·σ(z₁) + b₂, z₃ = w₃·σ(z₂) + b₃, z₄ = w₄·σ(z₃) + b₄",
                  f"w₂·w₃·w₄·σ′({z1})·σ′({z2})·σ′({z3})·σ′({z4})·(σ({z4}) − y)", 90))
    # A two-layer scalar MLP neuron, out = σ(w₂·tanh(w₁·x + b₁) + b₂): d/dw₁ = w₂·x·tanh′(z)·σ′(w₂·tanh(z) + b₂).
    w1, b1, w2, b2 = (Value(v, label=name) for v, name in ((0.7, "w1"), (0.1, "b1"), (-1.3, "w2"), (0.2, "b2")))
    h = (w1 * x + b1).tanh()
    h.label = "h"
    cases.append(("two-layer neuron", (w2 * h + b2).sigmoid(), w1,
                  "w₂·x·tanh′(z)·σ′(w₂·tanh(z) + b₂), where z = w₁·x + b₁",
                  "w₂·x·tanh′(w₁·x + b₁)·σ′(w₂·tanh(w₁·x + b₁) + b₂)", 25))
    # x^y: d/dx = y·x^(y − 1), d/dy = x^y·ln x.
    cases.append(("x^y, d/dx", x ** y, x, "y·x^(y − 1)", "y·x^(y − 1)", 3))
    cases.append(("x^y, d/dy", x ** y, y, "x^y·log(x)", "x^y·log(x)", 3))
    # log σ(z): d/dz = σ′(z)/σ(z) = 1 − σ(z).
    cases.append(("log(σ(z))", z.sigmoid().log(), z, "1 − σ(z)", "1 − σ(z)", 7))
    # h·h + x·h with h = tanh(w·x): d/dx = 2h·w·tanh′(w·x) + h + x·w·tanh′(w·x).
    h = (w * x).tanh()
    h.label = "h"
    cases.append(("h·h + x·h", h * h + x * h, x, "tanh(w·x) + w·tanh′(w·x)·(2·tanh(w·x) + x)",
                  "2·w·tanh(w·x)·tanh′(w·x) + w·x·tanh′(w·x) + tanh(w·x)", 17))
    return cases


CASES = learner_set()
IDS = [case[0] for case in CASES]


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_learner_set_prints_the_hand_derived_textbook_form(case):
    _, output, wrt, expected, _, _ = case
    assert str(symbolic_derivative(output, wrt)) == expected


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_learner_set_is_at_most_one_and_a_half_times_the_cas_form(case):
    _, output, wrt, expected, cas, exact_count = case
    d = symbolic_derivative(output, wrt)
    assert operation_count(d.exact) == count_printed(str(d.exact)) == exact_count
    assert d.textbook.operation_count == count_printed(str(d)) == count_printed(expected)
    assert d.textbook.operation_count <= 1.5 * count_printed(cas)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_learner_set_textbook_and_cas_forms_evaluate_to_the_engines_gradient(case):
    _, output, wrt, _, cas, _ = case
    d = symbolic_derivative(output, wrt)
    (g,) = grad(output, [wrt])
    assert d.evaluate() == g  # the exact form: to the last bit
    assert math.isclose(d.textbook.evaluate(), g, rel_tol=1e-13, abs_tol=1e-16)
    # The CAS form, read back by Python, is the same number too: the hand derivation is right.
    assert math.isclose(eval(as_python(cas), namespace(output)), g, rel_tol=1e-13, abs_tol=1e-16)


def as_python(text):
    text = text.replace("·", "*").replace("−", "-").replace("^", "**").replace("σ′(", "dsigmoid(")
    text = text.replace("tanh′(", "dtanh(").replace("σ(", "sigmoid(").replace("²", "**2").replace("³", "**3")
    return text.translate(str.maketrans("₀₁₂₃₄", "01234"))


def namespace(output):
    sigmoid = lambda t: 1 / (1 + math.exp(-t))  # noqa: E731
    names = {"sigmoid": sigmoid, "dsigmoid": lambda t: sigmoid(t) * (1 - sigmoid(t)), "tanh": math.tanh,
             "dtanh": lambda t: 1 - math.tanh(t) ** 2, "log": math.log}
    names.update({n.label: n.data for n in topological_order(output) if n.label and n.is_leaf})
    return names


# ---------------------------------------------------------------------------
# The textbook form equals the exact form, on random graphs, here and elsewhere
# ---------------------------------------------------------------------------

def largest_intermediate(formula, values):
    """The largest |value| of any sub-formula of the exact form at ``values``."""
    results = {}
    for node in reversed(topological_order(formula)):
        if node.op is not None:
            results[node] = node.op(*[results[a] for a in node.args], *node.params)
        else:
            results[node] = values.get(node.name, node.data) if node.name is not None else node.data
    return max((abs(v) for v in results.values() if math.isfinite(v)), default=0.0)


def close_to_exact(textbook_value, exact_value, scale):
    """The rewriting reassociates sums (a + b + a → 2·a + b) and cancels (x/x → 1), so the two
    round differently: each rewrite moves the result by a few ulps of the sub-formulas it touches,
    at most ~ε·scale, and what follows it (at most 8 smooth ops on inputs in [−2, 2]) amplifies that
    by far less than 10⁶ here.  So |difference| ≤ 1e-9·scale (ε·10⁶·a margin) plus 1e-9 relative."""
    return math.isclose(textbook_value, exact_value, rel_tol=1e-9, abs_tol=1e-9 * scale + 1e-300)


@given(st.data())
def test_textbook_form_equals_the_exact_form_at_random_points_of_random_graphs(data):
    program = data.draw(programs(max_leaves=3, max_steps=8))
    here = data.draw(program_inputs(program))
    there = data.draw(program_inputs(program))
    leaves = [Value(v, label=f"x{i}") for i, v in enumerate(here)]
    out = program(*leaves)
    for leaf in leaves:
        d = symbolic_derivative(out, leaf)
        assert isinstance(d, Derivative)
        for point in (here, there):
            values = {f"x{i}": v for i, v in enumerate(point)}
            try:
                exact = d.evaluate(values)
                text = d.textbook.evaluate(values)
            except (ValueError, ArithmeticError):
                continue  # a point outside a rule's domain (log of a negative): neither form has a value
            assume(math.isfinite(exact))
            assert close_to_exact(text, exact, largest_intermediate(d.exact, values))
            assert d.textbook.operation_count <= operation_count(d.exact) or d.textbook.where


@given(st.data())
def test_textbook_form_is_never_longer_than_the_exact_form_without_names(data):
    program = data.draw(programs(max_leaves=2, max_steps=6))
    leaves = [Value(v, label=f"x{i}") for i, v in enumerate(data.draw(program_inputs(program)))]
    out = program(*leaves)
    for leaf in leaves:
        d = symbolic_derivative(out, leaf)
        assert operation_count(d.textbook.formula) <= operation_count(d.exact)


# ---------------------------------------------------------------------------
# Each rewrite, on its own
# ---------------------------------------------------------------------------

x, y = Expr.symbol("x", 2.0), Expr.symbol("y", 3.0)


@pytest.mark.parametrize(
    "formula, printed",
    [
        (x + x, "2·x"),
        (x * x * x, "x³"),
        (x * y + y * x - x / x, "2·x·y − 1"),
        (x / (x * x), "1/x"),
        (0.5 * (2 * (x - y)), "x − y"),
        (-(x - y), "y − x"),
        ((x * x) ** 3, "x⁶"),
        (x.sigmoid() * (1 - x.sigmoid()) * 3, "3·σ′(x)"),
        (x.sigmoid() * x.sigmoid() * (1 - x.sigmoid()), "σ(x)·σ′(x)"),
        (1 - x.tanh() * x.tanh(), "tanh′(x)"),
        (x.softplus() * 0 + x.sigmoid(), "σ(x)"),
        ((-x).sigmoid(), "σ(−x)"),
        (x - x, "0"),
        (x ** 0.5 * x ** 0.5, "x"),
    ],
)
def test_each_rewrite(formula, printed):
    t = textbook(formula)
    assert str(t) == printed
    assert math.isclose(t.evaluate(), formula.evaluate(), rel_tol=1e-14)


def test_derivative_names_come_from_the_table_so_new_ops_get_them_too():
    # A user's op with a prime and a rule longer than its name gets named; one with no prime keeps its rule.
    softsign = Op("softsign", forward=lambda t: t / (1 + abs(t)),
                  derivative=lambda t, out: 1 / (1 + ops.absolute(t)) ** 2, prime="softsign′")
    plain = Op("softsign2", forward=lambda t: t / (1 + abs(t)),
               derivative=lambda t, out: 1 / (1 + ops.absolute(t)) ** 2)
    numeric_only = Op("cube", forward=lambda t: t ** 3, derivative=lambda t, out: 3 * ops.value_of(t) ** 2,
                      prime="cube′")
    a = Value(0.5, label="a")
    assert str(symbolic_derivative(softsign(a * a), a)) == "2·a·softsign′(a²)"
    assert str(symbolic_derivative(plain(a * a), a)) == "2·a/(|a²| + 1)²"
    # A rule that reads only the number (value_of) gives a number in the exact form: that number is printed.
    assert str(symbolic_derivative(numeric_only(a), a)) == "0.75"
    assert derivative_op(softsign)(0.0) == 1.0 and derivative_op(softsign) is derivative_op(softsign)
    with pytest.raises(TypeError, match="softsign_prime"):
        derivative_op(softsign).derivative(0.0, 1.0)


def test_repeated_sums_take_the_graphs_label_else_a_free_name():
    w, v, b = Value(0.8, label="w"), Value(0.3, label="z"), Value(0.1, label="b")
    pre = w * v + b
    pre.label = "a"
    # The label a names w·z + b; it is used twice (tanh and tanh′).
    assert str(symbolic_derivative(pre.tanh() ** 2, w)) == "2·z·tanh(a)·tanh′(a), where a = w·z + b"
    # Unlabelled, it gets the first free name: z is taken by a symbol, so u.
    unlabelled = (w * v + b).tanh() ** 2
    assert str(symbolic_derivative(unlabelled, w)) == "2·z·tanh(u)·tanh′(u), where u = w·z + b"
    # Evaluated elsewhere, the definitions are worked out again from the new values.
    d = symbolic_derivative(unlabelled, w)
    moved = {"w": -0.4, "z": 1.1, "b": 0.6}
    assert math.isclose(d.textbook.evaluate(moved), d.evaluate(moved), rel_tol=1e-14)


def test_deep_formulas_need_no_recursion():
    a = Value(0.1, label="x")
    b = a
    for _ in range(1200):  # past Python's recursion limit of 1000
        b = (b * 0.999).tanh()
    d = symbolic_derivative(b, a)
    assert math.isclose(d.textbook.evaluate(), d.evaluate(), rel_tol=1e-12)


def test_bad_input_is_refused_with_a_clear_message():
    with pytest.raises(TypeError, match="symbolic_derivative: output and wrt must be Values"):
        symbolic_derivative(Value(1.0), 2.0)
    with pytest.raises(TypeError, match="textbook: expected an Expr, got str"):
        textbook("x + x")
