"""Graph export: DOT text with data, grad, op and local derivatives; an indented terminal tree."""

import re
import shutil

import pytest

from tinygrad_edu import graph_export
from tinygrad_edu.explain import sigmoid_chain
from tinygrad_edu.notation import pretty_label
from tinygrad_edu.graph_export import render_dot, to_dot, to_text_tree
from tinygrad_edu.matrix import Matrix
from tinygrad_edu.backward import topological_order
from tinygrad_edu.value import Value

NODE = re.compile(r'^  (n\d+) \[label="\{(.*)\}"\];$')
EDGE = re.compile(r'^  (n\d+) -> (n\d+)(?: \[label="×?(.*)"\])?;$')


def parse_dot(text):
    """Nodes (id → record fields) and edges (from, to, label) of our DOT output."""
    nodes, edges = {}, []
    for line in text.splitlines():
        if (m := NODE.match(line)) is not None:
            nodes[m.group(1)] = [f.strip() for f in re.split(r"(?<!\\)\|", m.group(2))]
        elif (m := EDGE.match(line)) is not None:
            edges.append(m.groups())
    return nodes, edges


def test_dot_has_one_record_per_node_and_one_edge_per_input():
    C, nodes = sigmoid_chain([0.5, -1.5], [0.1, 0.2], a0=0.3, y=1.0)
    C.backward()
    text = to_dot(C)
    assert text.startswith("digraph computation {") and text.endswith("}")
    parsed_nodes, edges = parse_dot(text)
    graph = topological_order(C)
    assert len(parsed_nodes) == len(graph)
    assert len(edges) == sum(len(n._prev) for n in graph)
    # Every labelled node shows its label, op, data and grad, as numbers we can read back.
    records = {fields[0]: fields for fields in parsed_nodes.values() if fields[0]}
    for label in ("w1", "b1", "z1", "a1", "w2", "b2", "z2", "a2", "a0", "y", "C"):
        node = nodes[label]
        shown = records[pretty_label(label)]
        assert shown[1] == (node.op or "leaf")
        assert float(shown[2].split()[1].replace("−", "-")) == pytest.approx(node.data, rel=1e-3)
        assert float(shown[3].split()[1].replace("−", "-")) == pytest.approx(node.grad, rel=1e-3, abs=1e-12)


def test_dot_edges_carry_the_local_derivative_and_run_from_input_to_user():
    x = Value(0.0, label="x")
    y = x.sigmoid()
    y.label = "y"
    z = y * 3.0
    parsed, edges = parse_dot(to_dot(z))
    name = {node_id: fields[0] for node_id, fields in parsed.items()}
    labels = {(name[a], name[b]): lab for a, b, lab in edges}
    assert labels[("x", "y")] == "0.25"  # σ′(0), on the edge from x to the node that used it
    assert sorted(labels.values()) == ["0.25", "0.5", "3"]  # ∂z/∂y = 3, ∂z/∂3 = y = 0.5
    assert all(lab is None for _, _, lab in parse_dot(to_dot(z, edge_labels=False))[1])


def test_dot_escapes_record_syntax_in_labels():
    a = Value(1.0, label="a|b{c}<d>")
    text = to_dot(a * 2)
    assert r"a\|b\{c\}\<d\>" in text
    nodes, _ = parse_dot(text)
    assert any(fields[0] == r"a\|b\{c\}\<d\>" for fields in nodes.values())


def test_dot_works_for_matrix_graphs():
    W = Matrix([[1.0, 2.0], [3.0, 4.0]], label="W")
    X = Matrix([[1.0, 0.0], [0.0, 1.0], [5.0, 6.0]], label="X")
    loss = (X @ W.T).tanh().sum()
    loss.backward()
    nodes, edges = parse_dot(to_dot(loss))
    assert len(nodes) == len(topological_order(loss))
    fields = {f[0]: f for f in nodes.values()}
    assert fields["W"][2] == "data [1 2; 3 4]"  # small: entries shown
    assert fields["X"][2] == "data 3×2"  # larger: its shape
    assert all(lab is None for _, _, lab in edges)  # Matrix nodes do not store local derivatives


def test_rankdir_is_checked():
    with pytest.raises(ValueError, match="rankdir"):
        to_dot(Value(1.0), rankdir="sideways")


def test_render_without_graphviz_says_how_to_install_it(monkeypatch, tmp_path):
    monkeypatch.setattr(graph_export.shutil, "which", lambda name: None)
    with pytest.raises(RuntimeError, match="Graphviz 'dot' program is not installed"):
        render_dot(to_dot(Value(1.0)), str(tmp_path / "g.svg"))


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz is optional and not installed here")
def test_render_with_graphviz_writes_the_image(tmp_path):
    x = Value(2.0, label="x")
    path = render_dot(to_dot(x * x + 1), str(tmp_path / "graph.svg"))
    with open(path, encoding="utf-8") as image:
        assert "<svg" in image.read()


def test_text_tree_shows_each_node_with_its_inputs_below_it():
    C, _ = sigmoid_chain([100.0], [-50.0], a0=0.5, y=0.0)
    C.backward()
    lines = to_text_tree(C).splitlines()
    assert lines[0] == "C (div) = 0.125, grad 1"
    assert lines[1] == "├── (power) = 0.25, grad 0.5  [∂C/∂(power) = 0.5]"
    assert any(line.endswith("a₁ (sigmoid) = 0.5, grad 0.5  [∂(sub)/∂a₁ = 1]") for line in lines)
    assert any("z₁ (add) = 0, grad 0.125  [∂a₁/∂z₁ = 0.25]" in line for line in lines)
    assert any("b₁ (leaf) = −50, grad 0.125  [∂z₁/∂b₁ = 1]" in line for line in lines)
    # Indentation grows by 4 characters per level down the chain: C → (…)² → a₁ − y → a₁ → z₁ → w₁a₀ → w₁.
    w1 = next(line for line in lines if "w₁ (leaf)" in line)
    assert w1.index("w₁") == 4 * 6


def test_text_tree_draws_a_shared_node_once():
    x = Value(1.0, label="x")
    h = (x * 2).tanh()
    h.label = "h"
    out = h * h + h
    lines = to_text_tree(out).splitlines()
    h_lines = [line for line in lines if "h (tanh)" in line]
    assert len(h_lines) == 3
    assert sum("(shown above)" in line for line in h_lines) == 2
    assert sum("x (leaf)" in line for line in lines) == 1  # below h, drawn only where h is drawn in full


def test_text_tree_of_a_deep_chain_needs_no_recursion_and_can_be_cut():
    x = Value(0.5, label="x")
    y = x
    for _ in range(3000):
        y = y.sin()
    cut = to_text_tree(y, max_depth=3).splitlines()
    assert len(cut) == 4 + 2 and cut[-2].strip() == "└── …"
    assert cut[-1] == "… 2997 more nodes below depth 3 not drawn (to_text_tree(root, max_depth=...) draws deeper)"
    everything = to_text_tree(y, max_depth=4000).splitlines()
    assert len(everything) == 3001 and everything[-1].endswith("x (leaf) = 0.5, grad 0  [∂(sin)/∂x = 0.8776]")


def test_text_tree_of_a_5000_deep_chain_stays_proportionate():
    """Drawn in full with growing indentation it would be a 100 MB string; cut at DEPTH_LIMIT
    by default, and flattened beyond it when asked for everything, it grows linearly."""
    from tinygrad_edu.graph_export import DEPTH_LIMIT

    y = Value(1.0, label="x")
    for _ in range(5000):
        y = y * 0.999  # two inputs per node: the chain and a constant
    default = to_text_tree(y)
    lines = default.splitlines()
    # 10 001 nodes (5000 products, 5000 constants, x); drawn: the root and 30 levels of two.
    assert len(lines) == 2 * DEPTH_LIMIT + 3 and lines[-1].startswith("… 9940 more nodes below depth 30")
    full = to_text_tree(y, max_depth=10_000).splitlines()
    assert len(full) == 2 * 5000 + 1
    (x_line,) = [line for line in full if "x (leaf)" in line]
    assert x_line.endswith("[depth 5000] x (leaf) = 1, grad 0  [∂(mul)/∂x = 0.999]")
    longest = max(len(line) for line in full)
    assert longest < 4 * DEPTH_LIMIT + 80  # the indentation stops growing: linear size, not quadratic


def test_an_input_used_twice_has_two_labelled_edges_in_dot_and_in_the_tree():
    x = Value(3.0, label="x")
    y = x * x
    y.label = "y"
    y.backward()
    nodes, edges = parse_dot(to_dot(y))
    assert sorted(label for _, _, label in edges) == ["3 (1st factor)", "3 (2nd factor)"]  # ×x each
    assert len({(a, b) for a, b, _ in edges}) == 1  # the same two nodes, joined twice
    assert sorted(label for _, _, label in parse_dot(to_dot(y, edge_labels=False))[1]) == ["(1st factor)", "(2nd factor)"]
    lines = to_text_tree(y).splitlines()
    assert lines[1].endswith("[∂y/∂x = 3, 1st factor of y]")
    assert lines[2].endswith("[∂y/∂x = 3, 2nd factor of y]  (shown above)")


def test_an_edge_used_once_carries_no_role():
    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    c = a * b
    assert all(label and "factor" not in label for _, _, label in parse_dot(to_dot(c))[1])
    assert "factor" not in to_text_tree(c)


def test_a_matrix_input_used_twice_is_labelled_too():
    X = Matrix([[1.0, 2.0]], label="X")
    _, edges = parse_dot(to_dot((X * X).sum()))
    roles = sorted(label for _, _, label in edges if label)
    assert roles == ["(1st input)", "(2nd input)"]  # Matrix nodes store no local derivative to show
