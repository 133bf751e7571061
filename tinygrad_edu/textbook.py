"""Derivatives as a textbook writes them: like terms collected, powers, named derivatives.

:mod:`tinygrad_edu.symbolic` reads the engine's derivative graph back as a
formula, the *exact form*: the same float operations in the same order, so it
evaluates to the engine's gradient to the last bit.  It is also long, because
backward adds one term per path: d/dx σ(x·x·x) has three paths through x·x·x,
and its exact form is three copies of σ(x·x·x)·(1 − σ(x·x·x))·x·x.  This
module rewrites a formula the way a textbook (or a computer-algebra system)
would, into its *textbook form*:

* like terms are collected with their coefficients (a + a → 2·a) and like
  factors become powers (x·x·x → x³, x/x → 1); constants are folded;
* a known derivative is written with its name, σ′(u) for σ(u)·(1 − σ(u)) and
  tanh′(u) for 1 − tanh(u)²: always the *named* form (Nielsen's σ′), for every
  op whose row in the table has a ``prime`` and a derivative rule longer than
  the name (softplus′ = σ stays σ);
* a sum or product of two or more operations that is used more than once is
  written once, in a ``where`` clause, under the label the graph gave it if it
  has one (``where z = w·x + b``).

>>> from tinygrad_edu import Value
>>> x = Value(0.5, label="x")
>>> d = symbolic_derivative((x * x * x).sigmoid(), x)
>>> print(d.exact)
σ(x·x·x)·(1 − σ(x·x·x))·(x·x) + σ(x·x·x)·(1 − σ(x·x·x))·x·x + σ(x·x·x)·(1 − σ(x·x·x))·x·x
>>> print(d)                                   # printing shows the textbook form
3·x²·σ′(x³)
>>> w, b = Value(0.8, label="w"), Value(-0.2, label="b")
>>> print(symbolic_derivative((w * x + b).tanh() ** 2, w))
2·x·tanh(z)·tanh′(z), where z = w·x + b

The rewriting uses algebra that floats do not obey exactly (a + b + a = 2·a + b
rounds differently; x/x = 1 assumes x ≠ 0), so the textbook form equals the
exact form as a real-number formula, and as floats to rounding: the tests
check that at random points.  The exact form stays the number of record:
``d.evaluate()`` is the exact form's value, the engine's gradient.

Names: the ops are read through their facts in :mod:`tinygrad_edu.ops`
(``prime``, ``layout``, the derivative rule), so an op added to the table later
prints sensibly here without a line of this file changing; an op with no
``prime`` keeps its rule written out, and one that is not arithmetic is kept
whole, ``name(args)``.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Mapping, Sequence
from fractions import Fraction
from typing import Any

from . import ops
from .autodiff import grad
from .backward import topological_order
from .notation import pretty_label
from .ops import Op
from .reals import is_integer
from .symbolic import Expr, operation_count, render, to_expr
from .value import Value

#: A product of powers, base → exponent (a number); the coefficient is kept beside it.
Monomial = dict[Expr, Any]
#: A sum of terms, each a monomial (as a frozenset of (base, exponent)) → its coefficient.
Poly = dict[frozenset[tuple[Expr, Any]], Any]

#: Names for repeated sub-expressions the graph did not label, in the order they are used.
FRESH_NAMES = ("z", "u", "v", "s", "t", "p", "q", "r")

#: The arithmetic rows of the table, whose algebra this module knows (every other op is a function call).
_ARITHMETIC = (ops.add, ops.sub, ops.mul, ops.div, ops.neg, ops.power, ops.pow_xy)


# ---------------------------------------------------------------------------
# Named derivatives: σ′, tanh′, … as ops of their own, made from the table's facts
# ---------------------------------------------------------------------------

_DERIVATIVE_OPS: dict[Op, Op] = {}


def derivative_op(op: Op) -> Op:
    """The op that computes ``op``'s derivative, printed with its ``prime`` symbol: σ′(x).

    Its forward rule is ``op``'s own derivative rule, so it needs nothing new
    from the table.  It is for reading: it has no derivative rule of its own.

    >>> sigma_prime = derivative_op(ops.sigmoid)
    >>> sigma_prime.symbol, sigma_prime(0.0)
    ('σ′', 0.25)
    """
    if op not in _DERIVATIVE_OPS:
        def forward(x: Any, *params: Any) -> Any:
            return op.local_derivatives(x, *params)[0]

        def no_rule(*args: Any) -> Any:
            raise TypeError(f"{op.name}_prime: a textbook formula is for reading; differentiate the Value graph")

        _DERIVATIVE_OPS[op] = Op(f"{op.name}_prime", forward=forward, derivative=no_rule,
                                 param_names=op.param_names, param_domains=op.param_domains,
                                 domain=op.domain, symbol=op.prime or f"{op.symbol}′",
                                 doc=f"The derivative of {op.name}, by its name.")
    return _DERIVATIVE_OPS[op]


# ---------------------------------------------------------------------------
# The algebra: sums of coefficient × product of powers, each distinct formula made once
# ---------------------------------------------------------------------------

class _Algebra:
    """Canonical forms, as a computer-algebra system keeps them (products are not multiplied out).

    A formula is a :data:`Poly`: terms, each a coefficient times a product of
    bases raised to numbers.  A base is a symbol, a function call (σ(x³)) or a
    sum that is a factor ((1 − σ(x))).  Every base is *interned*: the same
    formula is always the same ``Expr`` object, so finding like terms and like
    factors is a dictionary lookup.
    """

    def __init__(self) -> None:
        self.table: dict[tuple[Any, ...], Expr] = {}
        self.texts: dict[Expr, Any] = {}  # render's memo, for sorting factors by their text
        self.patterns: dict[Expr, Monomial | None] = {}  # σ(u) → the factors σ(u)·(1 − σ(u)) of σ′(u)
        self.by_base: dict[Expr, list[Expr]] = {}  # a factor → the calls whose derivative has it: σ(u) → [σ(u)]
        self.by_rule: dict[frozenset[Any], Expr] = {}  # 1 − tanh(u)² → tanh(u): rules that are sums
        self.polys: dict[Expr, Poly] = {}  # formulas already read: poly() does not walk into them again

    # -- making formulas, each once --------------------------------------------

    def make(self, op: Op | None, args: tuple[Expr, ...] = (), params: tuple[Any, ...] = (),
             value: Any = None, name: str | None = None) -> Expr:
        key = (op, params, args, name, None if op is not None or name is not None else (type(value), value))
        if key not in self.table:
            if op is None:
                self.table[key] = Expr(value, name=name)
            else:
                try:
                    data = op(*[a.data for a in args], *params)
                except (ValueError, ArithmeticError):  # x/x at x = 0: the formula still reads right
                    data = float("nan")
                self.table[key] = Expr(data, op, args, params)
        return self.table[key]

    # -- exact formula → canonical form -------------------------------------------

    def poly(self, expr: Expr) -> Poly:
        """The canonical form of ``expr`` (iterative: the deepest formula is fine)."""
        done = self.polys
        stack = [(expr, False)]
        while stack:  # inputs first, as topological_order, but not into formulas already read
            node, inputs_done = stack.pop()
            if inputs_done:
                done[node] = self._node_poly(node, [done[a] for a in node.args])
            elif node not in done:
                stack.append((node, True))
                stack.extend((a, False) for a in node.args if a not in done)
        return done[expr]

    def _node_poly(self, node: Expr, args: list[Poly]) -> Poly:
        op = node.op
        if op is None:
            if node.name is None:
                return _constant(node.data)
            return {frozenset({(self.make(None, name=node.name, value=node.data), 1)}): 1}
        if op is ops.add:
            return _add(args[0], args[1])
        if op is ops.sub:
            return _add(args[0], _scale(args[1], -1))
        if op is ops.neg:
            return self.settle(_scale(args[0], -1))
        if op is ops.mul:
            return self.mul(args[0], args[1])
        if op is ops.div:
            return self.mul(args[0], self.power(args[1], -1))
        if op is ops.power:
            return self.power(args[0], node.params[0])
        if op is ops.pow_xy and _constant_of(args[1]) is not None:
            return self.power(args[0], _constant_of(args[1]))
        return self.call(op, args, node.params)

    def call(self, op: Op, args: list[Poly], params: tuple[Any, ...]) -> Poly:
        inputs = tuple(self.expr(a) for a in args)
        if all(a.is_constant for a in inputs):  # σ(0) → 0.5
            return _constant(op(*[a.data for a in inputs], *params))
        atom = self.make(op, inputs, params)
        self.polys[atom] = {frozenset({(atom, 1)}): 1}
        self.pattern(atom)  # so that its derivative is known by its factors
        return self.polys[atom]

    def mul(self, p: Poly, q: Poly) -> Poly:
        if not p or not q:
            return {}  # 0·x = 0 (x finite)
        for number, other in ((_constant_of(p), q), (_constant_of(q), p)):
            if number is not None and _multiplies_out(number, other):
                return _scale(other, number)
        (mono_p, c_p), = self.as_term(p).items()
        (mono_q, c_q), = self.as_term(q).items()
        if len(mono_p) < len(mono_q):
            mono_p, mono_q = mono_q, mono_p
        factors = dict(mono_p)  # the longer one copied (fast), the shorter one merged into it
        for base, k in mono_q:
            power = factors.get(base, 0) + k
            if power == 0:
                del factors[base]  # x/x = 1
            else:
                factors[base] = power
        return self.settle({frozenset(factors.items()): c_p * c_q})

    def settle(self, p: Poly) -> Poly:
        """c·(sum) multiplied out when that is no longer (see :func:`_multiplies_out`): −(a − y) → y − a."""
        if len(p) == 1:
            (mono, c), = p.items()
            if len(mono) == 1:
                (base, k), = mono
                inner = self.polys.get(base)
                if k == 1 and inner is not None and len(inner) > 1 and _multiplies_out(c, inner):
                    return _scale(inner, c)
        return p

    def as_term(self, p: Poly) -> Poly:
        """``p`` as a single term: itself, or 1·(p) with the sum as one base (not multiplied out)."""
        if len(p) == 1:
            return p
        return {frozenset({(self.expr(p), 1)}): 1}

    def power(self, p: Poly, c: Any) -> Poly:
        if c == 0:
            return {frozenset(): 1}
        if c == 1:
            return p
        if not p:
            if c < 0:
                raise ZeroDivisionError("textbook: 0 to a negative power")
            return {}
        if len(p) == 1:
            (mono, coefficient), = p.items()
            if is_integer(c):  # (3·x²)² = 9·x⁴; only for whole powers: (x²)^0.5 is |x|, not x
                c = int(c)
                scale = Fraction(coefficient) ** c if isinstance(coefficient, int) and c < 0 else coefficient ** c
                return {_key({base: k * c for base, k in mono}): _tidy(scale)}
            (base, k), = mono if len(mono) == 1 else ((None, 0),)
            if coefficient == 1 and base is not None and k == 1:
                return {frozenset({(base, c)}): 1}
        return {frozenset({(self.expr(p), c)}): 1}

    # -- canonical form → formula ---------------------------------------------------

    def expr(self, p: Poly) -> Expr:
        """The formula of ``p``: terms in the order they first appeared, a constant last,
        a positive term first (1 − σ, not −σ + 1); in a term its coefficient, then its factors
        (see :meth:`place`), those with a negative power under a fraction bar."""
        terms = sorted(p.items(), key=lambda term: not term[0])  # the constant last; sorted() is stable
        if not terms:
            return self.make(None, value=0)
        named = self.by_rule.get(frozenset(p.items())) if len(terms) > 1 else None
        if named is not None:  # 1 − tanh(u)² is tanh′(u)
            return self.make(derivative_op(named.op), named.args, named.params)  # type: ignore[arg-type]
        # A positive term first; with none, the constant if there is one (−1 − 2·x, a number and
        # one subtraction, not −(2·x) − 1, which writes a negation more).
        constant = len(terms) - 1 if not terms[-1][0] else 0
        first_positive = next((k for k, (_, c) in enumerate(terms) if not _negative(c)), constant)
        terms.insert(0, terms.pop(first_positive))
        result: Expr | None = None
        for mono, coefficient in terms:
            size = -coefficient if _negative(coefficient) else coefficient
            term = self.scaled(size, self.term(dict(mono)))
            if result is None and not mono:
                result = self.make(None, value=_tidy(coefficient))  # a number alone: −1, not −(1)
            elif result is None:
                result = self.make(ops.neg, (term,)) if _negative(coefficient) else term
            else:
                result = self.make(ops.sub if _negative(coefficient) else ops.add, (result, term))
        assert result is not None
        self.polys.setdefault(result, p)
        return result

    def term(self, factors: Monomial) -> tuple[list[Expr], list[Expr]]:
        """A product of powers as the factors of its numerator and of its denominator."""
        self.name_derivatives(factors)
        ordered = sorted(factors.items(), key=lambda bk: self.place(bk[0]))
        top = [self.raised(base, k) for base, k in ordered if not _negative(k)]
        bottom = [self.raised(base, -k) for base, k in ordered if _negative(k)]
        return top, bottom

    def place(self, base: Expr) -> tuple[int, str]:
        """Where a factor goes in a product, as a computer-algebra system puts it: symbols, then
        powers and roots, calls and sums, each group in the order of their text (a₀·w₁, σ′(z₁)·σ′(z₂))."""
        return _kind(base), render(base, memo=self.texts)

    def raised(self, base: Expr, k: Any) -> Expr:
        return base if k == 1 else self.make(ops.power, (base,), (int(k) if is_integer(k) else k,))

    def product(self, factors: list[Expr]) -> Expr | None:
        result = None
        for factor in factors:
            result = factor if result is None else self.make(ops.mul, (result, factor))
        return result

    def scaled(self, size: Any, factors: tuple[list[Expr], list[Expr]]) -> Expr:
        """size·numerator/denominator, leaving out a coefficient of 1, the coefficient first."""
        top, bottom = factors
        if size != 1 or not top:
            top = [self.make(None, value=_tidy(size)), *top]
        numerator = self.product(top)
        assert numerator is not None
        denominator = self.product(bottom)
        return numerator if denominator is None else self.make(ops.div, (numerator, denominator))

    # -- σ(u)·(1 − σ(u)) → σ′(u) ----------------------------------------------------

    def name_derivatives(self, factors: Monomial) -> None:
        """Replace, in place, the factors of a known derivative by its name, while any are found."""
        found = True
        while found:
            found = False
            for atom in {atom: None for base in factors for atom in self.by_base.get(base, ())}:
                pattern = self.patterns[atom]
                assert pattern is not None and atom.op is not None
                if all(_within(k, factors.get(b, 0)) for b, k in pattern.items()):
                    for base, k in pattern.items():
                        factors[base] -= k
                        if factors[base] == 0:
                            del factors[base]
                    prime = self.make(derivative_op(atom.op), atom.args, atom.params)
                    factors[prime] = factors.get(prime, 0) + 1
                    found = True
                    break

    def pattern(self, atom: Expr) -> Monomial | None:
        """The factors of ``atom``'s derivative (σ(u) and 1 − σ(u) for σ(u)), from its rule in the
        table, when it is worth a name; they are indexed so that a product holding them is found.

        None when the op has no ``prime``, when the rule is not one product with coefficient 1, or
        when it is not longer than its name by two operations (see :func:`_rule_length`).
        """
        op = atom.op
        assert op is not None
        if atom in self.patterns:
            return self.patterns[atom]
        self.patterns[atom] = None  # the rule's own formula mentions atom: do not come back here
        if op.prime is None or op.arity != 1 or _rule_length(op, atom.params) < 3:
            return None
        try:
            rule = op.derivative(*atom.args, *atom.params, atom)
        except (TypeError, AttributeError, ValueError, ArithmeticError):  # a user's rule that needs numbers
            return None
        if not isinstance(rule, Expr):
            return None
        rule_poly = self.poly(rule)
        (mono, coefficient), = self.as_term(rule_poly).items()  # 1 − tanh(u)²: a sum, one factor
        if coefficient != 1:
            return None
        self.patterns[atom] = dict(mono)
        for base, _ in mono:
            self.by_base.setdefault(base, []).append(atom)
        if len(rule_poly) > 1:
            self.by_rule[frozenset(rule_poly.items())] = atom
        return self.patterns[atom]


_RULE_LENGTHS: dict[tuple[Op, tuple[Any, ...]], int] = {}


def _rule_length(op: Op, params: tuple[Any, ...]) -> int:
    """How many operations ``op``'s derivative rule writes out for a plain symbol u: 4 for σ′(u) =
    σ(u)·(1 − σ(u)), 1 for softplus′(u) = σ(u).  Only a rule of 3 or more is worth a name
    (the name σ′(u) is one operation): σ(−u), log_sigmoid′, stays as it is."""
    key = (op, params)
    if key not in _RULE_LENGTHS:
        u = Expr.symbol("u", 0.5)
        try:
            rule = op.derivative(u, *params, Expr.apply(op, (u,), params))
            _RULE_LENGTHS[key] = operation_count(rule) if isinstance(rule, Expr) else 0
        except (TypeError, AttributeError, ValueError, ArithmeticError):
            _RULE_LENGTHS[key] = 0
    return _RULE_LENGTHS[key]


def _constant(c: Any) -> Poly:
    return {frozenset(): c} if c != 0 else {}


def _constant_of(p: Poly) -> Any:
    """The number ``p`` is, or None when it has symbols."""
    if not p:
        return 0
    if len(p) == 1 and frozenset() in p:
        return p[frozenset()]
    return None


def _add(p: Poly, q: Poly) -> Poly:
    result = dict(p)
    for mono, c in q.items():
        total = result.get(mono, 0) + c
        if total == 0:
            result.pop(mono, None)
        else:
            result[mono] = total
    return result


def _scale(p: Poly, c: Any) -> Poly:
    return {mono: _tidy(c * k) for mono, k in p.items() if c * k != 0}


def _key(factors: Monomial) -> frozenset[tuple[Expr, Any]]:
    """A monomial as a dictionary key: its non-zero powers."""
    return frozenset((b, k) for b, k in factors.items() if k != 0)


def _negative(c: Any) -> bool:
    return bool(c < 0) if not isinstance(c, complex) else False


def _multiplies_out(c: Any, p: Poly) -> bool:
    """True when c·p written term by term takes no more operations than c·(p): −(a − y) → y − a and
    0.5·(2·a − 2·y) → a − y do, 2·(a + b) → 2·a + 2·b does not."""
    return bool(sum(abs(c * k) != 1 for k in p.values()) <= (c != 1))


def _within(k: Any, power: Any) -> bool:
    """True when a power ``power`` of a base holds the power ``k`` a pattern needs: x³ holds x², x⁻² holds x⁻¹."""
    return bool(power >= k > 0) or bool(power <= k < 0)


def _tidy(c: Any) -> Any:
    """2.0 → 2 and Fraction(4, 2) → 2, so that coefficients print as a textbook writes them."""
    if isinstance(c, Fraction) and c.denominator == 1:
        return int(c)
    return c


def _kind(base: Expr) -> int:
    """Symbols first (0), then powers and roots (1), then calls (2), then sums (3)."""
    if base.op is None:
        return 0
    if base.op.layout == "call":
        return 2
    if base.op.layout in ("infix", "dot", "sum"):
        return 3
    return 1


# ---------------------------------------------------------------------------
# Naming repeated sub-expressions: "where z = w·x + b"
# ---------------------------------------------------------------------------

def _name_repeats(algebra: _Algebra, root: Expr, labels: Mapping[Expr, str]) -> tuple[Expr, list[tuple[str, Expr]]]:
    """``root`` with each sum or product of two or more operations that it uses twice or more
    replaced by a name, and the definitions, each after the ones it uses.

    One pass from the root down counts how often each sub-formula is written
    out; a formula already named is written once (in its definition), so what
    it contains is counted once per definition, not once per use.
    """
    order = topological_order(root)  # every node before its inputs
    taken = {n.name for n in order if n.name is not None}
    label_names = set(labels.values())
    fresh = itertools.chain(FRESH_NAMES, (f"u{k}" for k in itertools.count(1)))
    size: dict[Expr, int] = {}  # each node's operation_count, all in one pass
    for node in reversed(order):
        size[node] = (node.op is not None) + sum(size[a] for a in node.args)
    written = {root: 1}
    names: dict[Expr, str] = {}
    for node in order:
        count = written.get(node, 0)
        if count >= 2 and node.op is not None and node.op.layout in ("infix", "dot", "sum") and size[node] >= 2:
            names[node] = _free_name(labels.get(node), taken, label_names, fresh)
            count = 1
        for child in node.args:
            written[child] = written.get(child, 0) + count
    if not names:
        return root, []
    symbols = {node: algebra.make(None, name=name, value=node.data) for node, name in names.items()}
    rebuilt: dict[Expr, Expr] = {}
    definitions = []
    for node in reversed(order):  # inputs first: a definition comes after those it uses
        args = tuple(symbols.get(a, rebuilt[a]) for a in node.args)
        same = all(new is old for new, old in zip(args, node.args))
        rebuilt[node] = node if same or node.op is None else algebra.make(node.op, args, node.params)
        if node in names:
            definitions.append((names[node], rebuilt[node]))
    return symbols.get(root, rebuilt[root]), definitions


def _free_name(label: str | None, taken: set[str], labels: set[str], fresh: Iterator[str]) -> str:
    """The node's own label if it is free, else the next name of ``fresh`` (:data:`FRESH_NAMES`,
    then u1, u2, …) that no symbol and no label uses."""
    if label is not None and label not in taken:
        taken.add(label)
        return label
    name = next(n for n in fresh if n not in taken and n not in labels)
    taken.add(name)
    return name


# ---------------------------------------------------------------------------
# The textbook form, and a derivative with both forms
# ---------------------------------------------------------------------------

class Textbook:
    """A formula in textbook form: ``formula`` and its ``where`` clause, a list of (name, definition).

    >>> x = Expr.symbol("x", 2.0)
    >>> t = textbook(x * x * 3 + x * x)
    >>> str(t), t.evaluate(), t.operation_count
    ('4·x²', 16.0, 2)
    """

    def __init__(self, formula: Expr, where: list[tuple[str, Expr]]) -> None:
        self.formula = formula
        self.where = where

    def __str__(self) -> str:
        text = render(self.formula)
        if self.where:
            text += ", where " + ", ".join(f"{pretty_label(name)} = {render(body)}" for name, body in self.where)
        return text

    def __repr__(self) -> str:
        return f"Textbook({str(self)!r})"

    @property
    def operation_count(self) -> int:
        """Operations written: the formula's, plus each definition's once (see :func:`operation_count`)."""
        return operation_count(self.formula) + sum(operation_count(body) for _, body in self.where)

    def evaluate(self, values: Mapping[str, Any] | None = None) -> Any:
        """The formula's number, the definitions worked out first (``values``: symbol name → number)."""
        known = dict(values or {})
        for name, body in self.where:
            known[name] = body.evaluate(known)
        return self.formula.evaluate(known)


def textbook(formula: Expr, labels: Mapping[Expr, str] | None = None, functions: Sequence[Expr] = ()) -> Textbook:
    """``formula`` in textbook form (see the module's docstring).

    ``labels`` (a sub-formula of ``formula`` → a name) says what to call a
    repeated sub-formula; others get the names of :data:`FRESH_NAMES`.
    ``functions`` are calls (σ(z), softsign(u)) whose derivatives the formula
    may hold written out, even where the call itself does not appear in it.

    >>> x, y = Expr.symbol("x", 1.0), Expr.symbol("y", 2.0)
    >>> print(textbook(x * y + y * x - x / x))
    2·x·y − 1
    """
    if not isinstance(formula, Expr):
        raise TypeError(f"textbook: expected an Expr, got {type(formula).__name__}")
    algebra = _Algebra()
    for function in functions:
        algebra.poly(function)  # each call met on the way has its derivative's factors indexed
    named: dict[Expr, str] = {}
    done: dict[Expr, Poly] = {}
    for node in reversed(topological_order(formula)):
        done[node] = algebra._node_poly(node, [done[a] for a in node.args])
        if labels and node in labels and node.op is not None:
            named[algebra.expr(done[node])] = labels[node]
    return Textbook(*_name_repeats(algebra, algebra.expr(done[formula]), named))


class Derivative:
    """∂output/∂wrt in two forms: ``exact`` (an :class:`Expr`, the engine's gradient to the last
    bit) and ``textbook`` (a :class:`Textbook`), which is what ``str()`` prints.

    ``evaluate``, ``python`` and ``symbols`` are the exact form's.
    """

    def __init__(self, exact: Expr, textbook: Textbook) -> None:
        self.exact = exact
        self.textbook = textbook

    def __str__(self) -> str:
        return str(self.textbook)

    def __repr__(self) -> str:
        return f"Derivative({str(self.textbook)!r}, exact={render(self.exact)!r})"

    def evaluate(self, values: Mapping[str, Any] | None = None) -> Any:
        """The exact form's number with the symbols in ``values`` replaced (see :meth:`Expr.evaluate`)."""
        return self.exact.evaluate(values)

    def python(self) -> str:
        """The exact form as Python source (see :meth:`Expr.python`)."""
        return self.exact.python()

    def symbols(self) -> dict[str, Any]:
        """The symbols the derivative uses, name → current value."""
        return self.exact.symbols()


def symbolic_derivative(output: Value, wrt: Value, expand: bool = True) -> Derivative:
    """∂output/∂wrt as a formula in the labelled leaves, in both forms (see :class:`Derivative`).

    With ``expand=False`` a labelled intermediate node stays a symbol (z₂ rather
    than w₂·a₁ + b₂).  Ops with a kink (relu, abs) have a derivative that is a
    constant on each side: the formula holds the constant of the side where it was made.

    >>> x = Value(3.0, label="x")
    >>> print(symbolic_derivative(x ** 3 + 2 * x, x))
    3·x² + 2
    >>> d = symbolic_derivative(x.exp() * x.sin(), x)
    >>> print(d.exact, d, sep="\\n")
    sin(x)·exp(x) + exp(x)·cos(x)
    exp(x)·sin(x) + cos(x)·exp(x)
    """
    if not isinstance(output, Value) or not isinstance(wrt, Value):
        raise TypeError(
            f"symbolic_derivative: output and wrt must be Values, got {type(output).__name__} "
            f"and {type(wrt).__name__}"
        )
    (d,) = grad(output, [wrt], create_graph=True)
    memo: dict[Value, Expr] = {}
    exact = to_expr(d, expand=expand, memo=memo)
    # A labelled node of the graph lends its label to its formula, should that need a name.
    labels = {formula: node.label for node, formula in memo.items() if node.label and node._op is not None}
    to_expr(output, expand=expand, memo=memo)  # the forward graph's formulas: their derivatives get names
    functions = [memo[node] for node in topological_order(output)
                 if node in memo and node._op is not None and node._op.prime is not None]
    return Derivative(exact, textbook(exact, labels, functions))
