"""The chain rule made visible: a gradient as a sum over paths of products of local derivatives.

Backward computes ∂C/∂x by passing numbers from the output to the inputs.
Written out, what it computes is a sum over every path through the graph from
x to C, of the product of the local derivatives along the path:

    ∂C/∂x = Σ over paths x → v₁ → v₂ → … → C of  ∂v₁/∂x · ∂v₂/∂v₁ · … · ∂C/∂vₖ

:func:`chain_rule` writes that sum out for one leaf, with a symbol and a
number for every factor.  For Nielsen's chain of sigmoid neurons
(zⱼ = wⱼaⱼ₋₁ + bⱼ, aⱼ = σ(zⱼ), C = (a₄ − y)²/2) there is a single path, and
its factors are the famous product

    ∂C/∂b₁ = σ′(z₁)·w₂·σ′(z₂)·w₃·σ′(z₃)·w₄·σ′(z₄)·∂C/∂a₄

in which every σ′(z) ≤ 1/4.  With every w = 100 and every z = 0, each
w·σ′(z) is 100·1/4 = 25 and the gradient grows 25-fold per layer back:

>>> C, nodes = sigmoid_chain([100.0] * 4, [-50.0] * 4, a0=0.5, y=0.0)
>>> rule = chain_rule(C, nodes["b1"])
>>> print(rule)
∂C/∂b₁ = σ′(z₁) · w₂  · σ′(z₂) · w₃  · σ′(z₃) · w₄  · σ′(z₄) · ∂C/∂a₄
       = 0.25   × 100 × 0.25   × 100 × 0.25   × 100 × 0.25   × 0.5
       = 1953.125
  where ∂C/∂a₄ = 2·(a₄ − y) · 0.5
               = 1          × 0.5 = 0.5
>>> rule.value, [f.symbol for f in rule.paths[0]][:2]
(1953.125, ['σ′(z₁)', 'w₂'])

The third line is the engine's gradient, ``rule.value``: here exactly
1953.125 = 25³·0.125.  The ``where`` line writes out the factor ∂C/∂a₄ that
the label a₄ stands for: C = (a₄ − y)²/2 gives 2·(a₄ − y) and then 1/2.

Simplifications, all of which leave every path's product unchanged:

* factors that are exactly 1 because ``+`` (or the left side of ``−``)
  passes the gradient on unchanged are left out;
* the stretch of a path after its last labelled node, when it holds two or
  more factors and is the only way from that node to the output, becomes one
  factor ∂C/∂a₄ whose value is the engine's gradient at that node.  The
  labels name the factors, they do not hide them: a ``where`` line under the
  formula writes ∂C/∂a₄ out, factor by factor (``cut=True`` leaves it out).

Pass ``simplify=False`` to see every edge.  A dense graph has exponentially
many paths: they are *counted* by dynamic programming (never enumerated),
and only the ``max_paths`` paths with the largest |product| are listed.

Paths that would print alike are told apart.  Where a node uses the same
input twice (h·h: two edges from h), a path says which edge it took
("through the 1st factor of h·h"); two paths whose factors print the same for
any other reason say where they part.  So no two path lines are the same.
"""

from __future__ import annotations

import heapq
import itertools
import math
from collections.abc import Sequence
from fractions import Fraction
from typing import Any

from .backward import backpropagate, topological_order
from .notation import MINUS, format_constant, input_role, math_number, pretty_label
from .reals import Real, check_number, is_int, numbers_of
from .symbolic import Expr, Part, render, to_expr
from .value import Value, one_like

#: One edge of a path: a node and the position of the input the path came from.
Edge = tuple[Value, int]

NAME_LIMIT = 30  # longer sub-formulas in a factor's symbol print as "…"
WIDTH = 100  # formulas wider than this are wrapped


class Factor:
    """One factor of a path: the local derivative ∂node/∂input, as a ``symbol`` and a ``value``.

    ``node`` is the node whose local derivative this is (the op's output) and
    ``input`` the node it is taken with respect to.  A condensed factor
    ∂C/∂a₄ has ``node`` = the output C and ``input`` = a₄.

    >>> w, a = Value(3.0, label="w"), Value(0.5, label="a")
    >>> y = w * a
    >>> y.label = "y"
    >>> chain_rule(y, w).paths[0][0]                  # ∂(w·a)/∂w = a
    Factor('a', 0.5)
    """

    __slots__ = ("symbol", "value", "node", "input", "expansion")

    def __init__(self, symbol: str, value: Any, node: Value, input: Value, expansion: Path | None = None) -> None:
        self.symbol = symbol
        self.value = value
        self.node = node
        self.input = input
        self.expansion = expansion  # for a condensed factor ∂C/∂a₄: the factors it stands for

    def __repr__(self) -> str:
        return f"Factor({self.symbol!r}, {self.value!r})"


class Path(list[Factor]):
    """One path from the leaf to the output: a list of :class:`Factor`, plus the nodes it visits.

    ``nodes`` runs from the leaf to the output.  ``product`` is this path's
    term of the chain-rule sum (an empty path, d(x + y)/dx, has product 1).

    >>> x = Value(2.0, label="x")
    >>> y = (3 * x).tanh()
    >>> y.label = "y"
    >>> path = chain_rule(y, x).paths[0]
    >>> path.symbols, [n.label or n.op for n in path.nodes]
    (['3', 'tanh′(3·x)'], ['x', 'mul', 'y'])
    """

    def __init__(self, factors: Sequence[Factor], nodes: Sequence[Value], edges: Sequence[Edge] = (),
                 route: str = "") -> None:
        super().__init__(factors)
        self.nodes = list(nodes)
        self.edges = list(edges)  # (node, i): the path entered node through its i-th input
        self.route = route  # which way it went, where paths would otherwise print alike

    @property
    def product(self) -> Any:
        """The product of the factors' values: this path's term of the sum.

        >>> Path([Factor("w", 2.0, None, None), Factor("σ′(z)", 0.25, None, None)], []).product
        0.5
        """
        result = 1  # an int, so that a path of Fractions multiplies to a Fraction
        for factor in self:
            result = result * factor.value
        return result

    @property
    def symbols(self) -> list[str]:
        """The factors' symbols, in order from the leaf to the output.

        >>> Path([Factor("w", 2.0, None, None), Factor("σ′(z)", 0.25, None, None)], []).symbols
        ['w', 'σ′(z)']
        """
        return [factor.symbol for factor in self]


class ChainRule:
    """∂output/∂wrt written out as a sum over paths (see :func:`chain_rule`).

    * ``value``: the gradient, from the engine's backward;
    * ``paths``: the listed paths, largest |product| first;
    * ``path_count``: how many paths there are in all; ``omitted`` how many were not listed;
    * ``omitted_sum``: what the unlisted paths add up to (``value`` minus the listed products);
    * ``str()``: the formula with the values underneath and the total.

    >>> x = Value(3.0, label="x")
    >>> y = x * x * x          # three paths, each x·x
    >>> y.label = "y"
    >>> rule = chain_rule(y, x, max_paths=2)
    >>> rule.name, rule.value, rule.path_count, rule.omitted, rule.listed_sum, rule.omitted_sum
    ('∂y/∂x', 27.0, 3, 1, 18.0, 9.0)
    """

    def __init__(self, output: Value, wrt: Value, value: Any, paths: list[Path], path_count: int, output_name: str,
                 wrt_name: str, cut: bool = False) -> None:
        self.cut = cut
        self.output = output
        self.wrt = wrt
        self.value = value
        self.paths = paths
        self.path_count = path_count
        self.output_name = output_name
        self.wrt_name = wrt_name

    @property
    def omitted(self) -> int:
        """How many paths were counted but not listed (``max_paths``).

        >>> x = Value(1.0)
        >>> chain_rule(x * x, x, max_paths=1).omitted
        1
        """
        return self.path_count - len(self.paths)

    @property
    def listed_sum(self) -> Any:
        """The sum of the listed paths' products (all of ``value`` when none is omitted).

        >>> x = Value(2.0)
        >>> chain_rule(x * x, x).listed_sum
        4.0
        """
        return sum(path.product for path in self.paths)  # a Fraction for Fraction graphs

    @property
    def omitted_sum(self) -> Any:
        """What the paths not listed add up to: ``value`` minus the listed products.

        >>> x = Value(2.0)
        >>> chain_rule(x * x, x, max_paths=1).omitted_sum
        2.0
        """
        return self.value - self.listed_sum

    @property
    def name(self) -> str:
        """The derivative's name, ∂output/∂wrt, from the labels.

        >>> C, nodes = sigmoid_chain([1.0], [0.0])
        >>> chain_rule(C, nodes["b1"]).name
        '∂C/∂b₁'
        """
        return f"∂{self.output_name}/∂{self.wrt_name}"

    def __repr__(self) -> str:
        return f"ChainRule({self.name}, value={self.value!r}, paths={len(self.paths)} of {self.path_count})"

    def __str__(self) -> str:
        head = self.name
        if self.path_count == 0:
            return f"{head} = 0: no path leads from {self.wrt_name} to {self.output_name}"
        if self.path_count == 1 and self.paths:
            lines = _product_lines(f"{head} = ", f"{' ' * len(head)} = ", self.paths[0])
            lines.append(f"{' ' * len(head)} = {_total(self.value)}")
            return "\n".join(lines + ([] if self.cut else self.where_lines()))
        lines = [f"{head} = the sum over {self.path_count} path{'' if self.path_count == 1 else 's'}"
                 + (f", the {len(self.paths)} with the largest |product| listed:" if self.omitted else ":")]
        for k, path in enumerate(self.paths, start=1):
            label = f"  path {k}{f' ({path.route})' if path.route else ''} = "
            lines.extend(_path_lines(label, path))
        if self.omitted:
            more = "path" if self.omitted == 1 else "paths"
            lines.append(f"  {self.omitted} more {more}, together {math_number(self.omitted_sum)}")
        lines.append(f"{head} = {_total(self.value)}")
        return "\n".join(lines + ([] if self.cut else self.where_lines()))

    def where_lines(self, word: str = "where") -> list[str]:
        """Each condensed factor ∂C/∂a written out: the chain behind a label (what ``str()`` prints
        under the formula unless ``cut``).  ``word`` opens each line: a translation can pass its own.

        >>> C, nodes = sigmoid_chain([1.0], [0.0])
        >>> chain_rule(C, nodes["b1"]).where_lines()[0]
        '  where ∂C/∂a₁ = 2·(a₁ − y) · 0.5'
        """
        lines: list[str] = []
        shown = set()
        for path in self.paths:
            for factor in path:
                if factor.expansion is not None and factor.symbol not in shown:
                    shown.add(factor.symbol)
                    lines.extend(_path_lines(f"  {word} {factor.symbol} = ", factor.expansion))
        return lines


def _path_lines(label: str, path: Path) -> list[str]:
    """A path under a label: ``label symbol = value`` for one factor (or none), else the symbols,
    their values underneath, and the product."""
    if len(path) <= 1:
        symbol, value = (path[0].symbol, math_number(path[0].value)) if path else ("1", "1")
        return [f"{label}{symbol} = {value}"]
    block = _product_lines(label, " " * (len(label) - 2) + "= ", path)
    block[-1] += f" = {math_number(path.product)}"
    return block


def _total(x: Real) -> str:
    """A gradient in full when it is short (1953.125), else to 6 significant digits (−3.10237e−4)."""
    exact = repr(float(x))
    if len(exact) <= 10 and "e" not in exact:
        return exact.replace("-", MINUS)
    return math_number(x, digits=6)


def _product_lines(symbol_prefix: str, value_prefix: str, path: Path, width: int = WIDTH) -> list[str]:
    """Two lines per row: the symbols joined by ·, their values underneath joined by ×, in columns."""
    columns = []
    for factor in path:
        value = math_number(factor.value)
        columns.append((factor.symbol, f"({value})" if value.startswith(MINUS) else value))
    if not columns:
        columns = [("1", "1")]
    lines = []
    row: list[tuple[str, str]] = []
    used = len(symbol_prefix)
    for column in columns:
        size = max(len(column[0]), len(column[1])) + 3
        if row and used + size > width:
            lines.extend(_row(symbol_prefix, value_prefix, row))
            symbol_prefix = " " * (len(symbol_prefix) - 2) + "· "
            value_prefix = " " * (len(value_prefix) - 2) + "× "
            row, used = [], len(symbol_prefix)
        row.append(column)
        used += size
    lines.extend(_row(symbol_prefix, value_prefix, row))
    return lines


def _row(symbol_prefix: str, value_prefix: str, row: list[tuple[str, str]]) -> list[str]:
    widths = [max(len(s), len(v)) for s, v in row]
    symbols = " · ".join(s.ljust(w) for (s, _), w in zip(row, widths))
    values = " × ".join(v.ljust(w) for (_, v), w in zip(row, widths))
    return [(symbol_prefix + symbols).rstrip(), (value_prefix + values).rstrip()]


# ---------------------------------------------------------------------------
# Naming nodes and factors
# ---------------------------------------------------------------------------

class _Namer:
    """Short names for nodes: the label (z₂), else the formula down to the labels (a₄ − y)."""

    def __init__(self) -> None:
        self.memo: dict[Value, Expr] = {}
        self.texts: dict[Expr, Part] = {}  # each sub-formula is printed once

    def expr(self, node: Value) -> Expr:
        return to_expr(node, expand=False, memo=self.memo)

    def text(self, x: Any) -> str:
        if not isinstance(x, Expr):
            return format_constant(x)
        return render(x, limit=NAME_LIMIT, memo=self.texts)

    def node(self, node: Value) -> str:
        return self.text(self.expr(node))


def _edge_symbol(node: Value, i: int, namer: _Namer) -> str:
    """The symbol of ∂node/∂(its i-th input): σ′(z₂) for an op with a ``prime``, else the op's own rule, in symbols.

    The rules of :mod:`tinygrad_edu.ops` are written with arithmetic, so
    applying them to formulas instead of numbers prints them: the rule of
    ``x * y`` gives ``y`` (w₂), that of ``x ** 2`` gives ``2·x`` (2·(a₄ − y)).
    """
    op = node._op
    assert op is not None, "an edge starts at a node an op made"
    child = node._prev[i]
    if op.prime is not None:  # Nielsen's notation, σ′(z₂), rather than the rule written out
        return f"{op.prime}({namer.node(child)})"
    inputs = [namer.expr(c) for c in node._prev]
    try:
        partials = op.derivative(*inputs, *node._params, namer.expr(node))
    except (TypeError, AttributeError, ValueError, ArithmeticError):
        # A user's op whose rule needs plain numbers: name the derivative instead.
        return f"∂{namer.node(node)}/∂{namer.node(child)}"
    partial = partials if op.arity == 1 else partials[i]
    return namer.text(partial)


def _is_routing(node: Value, i: int) -> bool:
    """True for the factor 1 of a sum: both sides of ``+``, the left side of ``−``."""
    op = node._op
    assert op is not None, "an edge starts at a node an op made"
    return op.arity == 2 and op.python_operator in ("+", "-") and bool(node._partials[i] == 1)


# ---------------------------------------------------------------------------
# Counting and listing paths
# ---------------------------------------------------------------------------

def count_paths(output: Any, wrt: Any) -> int:
    """How many paths lead from ``wrt`` to ``output``, without listing them.

    Dynamic programming over a topological order: the number of paths from
    ``wrt`` to a node is the sum of the numbers to each of its inputs (an
    input used twice, as in x·x, counts twice).  Linear in the graph's size,
    however many paths there are.

    >>> x = Value(1.0)
    >>> y = x
    >>> for _ in range(50):
    ...     y = y * y          # each step doubles the paths: 2⁵⁰ of them
    >>> count_paths(y, x) == 2 ** 50
    True
    """
    for node in (output, wrt):
        if not hasattr(node, "_prev"):
            raise TypeError(f"count_paths: output and wrt must be Values or Matrices, got "
                            f"{type(output).__name__} and {type(wrt).__name__}")
    count: int = _count_from(topological_order(output), wrt).get(output, 0)
    return count


def _count_from(order: list[Any], wrt: Any) -> dict[Any, int]:
    """node → number of paths from ``wrt`` to it (``order`` is output first)."""
    counts = {wrt: 1}
    for node in reversed(order):  # inputs before the nodes that use them
        total = counts.get(node, 0)
        for child in node._prev:
            total += counts.get(child, 0)
        if total:
            counts[node] = total
    return counts


def _count_to(order: list[Any]) -> dict[Any, int]:
    """node → number of paths from it to the output (``order[0]``)."""
    counts = {order[0]: 1}
    for node in order:  # every node comes before its inputs
        for child in node._prev:
            counts[child] = counts.get(child, 0) + counts[node]
    return counts


def _log_abs(x: Any) -> float:
    """log |x| as a path weight: −inf for 0, and +inf for nan, so paths through a nan come first."""
    x = abs(x)
    if math.isnan(x):
        return math.inf
    return math.log(x) if x > 0 else -math.inf


def _plus(a: float, b: float) -> float:
    total = a + b
    return math.inf if math.isnan(total) else total  # inf + (−inf): a nan path, listed first


def _largest_paths(order: list[Value], wrt: Value, limit: int) -> list[list[Edge]]:
    """Up to ``limit`` paths (lists of edges (node, i)) from ``wrt`` to the output, largest |product| first.

    Best-first search on log |product|.  ``best[v]`` is the largest log |product|
    of any path from v to the output (dynamic programming, like counting), so
    a partial path's bound, log |its product so far| + best[its end], is exact:
    the search walks straight to the best completion, and a path is listed
    after at most ``len(path)`` steps.  It never enumerates all the paths.
    """
    output = order[0]
    best = {output: 0.0}
    best_edge: dict[Value, Edge | None] = {output: None}
    users: dict[Value, list[Edge]] = {}
    for node in order:
        for i, child in enumerate(node._prev):
            users.setdefault(child, []).append((node, i))
            candidate = _plus(_log_abs(node._partials[i]), best[node])
            if child not in best or candidate > best[child]:
                best[child] = candidate
                best_edge[child] = (node, i)
    if wrt not in best:
        return []
    counter = itertools.count()
    # Heap entries: (−bound, −depth, tie-breaker, node, log |product so far|, edges as a linked list).
    # Among equal bounds the deeper entry goes first, so ties do not make the search go wide.
    heap: list[tuple[float, int, int, Value, float, Any]] = [(-best[wrt], 0, next(counter), wrt, 0.0, None)]
    found: list[list[Edge]] = []
    while heap and len(found) < limit:
        negative_bound, negative_depth, _, node, so_far, link = heapq.heappop(heap)
        if node is output:
            found.append(_unlink(link))
            continue
        bound = -negative_bound
        for parent, i in users[node]:
            step = _plus(so_far, _log_abs(parent._partials[i]))
            choice = best_edge[node]
            if choice is not None and choice[0] is parent and choice[1] == i:
                child_bound = bound  # the best continuation: the same bound, exactly (no rounding drift)
            else:
                child_bound = min(bound, _plus(step, best[parent]))
            heapq.heappush(heap, (-child_bound, negative_depth - 1, next(counter), parent, step, ((parent, i), link)))
    return found


def _unlink(link: Any) -> list[Edge]:
    """The edges of a path kept as a linked list (edge, rest), first edge first."""
    edges: list[Edge] = []
    while link is not None:
        edge, link = link
        edges.append(edge)
    edges.reverse()
    return edges


# ---------------------------------------------------------------------------
# The chain rule
# ---------------------------------------------------------------------------

def chain_rule(output: Value, wrt: Value, max_paths: int = 4, simplify: bool = True, cut: bool = False) -> ChainRule:
    """∂output/∂wrt as a sum over paths of products of local derivatives.

    Returns a :class:`ChainRule`: ``.value`` (the gradient, from backward),
    ``.paths`` (at most ``max_paths`` of them, those with the largest
    |product| first; each a list of :class:`Factor` with ``.symbol`` and
    ``.value``), ``.path_count`` (all of them, counted by dynamic programming).
    The products of all the paths sum to ``.value`` (to rounding).  With
    ``cut=True`` a factor ∂C/∂a that stands for the chain behind a label is
    not written out under the formula.

    >>> x = Value(2.0, label="x")
    >>> y = x * x + 3 * x          # two paths through x·x, one through 3·x
    >>> y.label = "y"
    >>> rule = chain_rule(y, x)
    >>> rule.path_count, [p.product for p in rule.paths], rule.value
    (3, [3.0, 2.0, 2.0], 7.0)
    >>> print(rule)
    ∂y/∂x = the sum over 3 paths:
      path 1 = 3 = 3
      path 2 (through the 1st factor of x·x) = x = 2
      path 3 (through the 2nd factor of x·x) = x = 2
    ∂y/∂x = 7.0
    """
    if not isinstance(output, Value) or not isinstance(wrt, Value):
        raise TypeError(
            f"chain_rule: output and wrt must be Values, got {type(output).__name__} and {type(wrt).__name__}"
        )
    if not is_int(max_paths) or max_paths < 0:
        raise ValueError(f"chain_rule: max_paths must be a whole number >= 0, got {max_paths!r}")
    for name, flag in (("simplify", simplify), ("cut", cut)):
        if not isinstance(flag, bool):
            raise TypeError(f"chain_rule: {name} must be True or False, got {flag!r}")
    order = topological_order(output)
    grads = backpropagate(output, one_like(output.data))
    namer = _Namer()
    output_name = pretty_label(output.label) if output.label else "f"
    wrt_name = pretty_label(wrt.label) if wrt.label else ("x" if wrt.is_leaf else namer.node(wrt))
    count = _count_from(order, wrt).get(output, 0)
    value = grads.get(wrt, 0.0)
    if count == 0:
        return ChainRule(output, wrt, value, [], 0, output_name, wrt_name, cut)
    to_output = _count_to(order)
    paths = []
    number = type(value) if isinstance(value, (float, Fraction)) else float  # for the ints of + and −
    for edges in _largest_paths(order, wrt, max_paths):
        paths.append(_make_path(edges, wrt, grads, to_output, namer, output_name, simplify, number))
    # The search lists paths in order of their bounds; sort by the products themselves
    # (nan first) so the order printed is exactly the order of the numbers printed.
    paths.sort(key=lambda p: (p.product == p.product, -abs(p.product)))
    _tell_apart(paths, namer)
    return ChainRule(output, wrt, value, paths, count, output_name, wrt_name, cut)


def _make_path(edges: list[Edge], wrt: Value, grads: dict[Any, Any], to_output: dict[Any, int], namer: _Namer,
               output_name: str,
               simplify: bool, number: type) -> Path:
    nodes = [wrt] + [node for node, _ in edges]
    cut = _condense_at(edges, nodes, to_output) if simplify else None
    factors = _factors(edges[:cut], simplify, namer, number)
    if cut is not None:
        a = nodes[cut]
        behind = Path(_factors(edges[cut:], simplify, namer, number), nodes[cut:], edges[cut:])
        factors.append(Factor(f"∂{output_name}/∂{pretty_label(a.label)}", grads[a], nodes[-1], a, behind))
    return Path(factors, nodes, edges)


def _factors(edges: list[Edge], simplify: bool, namer: _Namer, number: type) -> list[Factor]:
    """The local derivative of each edge as a Factor (the 1 of a sum left out when simplifying)."""
    factors = []
    for node, i in edges:
        if simplify and _is_routing(node, i):
            continue
        local = node._partials[i]
        if isinstance(local, int):  # the 1 of +, the −1 of −, the 2 of 2·x: the engine's number type
            local = number(local)
        factors.append(Factor(_edge_symbol(node, i, namer), local, node, node._prev[i]))
    return factors


def _tell_apart(paths: list[Path], namer: _Namer) -> None:
    """Give each path a ``route`` where needed, so that no two print alike.

    A path that enters a node using the same input twice (h·h) says through which
    of its inputs: the two paths through h·h differ only there.  Paths that still
    print alike (their factors' symbols and routes the same) each say where they
    leave the others.
    """
    for path in paths:
        path.route = "; ".join(_through(node, i, namer) for node, i in path.edges
                               if node._prev.count(node._prev[i]) > 1)
    groups: dict[tuple[tuple[str, ...], str], list[Path]] = {}
    for path in paths:
        groups.setdefault((tuple(path.symbols), path.route), []).append(path)
    for group in groups.values():
        parting: dict[int, list[Edge]] = {id(path): [] for path in group}  # where each leaves each other
        for path, other in itertools.permutations(group if len(group) > 1 else (), 2):
            differing = [(e, f) for e, f in zip(path.edges, other.edges) if e != f]
            # The first edge where they part that also reads differently: two nodes that print alike
            # (bce(x₀, x₀) computed twice) part where their uses differ, further up.
            edge = next((e for e, f in differing if _through(*e, namer) != _through(*f, namer)),
                        differing[0][0] if differing else None)
            if edge is not None and edge not in parting[id(path)]:
                parting[id(path)].append(edge)
        for path in group:
            path.route = "; ".join([path.route] * bool(path.route) + [_through(n, i, namer) for n, i in parting[id(path)]])


def _through(node: Value, i: int, namer: _Namer) -> str:
    """``through the 1st factor of h·h``: the edge into ``node``'s i-th input, in words."""
    op = node._op
    assert op is not None, "an edge enters a node an op made"
    return f"through the {input_role(op.python_operator, i)} of {namer.node(node)}"


def _condense_at(edges: list[Edge], nodes: list[Value], to_output: dict[Any, int]) -> int | None:
    """Where the path's tail becomes one factor ∂C/∂a: the index of its last labelled node, or None.

    Only when that node reaches the output by this one path (so the engine's
    ∂C/∂a is exactly this tail's product) and the tail has two or more
    factors that are not the 1 of an addition.
    """
    for k in range(len(edges) - 1, 0, -1):  # nodes[1] … nodes[-2]: neither the leaf nor the output
        if nodes[k].label:
            tail = [edge for edge in edges[k:] if not _is_routing(*edge)]
            return k if to_output[nodes[k]] == 1 and len(tail) >= 2 else None
    return None


# ---------------------------------------------------------------------------
# Nielsen's chain
# ---------------------------------------------------------------------------

def sigmoid_chain(weights: Sequence[float], biases: Sequence[float], a0: float = 0.5,
                  y: float = 0.0) -> tuple[Value, dict[str, Value]]:
    """Nielsen's chain of sigmoid neurons, one per layer, with every node labelled.

    zⱼ = wⱼ·aⱼ₋₁ + bⱼ, aⱼ = σ(zⱼ), C = (a_L − y)²/2.  Returns ``(C, nodes)``,
    ``nodes`` a dict from label ("w1", "b1", "z1", "a1", …, "a0", "y", "C") to node.

    >>> C, nodes = sigmoid_chain([1.0, 1.0], [0.0, 0.0], a0=0.0)
    >>> nodes["z1"].data, nodes["a1"].data, round(C.data, 6)
    (0.0, 0.5, 0.193728)
    """
    if isinstance(weights, (str, bytes, int, float)) or isinstance(biases, (str, bytes, int, float)):
        raise TypeError(f"sigmoid_chain: weights and biases must be lists of numbers, got {weights!r:.30} "
                        f"and {biases!r:.30}")
    weights = numbers_of("sigmoid_chain", weights, "weight", first=1)
    biases = numbers_of("sigmoid_chain", biases, "bias", first=1)
    check_number("sigmoid_chain", a0)
    check_number("sigmoid_chain", y)
    if len(weights) != len(biases) or not weights:
        raise ValueError(
            f"sigmoid_chain: need one bias per weight and at least one layer, got {len(weights)} weights "
            f"and {len(biases)} biases"
        )
    a = Value(a0, label="a0")
    target = Value(y, label="y")
    nodes = {"a0": a, "y": target}
    for j, (w, b) in enumerate(zip(weights, biases), start=1):
        w_node, b_node = Value(w, label=f"w{j}"), Value(b, label=f"b{j}")
        z = w_node * a + b_node
        z.label = f"z{j}"
        a = z.sigmoid()
        a.label = f"a{j}"
        nodes.update({f"w{j}": w_node, f"b{j}": b_node, f"z{j}": z, f"a{j}": a})
    cost = (a - target) ** 2 / 2
    cost.label = "C"
    nodes["C"] = cost
    return cost, nodes
