"""chain_rule: the factors of each path, their product, the sum over paths, the path count."""

import math
import random
import sys
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tinygrad_edu import ops
from tinygrad_edu.explain import Path, chain_rule, count_paths, sigmoid_chain
from tinygrad_edu.testing import central_difference_with_error, close, value_graphs
from tinygrad_edu.value import Value

EPSILON = sys.float_info.epsilon
NIELSEN_SYMBOLS = ["σ′(z₁)", "w₂", "σ′(z₂)", "w₃", "σ′(z₃)", "w₄", "σ′(z₄)", "∂C/∂a₄"]


# ---------------------------------------------------------------------------
# Independent references, in plain floats: no Value, no engine
# ---------------------------------------------------------------------------

def sigmoid(z):
    return 1.0 / (1.0 + math.exp(-z))


def chain_cost(weights, biases, a0, y):
    a = a0
    for w, b in zip(weights, biases):
        a = sigmoid(w * a + b)
    return (a - y) ** 2 / 2


def chain_forward(weights, biases, a0):
    zs, activations = [], [a0]
    for w, b in zip(weights, biases):
        zs.append(w * activations[-1] + b)
        activations.append(sigmoid(zs[-1]))
    return zs, activations


def all_paths(output, wrt):
    """Every path from ``wrt`` to ``output`` as a list of local derivatives: brute force, explicit stack."""
    found = []
    stack = [(output, [])]
    while stack:
        node, factors = stack.pop()
        if node is wrt:
            found.append(factors)
            continue  # wrt may also sit above itself only in a cyclic graph, which cannot be built
        for i, child in enumerate(node._prev):
            stack.append((child, [node._partials[i]] + factors))
    return found


def product(values):
    result = 1.0
    for v in values:
        result *= v
    return result


def rounding_allowance(paths):
    """How far a sum of path products may be from backward's number by rounding alone.

    Each product of k factors is within k·ε (relative) of the exact product,
    and summing N terms adds N·ε·Σ|term|; backward rounds in a different
    order with the same bounds.  So both are within (k + N)·ε·Σ|products| of
    the exact sum: allow twice that, times 4 for safety, plus a tiny floor.
    """
    if not paths:
        return 0.0
    longest = max(len(p) for p in paths)
    total = sum(abs(product(p)) for p in paths)
    return 8 * (longest + len(paths)) * EPSILON * total + 1e-300


# ---------------------------------------------------------------------------
# Nielsen's chain
# ---------------------------------------------------------------------------

def random_chain(seed):
    rng = random.Random(seed)
    weights = [rng.gauss(0.0, 1.0) for _ in range(4)]
    biases = [rng.gauss(0.0, 1.0) for _ in range(4)]
    return weights, biases


def test_nielsen_chain_formula_has_exactly_nielsens_factors_in_order():
    weights, biases = random_chain(seed=3)
    C, nodes = sigmoid_chain(weights, biases, a0=0.5, y=0.0)
    rule = chain_rule(C, nodes["b1"])
    assert rule.path_count == 1 and len(rule.paths) == 1
    assert rule.paths[0].symbols == NIELSEN_SYMBOLS


@settings(max_examples=30)
@given(
    weights=st.lists(st.floats(-3, 3), min_size=4, max_size=4),
    biases=st.lists(st.floats(-3, 3), min_size=4, max_size=4),
    a0=st.floats(0, 1),
    y=st.floats(0, 1),
)
def test_nielsen_chain_factors_are_the_closed_form_and_multiply_to_the_gradient(weights, biases, a0, y):
    C, nodes = sigmoid_chain(weights, biases, a0=a0, y=y)
    zs, activations = chain_forward(weights, biases, a0)
    C.backward()
    for j in range(1, 5):
        rule = chain_rule(C, nodes[f"b{j}"])
        assert rule.paths[0].symbols == NIELSEN_SYMBOLS[2 * (j - 1):]  # ∂C/∂b₃ drops the leading factors
        # The closed form, computed here from plain floats: σ′(z) = σ(z)(1 − σ(z)), the weight, and ∂C/∂a₄ = a₄ − y.
        expected = []
        for k in range(j, 5):
            s = sigmoid(zs[k - 1])
            expected.append(s * (1 - s))
            if k < 4:
                expected.append(weights[k])
        expected.append(activations[4] - y)
        assert [f.value for f in rule.paths[0]] == pytest.approx(expected, rel=1e-12, abs=1e-300)
        # The product is the engine's gradient (rounding: 8 factors, a few ε) ...
        bias = nodes[f"b{j}"]
        assert math.isclose(rule.paths[0].product, bias.grad, rel_tol=64 * EPSILON, abs_tol=1e-300)
        assert rule.value == bias.grad
        # ... and a central difference of the plain-float cost confirms it (error bar measured, see testing.py).
        def cost_of_bias(t, j=j):
            moved = list(biases)
            moved[j - 1] = t
            return chain_cost(weights, moved, a0, y)

        numeric, error_bar = central_difference_with_error(cost_of_bias, biases[j - 1], 1e-5)
        assert close(rule.paths[0].product, numeric, error_bar)


def test_nielsen_chain_with_w_100_multiplies_by_exactly_25_per_layer():
    # All w = 100, a₀ = 0.5, b = −50: every z = 0, σ′(0) = 1/4, so every w·σ′(z) = 25 (all exact in binary).
    C, nodes = sigmoid_chain([100.0] * 4, [-50.0] * 4, a0=0.5, y=0.0)
    assert all(nodes[f"z{j}"].data == 0.0 for j in range(1, 5))
    gradients = [chain_rule(C, nodes[f"b{j}"]).value for j in range(1, 5)]
    assert gradients == [1953.125, 78.125, 3.125, 0.125]
    factors = chain_rule(C, nodes["b1"]).paths[0]
    pairs = [factors[k + 1].value * factors[k + 2].value for k in range(0, 6, 2)]  # w₂σ′(z₂), w₃σ′(z₃), w₄σ′(z₄)
    assert pairs == [25.0, 25.0, 25.0]
    assert factors.product == 1953.125


def test_nielsen_chain_with_w_100_agrees_with_finite_differences():
    # This chain is strongly curved: with h = 1e-6 the central difference for ∂C/∂b₁ is off by about
    # 2e-5 (relative), with h = 1e-7 by about 2e-7 (measured).  The
    # rounding part, ε·|C|/h ≈ 2.2e-16·0.125/1e-7 ≈ 3e-10, is at most 2e-9 relative to the smallest
    # gradient 0.125.  So h = 1e-7 and a relative tolerance of 2e-6 hold with room to spare.
    C, nodes = sigmoid_chain([100.0] * 4, [-50.0] * 4, a0=0.5, y=0.0)
    h = 1e-7
    for j in range(1, 5):
        def cost_of_bias(t, j=j):
            biases = [-50.0] * 4
            biases[j - 1] = t
            return chain_cost([100.0] * 4, biases, 0.5, 0.0)

        numeric = (cost_of_bias(-50.0 + h) - cost_of_bias(-50.0 - h)) / (2 * h)
        rule = chain_rule(C, nodes[f"b{j}"])
        assert math.isclose(rule.paths[0].product, numeric, rel_tol=2e-6)


@pytest.mark.parametrize("layers", [2, 3, 5, 8])
def test_gradient_ratio_between_first_and_last_bias_is_25_to_the_depth(layers):
    C, nodes = sigmoid_chain([100.0] * layers, [-50.0] * layers, a0=0.5, y=0.0)
    first = chain_rule(C, nodes["b1"]).value
    last = chain_rule(C, nodes[f"b{layers}"]).value
    assert first / last == 25.0 ** (layers - 1)


def test_with_unit_weights_each_layer_back_divides_the_gradient_by_four():
    # w = 1 and b = −0.5 keep every z = 0 (a₀ = 0.5): each w·σ′(z) = 1/4, Nielsen's "factor of 16" over two layers.
    C, nodes = sigmoid_chain([1.0] * 4, [-0.5] * 4, a0=0.5, y=0.0)
    assert chain_rule(C, nodes["b1"]).value / chain_rule(C, nodes["b3"]).value == 1 / 16


def test_nielsen_formula_prints_symbols_values_and_the_total():
    C, nodes = sigmoid_chain([100.0] * 4, [-50.0] * 4, a0=0.5, y=0.0)
    lines = str(chain_rule(C, nodes["b1"])).splitlines()
    assert lines[0].startswith("∂C/∂b₁ = σ′(z₁) · w₂")
    assert lines[0].split(" = ")[1].split(" · ") == [s.ljust(len(s)) for s in lines[0].split(" = ")[1].split(" · ")]
    assert [s.strip() for s in lines[0].split(" = ", 1)[1].split(" · ")] == NIELSEN_SYMBOLS
    assert [v.strip() for v in lines[1].split(" = ", 1)[1].split(" × ")] == ["0.25", "100"] * 3 + ["0.25", "0.5"]
    assert lines[2].strip() == "= 1953.125"
    # The values sit under their symbols: each × lines up with a ·.
    assert [k for k, c in enumerate(lines[0]) if c == "·"] == [k for k, c in enumerate(lines[1]) if c == "×"]


def test_negative_factors_print_in_parentheses_with_a_real_minus_sign():
    C, nodes = sigmoid_chain([1.0, -0.41], [0.0, 0.0], a0=0.5, y=0.0)
    text = str(chain_rule(C, nodes["b1"]))
    assert "(−0.41)" in text and "-" not in text


def test_intermediate_labelled_nodes_and_weights_get_their_own_formulas():
    weights, biases = random_chain(seed=5)
    C, nodes = sigmoid_chain(weights, biases, a0=0.5, y=0.0)
    assert chain_rule(C, nodes["w2"]).paths[0].symbols == ["a₁"] + NIELSEN_SYMBOLS[2:]
    assert chain_rule(C, nodes["z3"]).paths[0].symbols == NIELSEN_SYMBOLS[4:]
    # From a₄ itself there is no labelled node left to condense at: the cost's own factors show.
    assert chain_rule(C, nodes["a4"]).paths[0].symbols == ["2·(a₄ − y)", "0.5"]
    # y enters through the right side of a subtraction: a factor −1.
    rule = chain_rule(C, nodes["y"])
    assert rule.paths[0].symbols == ["−1", "2·(a₄ − y)", "0.5"]
    assert math.isclose(rule.value, -(nodes["a4"].data - nodes["y"].data), rel_tol=1e-15)


def test_unsimplified_path_lists_every_edge_and_has_the_same_product():
    weights, biases = random_chain(seed=7)
    C, nodes = sigmoid_chain(weights, biases, a0=0.5, y=0.0)
    full = chain_rule(C, nodes["b1"], simplify=False).paths[0]
    short = chain_rule(C, nodes["b1"]).paths[0]
    # b₁ → z₁ → a₁ → w₂a₁ → z₂ → … → a₄ → a₄ − y → (a₄ − y)² → C: 3 edges per layer after the first, 3 for the cost.
    assert len(full) == len(full.nodes) - 1 == 2 + 3 * 3 + 3
    assert [f.value for f in full if f.symbol == "1"] == [1] * 5  # the routing factors of + and of the left of −
    assert math.isclose(full.product, short.product, rel_tol=16 * EPSILON)


def test_tail_is_not_condensed_when_the_labelled_node_reaches_the_output_twice():
    x = Value(0.3, label="x")
    a = (2 * x).tanh()
    a.label = "a"
    out = a * a  # two edges from a to the output
    out.label = "C"
    rule = chain_rule(out, x)
    assert rule.path_count == 2
    assert [p.symbols for p in rule.paths] == [["2", "tanh′(2·x)", "a"]] * 2
    assert math.isclose(sum(p.product for p in rule.paths), rule.value, rel_tol=8 * EPSILON)


# ---------------------------------------------------------------------------
# Random graphs: the sum over paths is the gradient; counts and order match brute force
# ---------------------------------------------------------------------------

@given(st.data())
def test_products_of_all_paths_sum_to_the_gradient_on_random_graphs(data):
    leaves, out = data.draw(value_graphs(max_leaves=3, max_steps=8))
    for leaf in leaves:
        brute = all_paths(out, leaf)
        rule = chain_rule(out, leaf, max_paths=len(brute) + 1)
        assert rule.path_count == len(brute) == len(rule.paths)
        assert rule.omitted == 0
        if not math.isfinite(rule.value):
            continue
        listed = sum(p.product for p in rule.paths)
        assert math.isclose(listed, rule.value, rel_tol=0.0, abs_tol=rounding_allowance(brute))
        # The same multiset of products as brute force: simplification removed only factors of 1.
        assert sorted(p.product for p in rule.paths) == pytest.approx(
            sorted(product(p) for p in brute), rel=64 * EPSILON, abs=1e-300
        )


@given(st.data())
def test_listed_paths_are_the_largest_ones_largest_first(data):
    leaves, out = data.draw(value_graphs(max_leaves=2, max_steps=8))
    k = data.draw(st.integers(1, 4))
    for leaf in leaves:
        brute = sorted((abs(product(p)) for p in all_paths(out, leaf)), reverse=True)
        rule = chain_rule(out, leaf, max_paths=k)
        listed = [abs(p.product) for p in rule.paths]
        assert len(listed) == min(k, len(brute))
        assert listed == sorted(listed, reverse=True)
        # Equal up to rounding: the search ranks by sums of logs, brute force by products.
        assert listed == pytest.approx(brute[:k], rel=1e-12, abs=1e-300)
        if rule.omitted:
            assert math.isclose(rule.omitted_sum, rule.value - sum(p.product for p in rule.paths))


@settings(max_examples=40)
@given(st.data())
def test_path_products_sum_exactly_to_the_gradient_with_fractions(data):
    # With exact rational arithmetic there is no rounding: the chain-rule sum and backward must be equal.
    n = data.draw(st.integers(1, 3))
    leaves = [Value(Fraction(data.draw(st.integers(-9, 9)), data.draw(st.integers(1, 9))), label=f"q{i}")
              for i in range(n)]
    values = list(leaves)
    for _ in range(data.draw(st.integers(1, 8))):
        op = data.draw(st.sampled_from([ops.add, ops.sub, ops.mul]))
        x, y = data.draw(st.sampled_from(values)), data.draw(st.sampled_from(values))
        values.append(op(x, y))
    out = values[-1]
    for leaf in leaves:
        rule = chain_rule(out, leaf, max_paths=10_000)
        assert rule.path_count == len(rule.paths)
        assert sum((p.product for p in rule.paths), Fraction(0)) == rule.value


# ---------------------------------------------------------------------------
# Dense and deep graphs: count without enumerating, list a few, say how many were left out
# ---------------------------------------------------------------------------

def dense_network(layers, width, seed):
    rng = random.Random(seed)
    x = Value(0.3, label="x")
    layer = [x]
    for l in range(layers):
        new = []
        for j in range(width):
            total = 0.0
            for i, unit in enumerate(layer):
                total = total + Value(rng.gauss(0, 1), label=f"w{l}{i}{j}") * unit
            h = total.tanh()
            h.label = f"h{l}{j}"
            new.append(h)
        layer = new
    out = sum(layer)
    out.label = "L"
    return out, x


def test_dense_network_paths_are_counted_not_enumerated():
    out, x = dense_network(layers=12, width=3, seed=0)
    rule = chain_rule(out, x, max_paths=3)
    assert rule.path_count == 3 ** 12  # one path per choice of unit in each layer: 531 441
    assert len(rule.paths) == 3 and rule.omitted == 3 ** 12 - 3
    assert [abs(p.product) for p in rule.paths] == sorted((abs(p.product) for p in rule.paths), reverse=True)
    text = str(rule)
    assert "the sum over 531441 paths" in text and "531438 more paths" in text


def test_doubling_graph_has_two_to_the_fifty_paths():
    x = Value(1.0, label="x")
    y = x
    for _ in range(50):
        y = y * y
    assert count_paths(y, x) == 2 ** 50
    rule = chain_rule(y, x, max_paths=2)
    assert rule.path_count == 2 ** 50 and len(rule.paths) == 2
    assert rule.value == 2.0 ** 50  # d(x^(2⁵⁰))/dx at x = 1: every path's product is 1


def test_very_deep_chain_needs_no_recursion():
    x = Value(0.5, label="x")
    y = x
    for _ in range(5_000):  # 15 000 nodes: far past Python's recursion limit of 1000
        y = (y * 0.5).sin() + 0.25
    rule = chain_rule(y, x)
    assert rule.path_count == 1
    assert math.isclose(rule.paths[0].product, rule.value, rel_tol=1e-9, abs_tol=1e-300)


def test_count_paths_matches_brute_force_on_a_diamond_lattice():
    # Each step a → (a + a·b) doubles through two routes: paths multiply.
    a = Value(0.5, label="a")
    b = Value(0.25, label="b")
    y = a
    for _ in range(6):
        y = y.sin() + y * b
    assert count_paths(y, a) == len(all_paths(y, a)) == 2 ** 6
    assert count_paths(y, b) == len(all_paths(y, b))


# ---------------------------------------------------------------------------
# Edge cases and bad input
# ---------------------------------------------------------------------------

def test_no_path_gives_zero_and_says_so():
    x, y = Value(1.0, label="x"), Value(2.0, label="y")
    out = y * 3
    out.label = "f"
    rule = chain_rule(out, x)
    assert rule.value == 0.0 and rule.path_count == 0 and rule.paths == []
    assert str(rule) == "∂f/∂x = 0: no path leads from x to f"


def test_output_with_respect_to_itself_is_one_empty_path():
    x = Value(1.5, label="x")
    rule = chain_rule(x, x)
    assert rule.path_count == 1 and rule.value == 1.0
    assert rule.paths[0] == [] and rule.paths[0].product == 1.0


def test_max_paths_zero_counts_but_lists_nothing():
    out, x = dense_network(layers=3, width=2, seed=1)
    rule = chain_rule(out, x, max_paths=0)
    assert rule.path_count == 8 and rule.paths == [] and rule.omitted == 8
    assert math.isclose(rule.omitted_sum, rule.value)


def test_paths_are_lists_of_factors_with_symbol_value_and_node():
    C, nodes = sigmoid_chain([0.5, -1.0], [0.1, 0.2], a0=0.5, y=1.0)
    path = chain_rule(C, nodes["b1"]).paths[0]
    assert isinstance(path, Path) and isinstance(path, list)
    first = path[0]
    assert first.symbol == "σ′(z₁)" and first.node is nodes["a1"] and first.input is nodes["z1"]
    assert first.value == nodes["a1"].data * (1 - nodes["a1"].data)
    assert path[-1].node is C and path[-1].input is nodes["a2"]


def test_chain_rule_refuses_non_values_and_bad_max_paths():
    x = Value(1.0)
    with pytest.raises(TypeError, match="chain_rule"):
        chain_rule(3.0, x)
    with pytest.raises(TypeError, match="chain_rule"):
        chain_rule(x * 2, 1.0)
    with pytest.raises(ValueError, match="max_paths"):
        chain_rule(x * 2, x, max_paths=-1)
    with pytest.raises(ValueError, match="sigmoid_chain"):
        sigmoid_chain([1.0, 2.0], [0.0])


def test_paths_through_a_nan_are_listed_first():
    x = Value(1.0, label="x")
    bad = Value(float("nan"), label="bad")
    out = x * 1000.0 + x * bad
    rule = chain_rule(out, x, max_paths=1)
    assert math.isnan(rule.paths[0].product)
    assert rule.paths[0].symbols == ["bad"]


# ---------------------------------------------------------------------------
# Every path told apart; labels name the factors without hiding them
# ---------------------------------------------------------------------------

def path_lines(text):
    """Each printed path, ``path k … = …`` with the path's number taken off, and the lines that
    continue it when its factors wrap (a wide path prints over several lines)."""
    paths: list = []
    for line in text.splitlines():
        if line.startswith("  path "):
            paths.append(line.split(" ", 4)[-1])
        elif paths and line.startswith("   ") and paths[-1] is not None:
            paths[-1] += "\n" + line.strip()
        else:
            paths.append(None)  # the end of a path's lines
    return [p for p in paths if p is not None]


def test_the_two_uses_of_h_in_h_times_h_are_told_apart():
    x, w = Value(0.8, label="x"), Value(-1.2, label="w")
    h = (w * x).tanh()
    h.label = "h"
    y = h * h + x * h
    y.label = "y"
    rule = chain_rule(y, x)
    text = str(rule)
    assert rule.path_count == 4
    routes = sorted(p.route for p in rule.paths)
    assert routes == ["", "", "through the 1st factor of h·h", "through the 2nd factor of h·h"]
    assert "  path 1 = h = −0.7443" in text.splitlines()  # one factor: its value once, no "= (v) = v"
    lines = path_lines(text)
    assert len(lines) == len(set(lines)) == 4


def test_the_three_paths_of_x_cubed_are_told_apart():
    x = Value(0.8, label="x")
    y = x * x * x
    y.label = "y"
    text = str(chain_rule(y, x))
    assert "path 1 = x·x = 0.64" in text
    assert "path 2 (through the 1st factor of x·x) = x   · x" in text
    assert "path 3 (through the 2nd factor of x·x) = x   · x" in text


@given(st.data())
def test_no_two_printed_paths_are_the_same_line_on_random_graphs(data):
    leaves, out = data.draw(value_graphs(max_leaves=2, max_steps=8))
    for leaf in leaves:
        rule = chain_rule(out, leaf, max_paths=16)
        keys = [(tuple(p.symbols), p.route) for p in rule.paths]
        assert len(keys) == len(set(keys))
        lines = path_lines(str(rule))
        assert len(lines) == len(set(lines))


def test_a_labelled_node_names_its_factor_and_the_where_line_writes_it_out():
    x = Value(0.5, label="x")
    z = x * 3
    z.label = "z"
    y = (z.tanh() * 2).exp()
    y.label = "y"
    rule = chain_rule(y, x)
    assert rule.paths[0].symbols == ["3", "∂y/∂z"]
    behind = rule.paths[0][-1].expansion
    assert behind.symbols == ["tanh′(z)", "2", "y"]
    assert math.isclose(behind.product, rule.paths[0][-1].value, rel_tol=4 * EPSILON)
    lines = str(rule).splitlines()
    assert lines[3] == "  where ∂y/∂z = tanh′(z) · 2 · y"
    assert lines[4].endswith(f"= {behind.product:.4g}")
    # cut=True keeps the short form only: the chain stops at the label.
    assert str(chain_rule(y, x, cut=True)).splitlines() == lines[:3]
    with pytest.raises(TypeError, match="cut must be True or False"):
        chain_rule(y, x, cut=1)
