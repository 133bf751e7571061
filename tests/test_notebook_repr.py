"""In Jupyter a Value or a Matrix shows the graph that computed it: a picture drawn by Graphviz's
dot when it is on PATH, the text tree otherwise (graph_export.repr_mimebundle).

Jupyter calls ``_repr_mimebundle_(include, exclude)`` and shows the richest type it can.  The
tests run the real dot when it is installed (and skip that one test, saying so, when it is
not); the rest put a stand-in ``dot`` of known behaviour on PATH, or none at all, so that both
paths are exercised on every machine.
"""

from __future__ import annotations

import os
import shutil
import stat
import xml.etree.ElementTree as ElementTree

import pytest

from tinygrad_edu import Matrix, Value, to_text_tree
from tinygrad_edu import graph_export
from tinygrad_edu.graph_export import DISPLAY_LIMIT, repr_mimebundle

SVG = "image/svg+xml"
TEXT = "text/plain"


def small_value():
    a = Value(2.0, label="a")
    out = (a * a + 1).tanh()
    out.label = "out"
    out.backward()
    return out


def small_matrix():
    W = Matrix([[1.0, 2.0], [3.0, 4.0]], label="W")
    x = Matrix([[0.5], [-1.0]], label="x")
    out = (W @ x).tanh().sum()
    out.backward()
    return out


def put_dot_on_path(monkeypatch, tmp_path, script: str) -> None:
    """A stand-in ``dot`` (a shell script with the given body) first on PATH, before any real one."""
    program = tmp_path / "dot"
    program.write_text("#!/bin/sh\n" + script + "\n")
    program.chmod(program.stat().st_mode | stat.S_IXUSR)
    folders = [str(tmp_path), os.environ["PATH"], "/usr/bin", "/bin"]  # the last two for the script's cat
    monkeypatch.setenv("PATH", os.pathsep.join(folders))


@pytest.mark.parametrize("build", [small_value, small_matrix])
def test_without_graphviz_a_graph_shows_its_text_tree(build, monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))  # an empty folder: no dot anywhere
    root = build()
    assert root._repr_mimebundle_() == {TEXT: to_text_tree(root)}
    assert "grad" in root._repr_mimebundle_()[TEXT]


@pytest.mark.parametrize("build", [small_value, small_matrix])
def test_with_dot_on_path_the_picture_is_dots_svg_of_the_dot_text(build, monkeypatch, tmp_path):
    """The stand-in echoes the DOT text it is given inside an <svg>: so the picture is dot's
    output for exactly graph_export.to_dot(root), asked for as SVG."""
    put_dot_on_path(monkeypatch, tmp_path, 'echo "<svg args=\'$*\'>"; cat; echo "</svg>"')
    root = build()
    bundle = root._repr_mimebundle_()
    assert bundle[SVG] == f"<svg args='-Tsvg'>\n{graph_export.to_dot(root)}</svg>\n"
    assert bundle[TEXT] == to_text_tree(root)


def test_include_and_exclude_are_honoured(monkeypatch, tmp_path):
    put_dot_on_path(monkeypatch, tmp_path, "cat > /dev/null; echo '<svg/>'")
    root = small_value()
    assert set(repr_mimebundle(root, include=[TEXT])) == {TEXT}
    assert set(repr_mimebundle(root, exclude=[TEXT])) == {SVG}
    assert repr_mimebundle(root, include=[SVG], exclude=[SVG]) == {}


def test_when_dot_fails_the_display_says_so_and_shows_the_tree(monkeypatch, tmp_path):
    put_dot_on_path(monkeypatch, tmp_path, "cat > /dev/null; echo 'syntax error' >&2; exit 1")
    root = small_value()
    bundle = root._repr_mimebundle_()
    assert SVG not in bundle
    assert bundle[TEXT].startswith("(Graphviz's dot could not draw this graph: Command")
    assert bundle[TEXT].endswith(to_text_tree(root))


def test_a_graph_too_large_to_draw_says_its_size_and_how_to_draw_it(monkeypatch, tmp_path):
    put_dot_on_path(monkeypatch, tmp_path, "cat > /dev/null; echo '<svg/>'")
    x = Value(0.5, label="x")
    total = x
    for _ in range(DISPLAY_LIMIT):
        total = total * x  # one more node each time: DISPLAY_LIMIT + 1 in all
    bundle = total._repr_mimebundle_()
    assert list(bundle) == [TEXT]
    assert bundle[TEXT] == (f"{total!r}\na graph of {DISPLAY_LIMIT + 1} nodes, more than the {DISPLAY_LIMIT} "
                            f"drawn here: to_text_tree(x) prints it, render_dot(to_dot(x), 'graph.svg') draws it")
    smaller = x
    for _ in range(DISPLAY_LIMIT - 2):
        smaller = smaller * x  # DISPLAY_LIMIT − 1 nodes: drawn
    assert SVG in smaller._repr_mimebundle_()


def test_not_a_graph_is_a_type_error():
    with pytest.raises(TypeError, match="repr_mimebundle: expected a Value or a Matrix, got float"):
        repr_mimebundle(1.5)


@pytest.mark.skipif(shutil.which("dot") is None,
                    reason="Graphviz's dot is not installed (apt install graphviz): the real picture was not drawn")
@pytest.mark.parametrize("build", [small_value, small_matrix])
def test_graphviz_draws_an_svg_with_every_node(build):
    root = build()
    svg = root._repr_mimebundle_()[SVG]
    tree = ElementTree.fromstring(svg)  # well-formed XML, or this raises
    assert tree.tag == "{http://www.w3.org/2000/svg}svg"
    texts = [t.text for t in tree.iter("{http://www.w3.org/2000/svg}text")]
    nodes = graph_export.topological_order(root)
    for node in nodes:
        if node.label:
            assert node.label in texts
        assert (node.op or "leaf") in texts
    assert sum(text.startswith("grad ") for text in texts) == len(nodes)

