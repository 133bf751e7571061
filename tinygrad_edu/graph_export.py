"""Pictures of a computation graph: Graphviz DOT text, and an indented tree for the terminal.

Each node shows its label, the op that made it, its number (``data``) and
its gradient (``grad``, as left by ``backward()``).  Each edge shows the
local derivative ∂node/∂input: multiply along a path and sum over the paths,
and you get the gradient (see :mod:`tinygrad_edu.explain`).

>>> from tinygrad_edu import Value
>>> a, b = Value(2.0, label="a"), Value(-3.0, label="b")
>>> c = a * b
>>> c.label = "c"
>>> c.backward()
>>> print(to_text_tree(c))
c (mul) = −6, grad 1
├── a (leaf) = 2, grad −3  [∂c/∂a = −3]
└── b (leaf) = −3, grad 2  [∂c/∂b = 2]

Rendering DOT text as an image needs the Graphviz ``dot`` program (optional):
:func:`render_dot` says how to get it when it is missing.  Works for the
Matrix engine's graphs too (its nodes show their shape and, when small, their entries).

In Jupyter a Value or a Matrix shows itself as a picture of its graph, drawn
by ``dot`` when it is installed, and as the text tree when it is not
(:func:`repr_mimebundle`, which their ``_repr_mimebundle_`` calls): evaluate
``loss`` in a cell and see what computed it, as micrograd's ``draw_dot`` shows.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from typing import Any

from .notation import math_number, pretty_label
from .backward import topological_order
from .reals import is_int


def _show(x: Any) -> str:
    """A number, or a matrix: its shape, and its entries when it has at most 4."""
    if isinstance(x, (list, tuple)):
        rows = len(x)
        cols = len(x[0]) if rows and isinstance(x[0], (list, tuple)) else 1
        if rows * cols <= 4:
            return "[" + "; ".join(" ".join(math_number(v) for v in row) for row in x) + "]"
        return f"{rows}×{cols}"
    if x is None:
        return "none"
    return math_number(x)


def _name(node: Any) -> str:
    label = getattr(node, "label", "")
    return pretty_label(label) if label else ""


def _op(node: Any) -> str:
    return getattr(node, "op", "") or "leaf"


def _grad(node: Any) -> Any:
    # A Matrix that needs no gradient has none to show.
    if getattr(node, "requires_grad", True) is False:
        return None
    return node.grad


def _local_derivative(node: Any, i: int) -> Any:
    """∂node/∂(its i-th input) when the node stored it (Values do; Matrix nodes do not)."""
    partials = getattr(node, "_partials", None)
    if partials and i < len(partials):
        return partials[i]
    return None


# ---------------------------------------------------------------------------
# DOT
# ---------------------------------------------------------------------------

def _escape_record(text: str) -> str:
    """Characters with a meaning inside a Graphviz record label, escaped with a backslash."""
    for special in "\\{}|<>\"":
        text = text.replace(special, "\\" + special)
    return text


def to_dot(root: Any, rankdir: str = "LR", edge_labels: bool = True) -> str:
    """The graph that computed ``root``, as Graphviz DOT text (inputs on the left, ``rankdir='LR'``).

    Each node is a record ``{ label | op | data … | grad … }``; each edge runs
    from an input to the node that used it, labelled with the local
    derivative when ``edge_labels`` (``×0.25``: backward multiplies by it).

    >>> from tinygrad_edu import Value
    >>> x = Value(0.0, label="x")
    >>> y = x.sigmoid()
    >>> print(to_dot(y))
    digraph computation {
      rankdir=LR;
      node [shape=record, fontname="monospace"];
      n0 [label="{x | leaf | data 0 | grad 0}"];
      n1 [label="{ | sigmoid | data 0.5 | grad 0}"];
      n0 -> n1 [label="×0.25"];
    }
    """
    if not hasattr(root, "_prev"):
        raise TypeError(f"to_dot: expected a Value or a Matrix, got {type(root).__name__}")
    if rankdir not in ("LR", "RL", "TB", "BT"):
        raise ValueError(f"to_dot: rankdir must be LR, RL, TB or BT, got {rankdir!r}")
    if not isinstance(edge_labels, bool):
        raise TypeError(f"to_dot: edge_labels must be True or False, got {edge_labels!r}")
    order = list(reversed(topological_order(root)))  # inputs first: a left-to-right reading order
    ids = {node: f"n{k}" for k, node in enumerate(order)}
    lines = ["digraph computation {", f"  rankdir={rankdir};", '  node [shape=record, fontname="monospace"];']
    for node in order:
        fields = [_name(node), _op(node), f"data {_show(node.data)}", f"grad {_show(_grad(node))}"]
        label = "{" + " | ".join(_escape_record(f) for f in fields) + "}"
        lines.append(f'  {ids[node]} [label="{label}"];')
    for node in order:
        for i, child in enumerate(node._prev):
            local = _local_derivative(node, i) if edge_labels else None
            attribute = "" if local is None else f' [label="×{_escape_record(_show(local))}"]'
            lines.append(f"  {ids[child]} -> {ids[node]}{attribute};")
    lines.append("}")
    return "\n".join(lines)


def render_dot(dot_text: str, path: str, fmt: str | None = None) -> str:
    """Render DOT text to an image file with Graphviz's ``dot`` program; returns ``path``.

    The format is taken from the file's extension (``graph.svg``, ``graph.png``)
    unless ``fmt`` is given.  Graphviz is optional: without it this raises
    ``RuntimeError`` saying how to install it.
    """
    if not isinstance(dot_text, str):
        raise TypeError(f"render_dot: dot_text must be a str (from to_dot), got {dot_text!r:.40}")
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"render_dot: path must be a str or a path, got {path!r:.40}")
    if fmt is not None and not isinstance(fmt, str):
        raise TypeError(f"render_dot: fmt must be a str such as 'svg' or 'png', got {fmt!r:.40}")
    path = os.fspath(path)
    program = _dot_program("render_dot")
    fmt = fmt or (path.rsplit(".", 1)[-1] if "." in path else "svg")
    subprocess.run([program, f"-T{fmt}", "-o", path], input=dot_text.encode("utf-8"), check=True)
    return path


def _dot_program(where: str) -> str:
    """The path of Graphviz's ``dot``, or a RuntimeError saying how to install it."""
    program = shutil.which("dot")
    if program is None:
        raise RuntimeError(
            f"{where}: the Graphviz 'dot' program is not installed (apt install graphviz, "
            "brew install graphviz, or https://graphviz.org/download/); the DOT text itself "
            "can also be pasted into any online Graphviz viewer"
        )
    return program


def to_svg(root: Any, rankdir: str = "LR", edge_labels: bool = True) -> str:
    """The graph that computed ``root`` as an SVG picture (text), drawn by Graphviz's ``dot``.

    Raises RuntimeError saying how to install Graphviz when ``dot`` is not on PATH,
    and ``subprocess.CalledProcessError`` (with dot's message) if dot fails.
    """
    dot_text = to_dot(root, rankdir=rankdir, edge_labels=edge_labels)
    program = _dot_program("to_svg")
    result = subprocess.run([program, "-Tsvg"], input=dot_text.encode("utf-8"), capture_output=True,
                            check=True, timeout=DOT_TIMEOUT)
    return result.stdout.decode("utf-8")


# ---------------------------------------------------------------------------
# Jupyter: a graph shows itself as a picture
# ---------------------------------------------------------------------------

#: The largest graph a notebook draws by itself.  A training loss over a batch is a graph of
#: tens of thousands of Value nodes: a picture of it is unreadable and dot would take minutes,
#: so above this many nodes the display says how large the graph is instead.
DISPLAY_LIMIT = 150
#: Seconds dot may take before the notebook falls back on text.
DOT_TIMEOUT = 30


def repr_mimebundle(root: Any, include: Any = None, exclude: Any = None) -> dict[str, str]:
    """What Jupyter shows for ``root`` (a Value or a Matrix): ``{mime type: content}``.

    * ``"image/svg+xml"``: the picture :func:`to_svg` draws, when Graphviz's
      ``dot`` is on PATH and the graph has at most ``DISPLAY_LIMIT`` nodes;
    * ``"text/plain"``: the indented tree of :func:`to_text_tree` (what a
      terminal, or a notebook without Graphviz, shows).

    Above ``DISPLAY_LIMIT`` nodes there is no picture and the text says how to
    draw the graph anyway.  ``include`` and ``exclude`` are Jupyter's lists of
    mime types to keep or leave out.  A display never fails: if dot does, the
    text says so and shows the tree.

    >>> from tinygrad_edu import Value
    >>> x = Value(3.0, label="x")
    >>> print(repr_mimebundle(x * x, include=["text/plain"])["text/plain"])
    (mul) = 9, grad 0
    ├── x (leaf) = 3, grad 0  [∂(mul)/∂x = 3]
    └── x (leaf) = 3, grad 0  [∂(mul)/∂x = 3]  (shown above)
    """
    if not hasattr(root, "_prev"):
        raise TypeError(f"repr_mimebundle: expected a Value or a Matrix, got {type(root).__name__}")

    def wanted(mime: str) -> bool:
        return (include is None or mime in include) and (exclude is None or mime not in exclude)

    size = len(topological_order(root))
    if size > DISPLAY_LIMIT:
        bundle = {"text/plain": f"{root!r}\na graph of {size} nodes, more than the {DISPLAY_LIMIT} drawn here: "
                                f"to_text_tree(x) prints it, render_dot(to_dot(x), 'graph.svg') draws it"}
        return {mime: content for mime, content in bundle.items() if wanted(mime)}
    bundle = {}
    text = to_text_tree(root)
    if wanted("image/svg+xml") and shutil.which("dot") is not None:
        try:
            bundle["image/svg+xml"] = to_svg(root)
        except (OSError, subprocess.SubprocessError) as error:  # dot failed or hung: show the tree instead
            text = f"(Graphviz's dot could not draw this graph: {error})\n{text}"
    if wanted("text/plain"):
        bundle["text/plain"] = text
    return bundle


# ---------------------------------------------------------------------------
# Text tree
# ---------------------------------------------------------------------------

def _tree_line(node: Any, parent: Any = None, i: int = 0) -> str:
    name = _name(node)
    text = f"{name} ({_op(node)})" if name else f"({_op(node)})"
    text += f" = {_show(node.data)}, grad {_show(_grad(node))}"
    if parent is not None:
        local = _local_derivative(parent, i)
        if local is not None:  # an unlabelled node is called by its op: ∂(power)/∂(sub)
            parent_name = _name(parent) or f"({_op(parent)})"
            text += f"  [∂{parent_name}/∂{name or f'({_op(node)})'} = {_show(local)}]"
    return text


#: How deep ``to_text_tree`` draws when no ``max_depth`` is given, and how far its indentation
#: grows when one is: a chain of 5,000 nodes drawn in full would indent its last line by
#: 20,000 characters (a 100 MB string), so below this depth the tree is cut or flattened.
DEPTH_LIMIT = 30


def to_text_tree(root: Any, max_depth: int | None = None) -> str:
    """The graph as an indented tree, output at the top, each node's inputs below it.

    A node used in several places is drawn in full once; later uses say
    ``(shown above)``.  Below ``max_depth`` levels (``DEPTH_LIMIT`` = 30 when it
    is None), ``…`` marks what is cut, and a last line counts the nodes not
    drawn.  With a larger ``max_depth`` the indentation stops growing at
    ``DEPTH_LIMIT`` levels and deeper lines carry their depth instead, so the
    text stays proportional to the number of nodes drawn.  Iterative (an
    explicit stack), so a chain of any depth is fine.

    >>> from tinygrad_edu import Value
    >>> x = Value(3.0, label="x")
    >>> y = x * x
    >>> print(to_text_tree(y))
    (mul) = 9, grad 0
    ├── x (leaf) = 3, grad 0  [∂(mul)/∂x = 3]
    └── x (leaf) = 3, grad 0  [∂(mul)/∂x = 3]  (shown above)
    """
    if not hasattr(root, "_prev"):
        raise TypeError(f"to_text_tree: expected a Value or a Matrix, got {type(root).__name__}")
    if max_depth is not None and (not is_int(max_depth) or max_depth < 1):
        raise ValueError(f"to_text_tree: max_depth must be an integer >= 1 or None, got {max_depth!r}")
    limit = DEPTH_LIMIT if max_depth is None else max_depth
    lines = [_tree_line(root)]
    shown = {root}
    cut = False
    # Each stack entry: (node, its parent, its index among the parent's inputs, indent, is_last, depth).
    stack = [(child, root, i, "", i == len(root._prev) - 1, 1) for i, child in reversed(list(enumerate(root._prev)))]
    while stack:
        node, parent, i, indent, last, depth = stack.pop()
        branch = "└── " if last else "├── "
        if depth > DEPTH_LIMIT:  # the indentation no longer grows: say how deep the line is
            branch += f"[depth {depth}] "
        line = indent + branch + _tree_line(node, parent, i)
        deeper = indent if depth >= DEPTH_LIMIT else indent + ("    " if last else "│   ")
        if node in shown:  # drawn in full already: a DAG drawn as a tree would repeat it (exponentially)
            lines.append(line + "  (shown above)")
            continue
        shown.add(node)
        lines.append(line)
        if not node._prev:
            continue
        if depth >= limit:
            lines.append(deeper + "└── …")
            cut = True
            continue
        inputs = list(enumerate(node._prev))
        for k, child in reversed(inputs):
            stack.append((child, node, k, deeper, k == len(inputs) - 1, depth + 1))
    if cut:
        hidden = len(topological_order(root)) - len(shown)
        lines.append(f"… {hidden} more node{'' if hidden == 1 else 's'} below depth {limit} not drawn "
                     f"(to_text_tree(root, max_depth=...) draws deeper)")
    return "\n".join(lines)
