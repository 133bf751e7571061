"""Symbolic derivatives: a derivative read back as a formula in the input symbols.

``grad(y, [x], create_graph=True)`` returns ∂y/∂x as a :class:`Value` whose
graph is built from the same derivative rules as backward (see
:mod:`tinygrad_edu.ops`).  This module reads such a graph back as an
expression, :class:`Expr`, that you can print and evaluate:

>>> from tinygrad_edu import Value
>>> x, w, b = Value(0.5, label="x"), Value(2.0, label="w"), Value(-1.0, label="b")
>>> y = (w * x + b).sigmoid()
>>> d = exact_derivative(y, w)
>>> print(d)
σ(w·x + b)·(1 − σ(w·x + b))·x
>>> d.evaluate() == y.data * (1 - y.data) * x.data   # σ′(z)·x at the current values
True
>>> round(d.evaluate({"x": 1.0, "w": 0.0, "b": 0.0}), 6)   # σ′(0)·1 = 1/4, at another point
0.25

Labelled leaves are the symbols; unlabelled leaves are constants (the 1 in
1 − σ, the 2 in ``2 * x``).  Label every input you want to see by name.

The graph of a derivative is full of trivial pieces: backward starts from
∂y/∂y = 1, addition passes gradients on with a factor 1, x ** 2 has the
derivative 2·x¹.  :class:`Expr` removes them as it is built, but only where
the result is *exactly* the same number: ``1·x → x``, ``x + 0 → x``,
``x·0 → 0``, ``x¹ → x``, ``x⁰ → 1``, ``x/1 → x``, ``−(−x) → x``,
``x + (−y) → x − y``, ``(−x)·y → −(x·y)``, ``−(x − y) → y − x``, and
constants are folded (2·3 → 6).  So an evaluated
formula agrees with the engine's gradient to rounding.  (``x·0 → 0`` assumes
x is finite: inf·0 is nan in IEEE 754.)

Every formula also prints as Python source (:meth:`Expr.python`), which
``eval`` accepts with :func:`python_namespace`: a test can check that the
*printed* formula, evaluated, is the gradient.

This is the *exact form*, long where backward adds one term per path.
:mod:`tinygrad_edu.textbook` rewrites it as a textbook would (3·x²·σ′(x³));
its ``symbolic_derivative`` gives both forms.
"""

from __future__ import annotations

import keyword
import math
from collections.abc import Mapping, Sequence
from fractions import Fraction
from typing import Any, final

from . import ops, reals
from .autodiff import grad
from .backward import topological_order
from .notation import MINUS, format_constant, pretty_label, superscript
from .operators import Arithmetic
from .ops import Op
from .value import Value


#: A printed sub-formula: its text and the precedence of its outermost operation.
Part = tuple[str, int]

# ---------------------------------------------------------------------------
# Expr: a node of a formula
# ---------------------------------------------------------------------------

@final  # Expr.apply may return an existing formula (x + 0 is x): no subclass could rely on its type
class Expr(Arithmetic):
    """A formula node: a constant, a named symbol, or an op applied to formulas.

    Like :class:`Value`, an ``Expr`` carries its number in ``.data``,
    computed when it is made, so the derivative rules of :mod:`tinygrad_edu.ops`
    (which sometimes look at the number: relu′ is 1 for x > 0) work on it
    unchanged.  Unlike a Value it records no gradient: it is for reading.

    >>> x = Expr.symbol("x", 3.0)
    >>> print(2 * x ** 2 + 1)
    2·x² + 1
    >>> print(x * 1 + 0)
    x
    """

    __slots__ = ("data", "op", "args", "params", "name", "_g")  # _g: topological_order's visited mark

    def __init__(self, data: Any, op: Op | None = None, args: tuple[Expr, ...] = (), params: tuple[Any, ...] = (),
                 name: str | None = None) -> None:
        self.data = data
        self.op = op  # None for a constant or a symbol
        self.args = args
        self.params = params
        self.name = name  # the label of a symbol; None for everything else
        self._g: Any = None

    @classmethod
    def constant(cls, x: Any) -> Expr:
        return cls(reals.as_number("Expr.constant", x))

    @classmethod
    def symbol(cls, name: str, value: Any = 0.0) -> Expr:
        """A named input: printed as its name, evaluated as ``value`` unless told otherwise."""
        if not isinstance(name, str) or not name:
            raise ValueError(f"Expr.symbol: the name must be a non-empty string, got {name!r}")
        return cls(reals.as_number("Expr.symbol", value), name=name)

    @property
    def _prev(self) -> tuple[Expr, ...]:
        # The name topological_order() walks, so the graph tools of value.py work on formulas too.
        return self.args

    @property
    def is_constant(self) -> bool:
        return self.op is None and self.name is None

    @classmethod
    def apply(cls, op: Op, inputs: Sequence[Any], params: tuple[Any, ...] = ()) -> Expr:
        """``op`` applied to formulas (or numbers), simplified where that changes no number."""
        args = tuple(x if isinstance(x, Expr) else cls.constant(x) for x in inputs)
        op.validate([a.data for a in args], params)  # log of −1 is refused here, as for a Value
        simpler = _simplify(op, args, tuple(params))
        if simpler is not None:
            return simpler
        return cls(op.forward(*[a.data for a in args], *params), op, args, tuple(params))

    # -- reading -------------------------------------------------------------

    def __str__(self) -> str:
        return render(self)

    def __repr__(self) -> str:
        return f"Expr({render(self)!r}, data={self.data!r})"

    def python(self) -> str:
        """The formula as Python source, for ``eval`` with :func:`python_namespace`.

        >>> x = Expr.symbol("x", 3.0)
        >>> (x.sigmoid() * (1 - x.sigmoid())).python()
        'sigmoid(x) * (1 - sigmoid(x))'
        """
        return render(self, python=True)

    def symbols(self) -> dict[str, Any]:
        """The symbols this formula uses, name → current value."""
        return {n.name: n.data for n in topological_order(self) if n.name is not None}

    def evaluate(self, values: Mapping[str, Any] | None = None) -> Any:
        """The formula's number, with the symbols in ``values`` (name → number) replaced.

        Symbols not in ``values`` keep the value they were made with.  Every
        op is applied through the op table, so an input outside an op's
        domain raises the op's own clear error.
        """
        values = {} if values is None else values
        if not isinstance(values, Mapping):
            raise TypeError(f"Expr.evaluate: values must be a dict of symbol name → number, got {values!r:.40}")
        results: dict[Expr, Any] = {}
        for node in reversed(topological_order(self)):  # inputs before the nodes that use them
            if node.op is not None:
                results[node] = node.op(*[results[a] for a in node.args], *node.params)
            elif node.name is not None:
                results[node] = values.get(node.name, node.data)
            else:
                results[node] = node.data
        return results[self]


def _is_constant(e: Expr, value: Any) -> bool:
    return e.is_constant and e.data == value


def _simplify(op: Op, args: tuple[Expr, ...], params: tuple[Any, ...]) -> Expr | None:
    """A simpler formula with exactly the same value, or None to keep ``op(args)`` as it is.

    These are identities of the arithmetic rows of the table (0 adds nothing,
    1 multiplies by nothing, −(−x) = x): algebra used only to tidy a printed
    formula.  An op without a rule here is printed as it is.
    """
    if all(a.is_constant for a in args):  # fold: 2·3 → 6, σ(0) → 0.5
        return Expr.constant(op(*[a.data for a in args], *params))
    x = args[0]
    y = args[-1]  # the second input of a binary op (the rules below for them alone use it)
    if op is ops.add:
        if _is_constant(x, 0):
            return y
        if _is_constant(y, 0):
            return x
        if y.op is ops.neg:  # x + (−y) → x − y (the same float)
            return Expr.apply(ops.sub, (x, y.args[0]))
    elif op is ops.sub:
        if _is_constant(y, 0):
            return x
        if _is_constant(x, 0):
            return Expr.apply(ops.neg, (y,))
        if y.op is ops.neg:  # x − (−y) → x + y
            return Expr.apply(ops.add, (x, y.args[0]))
    elif op is ops.mul:
        if _is_constant(x, 0) or _is_constant(y, 0):
            return Expr.constant(0.0)
        if _is_constant(x, 1):
            return y
        if _is_constant(y, 1):
            return x
        if _is_constant(x, -1):
            return Expr.apply(ops.neg, (y,))
        if _is_constant(y, -1):
            return Expr.apply(ops.neg, (x,))
    if op is ops.mul or op is ops.div:
        if op is ops.div and _is_constant(y, 1):
            return x
        if op is ops.div and _is_constant(x, 0):
            return Expr.constant(0.0)
        if x.op is ops.neg:  # (−x)·y → −(x·y): negation is exact, so the same number
            return Expr.apply(ops.neg, (Expr.apply(op, (x.args[0], y)),))
        if y.op is ops.neg:
            return Expr.apply(ops.neg, (Expr.apply(op, (x, y.args[0])),))
    elif op is ops.neg:
        if x.op is ops.neg:
            return x.args[0]
        if x.op is ops.sub:  # −(x − y) → y − x (rounding to nearest is symmetric: the same number)
            return Expr.apply(ops.sub, (x.args[1], x.args[0]))
    elif op is ops.power:
        if params[0] == 1:
            return x
        if params[0] == 0:
            return Expr.constant(1.0)
    return None


# ---------------------------------------------------------------------------
# Reading a Value graph as a formula
# ---------------------------------------------------------------------------

def to_expr(node: Value, expand: bool = True, memo: dict[Value, Expr] | None = None) -> Expr:
    """The formula that computed ``node``.

    Leaves with a label become symbols, unlabelled leaves constants.  With
    ``expand=False`` a *labelled* intermediate node is a symbol too (``z₂``
    rather than ``w₂·a₁ + b₂``): the short form the chain rule prints.
    ``memo`` (Value → Expr) lets several calls share the work.

    >>> a = Value(2.0, label="a")
    >>> z = a * 3 + 1
    >>> z.label = "z"
    >>> print(to_expr(z.tanh()))
    tanh(a·3 + 1)
    >>> print(to_expr(z.tanh(), expand=False))
    tanh(z)
    """
    if not isinstance(node, Value):
        raise TypeError(f"to_expr: expected a Value, got {type(node).__name__}")
    if memo is not None and not isinstance(memo, dict):
        raise TypeError(f"to_expr: memo must be a dict (or None), got {memo!r:.40}")
    memo = {} if memo is None else memo
    # An iterative depth-first walk (no recursion: graphs may be very deep).  A
    # node is entered twice: first to push its inputs, then, once they are
    # all done, to build its own formula from theirs.
    stack = [(node, False)]
    while stack:
        current, inputs_done = stack.pop()
        if current in memo:
            continue
        if current._op is None or (not expand and current.label):
            memo[current] = Expr.symbol(current.label, current.data) if current.label else Expr.constant(current.data)
        elif inputs_done:
            inputs = [memo[child] for child in current._prev]
            memo[current] = Expr.apply(current._op, inputs, current._params)
        else:
            stack.append((current, True))
            stack.extend((child, False) for child in current._prev if child not in memo)
    return memo[node]


def expression(node: Value, expand: bool = True) -> Expr:
    """The formula that computed ``node``: like :func:`to_expr`, but ``node`` itself is never
    just its own label.

    >>> a = Value(2.0, label="a")
    >>> z = a * 3 + 1
    >>> z.label = "z"
    >>> y = z.tanh()
    >>> print(expression(y, expand=False))
    tanh(z)
    >>> print(expression(z, expand=False))
    a·3 + 1
    >>> print(to_expr(z, expand=False))   # to_expr: a labelled node is its label
    z
    """
    if not isinstance(node, Value):
        raise TypeError(f"expression: expected a Value, got {type(node).__name__}")
    if node._op is None:
        return to_expr(node)
    memo: dict[Value, Expr] = {}
    inputs = [to_expr(child, expand=expand, memo=memo) for child in node._prev]
    return Expr.apply(node._op, inputs, node._params)


def exact_derivative(output: Value, wrt: Value, expand: bool = True, memo: dict[Value, Expr] | None = None) -> Expr:
    """∂output/∂wrt as a formula in the labelled leaves, read from the ``create_graph`` graph:
    the exact form, the engine's gradient to the last bit.

    ``expand`` and ``memo`` are :func:`to_expr`'s.

    >>> x = Value(3.0, label="x")
    >>> print(exact_derivative(x ** 3 + 2 * x, x))
    3·x² + 2
    >>> print(exact_derivative(x.exp() * x.sin(), x))
    sin(x)·exp(x) + exp(x)·cos(x)

    Ops with a kink (relu, leaky relu, abs) have a derivative that is a
    constant on each side; the formula holds that constant, so it is valid on
    the side of the kink where it was made.
    """
    if not isinstance(output, Value) or not isinstance(wrt, Value):
        raise TypeError(
            f"exact_derivative: output and wrt must be Values, got {type(output).__name__} "
            f"and {type(wrt).__name__}"
        )
    (d,) = grad(output, [wrt], create_graph=True)
    return to_expr(d, expand=expand, memo=memo)


def operation_count(expr: Expr) -> int:
    """How many operations the formula writes out: each op once per time it is written (a
    sub-formula written twice counts twice), a symbol or a number none.  σ′ or tanh′ counts one.

    >>> x = Expr.symbol("x", 1.0)
    >>> operation_count(3 * x ** 2 + 2), operation_count(x.sigmoid() * (1 - x.sigmoid()))
    (3, 4)
    """
    if not isinstance(expr, Expr):
        raise TypeError(f"operation_count: expected an Expr, got {type(expr).__name__}")
    counts: dict[Expr, int] = {}
    for node in reversed(topological_order(expr)):  # inputs first
        counts[node] = (0 if node.op is None else 1) + sum(counts[a] for a in node.args)
    return counts[expr]


# ---------------------------------------------------------------------------
# Printing
# ---------------------------------------------------------------------------
# Each node prints as (text, precedence).  A child is put in parentheses when
# its precedence is lower than its place needs: a + b inside a product is
# (a + b).  The right operand needs *strictly* higher precedence, because
# a − (b − c) ≠ a − b − c, and even a + (b + c) rounds differently from
# (a + b) + c: the printed form must compute exactly what the tree computes.

_SUM, _PRODUCT, _UNARY, _POWER, _ATOM = 1, 2, 3, 4, 5

#: Where an infix operator binds: a sum below a product (a + b inside a product is (a + b)).
_INFIX_PRECEDENCE = {"+": _SUM, "-": _SUM}  # any other infix operator binds like a product

#: Names ``eval`` needs for :meth:`Expr.python` output: every op of the table
#: (called through the table, so domains are checked), ``inf``, ``nan``, ``Fraction``.
NAMESPACE: dict[str, Any] = {name: op for name, op in ops.OPS.items()}
NAMESPACE.update({"inf": math.inf, "nan": math.nan, "Fraction": Fraction})


def python_namespace(values: Mapping[str, Any]) -> dict[str, Any]:
    """Globals for ``eval(expr.python(), ...)``: the op functions and the symbol values.

    >>> x = Expr.symbol("x", 0.0)
    >>> eval((2 * x.exp()).python(), python_namespace({"x": 1.0})) == 2 * math.exp(1.0)
    True
    """
    if not isinstance(values, Mapping):
        raise TypeError(f"python_namespace: values must be a dict of symbol name → number, got {values!r:.40}")
    namespace = dict(NAMESPACE)
    namespace["symbols"] = dict(values)
    for name, value in values.items():
        if _is_plain_identifier(name):
            namespace[name] = value
    return namespace


def _is_plain_identifier(name: str) -> bool:
    return name.isidentifier() and not keyword.iskeyword(name) and name not in NAMESPACE and name != "symbols"


def _python_symbol(name: str) -> str:
    # A label that is not a usable Python name (``w[1]``, ``exp``) is looked up in a dict.
    return name if _is_plain_identifier(name) else f"symbols[{name!r}]"


def _python_constant(x: Any) -> str:
    if isinstance(x, Fraction):
        return f"Fraction({x.numerator}, {x.denominator})"
    if isinstance(x, float) and not math.isfinite(x):
        return "nan" if math.isnan(x) else ("inf" if x > 0 else "-inf")
    return repr(x)


def _leaf_text(node: Expr, python: bool) -> Part:
    if node.name is not None:
        return (_python_symbol(node.name) if python else pretty_label(node.name)), _ATOM
    text = _python_constant(node.data) if python else format_constant(node.data)
    if text.startswith(("-", MINUS)):
        return text, _UNARY
    if isinstance(node.data, Fraction) and node.data.denominator != 1 and not python:
        return text, _PRODUCT  # 1/3 reads as a division
    return text, _ATOM


def _wrap(part: Part, need: int, allow_minus: bool = False) -> str:
    """A child's text, parenthesized if its precedence is below ``need``.

    A child that starts with a minus sign is parenthesized as a right operand
    (x·(−y), not x·−y), for the reader.
    """
    text, precedence = part
    starts_negative = text.startswith(("-", MINUS))
    if precedence < need or (starts_negative and not allow_minus):
        return f"({text})"
    return text


def _exponent_text(c: Any, python: bool) -> str:
    if isinstance(c, (int, Fraction)) and int(c) == c or isinstance(c, float) and c.is_integer():
        return superscript(int(c))
    text = format_constant(c)
    return f"^({text})" if text.startswith(MINUS) else f"^{text}"


def _node_text(node: Expr, parts: list[Part], python: bool) -> Part:
    """A node's text and precedence, from its op's ``layout`` and ``symbol`` (see :class:`~tinygrad_edu.ops.Op`)."""
    op = node.op
    assert op is not None, "a leaf is printed by _leaf_text"
    layout = op.layout
    if layout == "infix":
        precedence = _INFIX_PRECEDENCE.get(op.python_operator or "", _PRODUCT)
        left = _wrap(parts[0], precedence, allow_minus=True)
        right = _wrap(parts[1], precedence + 1)
        tight = precedence == _PRODUCT and not op.symbol.isalpha()  # x·y and x/y, but x mod y
        symbol = f" {op.python_operator} " if python else (op.symbol if tight else f" {op.symbol} ")
        return left + symbol + right, precedence
    if layout == "prefix" and (op.python_operator or not python):
        # −x·y may be read as (−x)·y or −(x·y): the same number, so no parentheses are needed.
        sign = (op.python_operator or "") if python else op.symbol
        return sign + _wrap(parts[0], _PRODUCT, allow_minus=False), _UNARY
    if layout in ("dot", "sum") and not python:  # a neuron's sum as a textbook writes it: w₁·x₁ + w₂·x₂ + b
        n = (len(parts) - 1) // 2 if layout == "dot" else 0
        terms = [_wrap(parts[i], _PRODUCT, allow_minus=True) + "·" + _wrap(parts[n + i], _PRODUCT + 1)
                 for i in range(n)] + [_wrap(part, _SUM + 1) for part in parts[2 * n:]]
        if layout == "dot" and parts[-1][0] == "0":  # dot(w, x) with no bias
            terms.pop()
        return " + ".join(terms), _SUM
    extra = [_python_constant(p) if python else format_constant(p) for p in node.params]
    if python:  # every other op is a call of the op table's function: power(x, 2), pow(x, y)
        return f"{op.name}({', '.join([parts[0][0]] + [p[0] for p in parts[1:]] + extra)})", _ATOM
    if layout == "power" and op.arity == 1:  # x², the constant exponent as a superscript
        return _wrap(parts[0], _ATOM, allow_minus=False) + _exponent_text(node.params[0], python), _POWER
    if layout == "power":  # x^y
        exponent = parts[1][0] if parts[1][1] == _ATOM and not parts[1][0].startswith(MINUS) else f"({parts[1][0]})"
        return _wrap(parts[0], _ATOM, allow_minus=False) + op.symbol + exponent, _POWER
    if layout == "bars":
        return f"{op.symbol}{parts[0][0]}{op.symbol}", _ATOM
    if layout == "radical":
        inner = parts[0][0] if parts[0][1] == _ATOM and not parts[0][0].startswith(MINUS) else f"({parts[0][0]})"
        return op.symbol + inner, _ATOM
    return f"{op.symbol}({', '.join([p[0] for p in parts] + extra)})", _ATOM


def render(expr: Expr, python: bool = False, limit: int | None = None, memo: dict[Expr, Part] | None = None) -> str:
    """The formula as text: Unicode mathematics, or Python source with ``python=True``.

    With ``limit``, any sub-formula longer than ``limit`` characters prints
    as ``…`` (the chain rule uses this to keep factor names short).  The walk
    is iterative and each shared sub-formula is printed once and reused;
    ``memo`` (Expr → (text, precedence)) carries that work over between calls
    with the same ``python`` and ``limit``.

    >>> x = Expr.symbol("x1", 2.0)
    >>> render(((x + 1) * (x - 1)) ** 2)
    '((x₁ + 1)·(x₁ − 1))²'
    >>> render(x.exp() * ((x + 1) * (x - 1) * (x + 2)).tanh(), limit=20)
    'exp(x₁)·tanh(…)'
    """
    if not isinstance(expr, Expr):
        raise TypeError(f"render: expected an Expr, got {type(expr).__name__}")
    texts = {} if memo is None else memo
    for node in _new_nodes(expr, texts):
        if node.op is None:
            texts[node] = _leaf_text(node, python)
            continue
        text, precedence = _node_text(node, [texts[a] for a in node.args], python)
        if limit is not None and len(text) > limit:
            text, precedence = "…", _ATOM
        texts[node] = (text, precedence)
    return texts[expr][0]


def _new_nodes(root: Expr, done: dict[Expr, Part]) -> list[Expr]:
    """The nodes below ``root`` that are not in ``done``, each after its inputs (iterative, no recursion)."""
    order = []
    seen = set()
    stack = [(root, False)]
    while stack:
        node, inputs_done = stack.pop()
        if inputs_done:
            order.append(node)
            continue
        if node in done or node in seen:
            continue
        seen.add(node)
        stack.append((node, True))
        stack.extend((a, False) for a in node.args if a not in done and a not in seen)
    return order
