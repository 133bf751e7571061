"""The primitive operations: one table of derivative rules.

Every operation the scalar engine knows is defined exactly once in this file,
as an :class:`Op` holding, side by side:

* ``forward``    -- how to compute the output from plain numbers,
* ``derivative`` -- the *local* derivative(s) ∂out/∂input, given the inputs
  and the output (many rules are cheapest in terms of the output:
  σ′ = σ(1 − σ), tanh′ = 1 − tanh², exp′ = exp),
* ``domain``     -- where the rule is valid, one :class:`Interval` per input,
* ``kinks``      -- points where the derivative jumps, and the value we use there,
* ``poles``      -- points where the derivative blows up (1/y at y = 0),
* ``jumps``      -- where the function itself jumps (floor, at every integer),
* ``complex_forward`` -- the same function on complex numbers, when it is
  analytic; the complex-step check in :mod:`tinygrad_edu.numeric` uses it.

The derivative rules are written with ordinary arithmetic and with the ops
themselves (``cos`` in ``sin``'s rule), never with ``math.*`` directly.  So the
same rule works on floats (a first derivative, computed as the graph is
built), on :class:`~tinygrad_edu.value.Value` nodes (a derivative that is
itself a graph, which can be differentiated again: second and third
derivatives for free) and on dual numbers (forward mode).

Adding your own primitive means writing one more ``Op(...)`` -- see
:meth:`tinygrad_edu.value.Value.apply` for how to use it on Values:

>>> cube = Op("cube", forward=lambda x: x ** 3, derivative=lambda x, out: 3 * x * x)
>>> cube(2.0)
8.0
>>> cube.local_derivatives(2.0)
(12.0,)

Numbers follow IEEE 754 (and PyTorch): a result too large for a float is
``inf``, never an ``OverflowError``, and so is a number too large to *become*
a float (``10**400``, a huge ``Fraction``), exactly as Python reads the
literal ``1e400``.  :func:`tinygrad_edu.mode.detect_anomaly` turns the first
inf or nan into an error that names the operation.
"""

from __future__ import annotations

import cmath
import math
import operator
from fractions import Fraction
from collections.abc import Callable, Sequence
from dataclasses import KW_ONLY, dataclass, field
from typing import Any

from .reals import NUMBERS, Real, as_number, inf, is_int, is_integer, plain_params, rounded, short, to_float



def value_of(x: Any) -> Any:
    """The plain number inside a node (``x.data``), or ``x`` itself.

    Rules use it where the derivative depends on a *comparison* (relu′ is 1 for
    x > 0): the comparison is taken on the number, and the result is a constant.

    >>> from tinygrad_edu import Value
    >>> value_of(Value(2.5)), value_of(2.5)
    (2.5, 2.5)
    """
    return x if isinstance(x, NUMBERS) else x.data


@dataclass(frozen=True)
class Interval:
    """An interval of the real line: the valid domain of one input.

    >>> Interval(0, inf, closed_low=False).contains(0.0)
    False
    >>> print(Interval(0, inf, closed_low=False))
    (0, ∞)
    >>> Interval(0, inf).contains(0.0)
    True
    """

    low: float = -inf
    high: float = inf
    closed_low: bool = True
    closed_high: bool = True

    def contains(self, x: Real) -> bool:
        """True when ``x`` lies in the interval, ends included only where closed.

        >>> POSITIVE.contains(0.0), NON_NEGATIVE.contains(0.0), REALS.contains(-1e300)
        (False, True, True)
        """
        above = x >= self.low if self.closed_low else x > self.low
        below = x <= self.high if self.closed_high else x < self.high
        return above and below

    def __str__(self) -> str:
        if self.low == -inf and self.high == inf:
            return "ℝ"
        left = "[" if self.closed_low and self.low != -inf else "("
        right = "]" if self.closed_high and self.high != inf else ")"
        low = "−∞" if self.low == -inf else f"{self.low:g}"
        high = "∞" if self.high == inf else f"{self.high:g}"
        return f"{left}{low}, {high}{right}"


REALS = Interval()
POSITIVE = Interval(0, inf, closed_low=False)
NON_NEGATIVE = Interval(0, inf)


#: How a formula can write an op: σ(x), x + y, −x, √x, x², |x| (see ``Op``), and the n-ary sums
#: w₁·x₁ + w₂·x₂ + b ("dot") and x₁ + x₂ + x₃ ("sum").
LAYOUTS = ("call", "infix", "prefix", "radical", "power", "bars", "dot", "sum")


@dataclass(eq=False)  # eq=False: an Op equals only itself, so it can be a dict key
class Op:
    """A primitive operation: one row of the table, with every fact about it.

    The fields below are the facts, in four groups: the rule itself; where it
    holds (the tests and the engines read these); how it is written (the
    explainer, symbolic formulas, error messages); and extras a first reading
    may skip.  Only ``name``, ``forward`` and ``derivative`` are required.

    >>> softsign = Op("softsign", forward=lambda x: x / (1 + abs(x)),
    ...               derivative=lambda x, out: 1 / (1 + absolute(x)) ** 2)
    >>> softsign(1.0), softsign.local_derivatives(1.0), str(softsign.domain[0]), softsign.symbol
    (0.5, (0.25,), 'ℝ', 'softsign')
    """

    # -- the rule ---------------------------------------------------------------
    name: str
    forward: Callable[..., Any]  # forward(*inputs, *params) -> out
    derivative: Callable[..., Any]  # derivative(*inputs, *params, out) -> ∂out/∂input, a tuple when arity > 1
    _: KW_ONLY
    arity: int = 1  # how many inputs (with variadic: the fewest)
    variadic: bool = False  # takes any number of inputs from arity up (dot, sum_of); rules get them all
    param_names: tuple[str, ...] = ()  # constants after the inputs, not differentiated: the c of x ** c
    param_domains: tuple[Interval, ...] = ()  # one Interval per parameter; () for ℝ each
    defaults: tuple[Any, ...] = ()  # the parameters' defaults, if they have any (leaky relu's slope)
    doc: str = ""  # the math, in words: describe_rules() prints it

    # -- where it holds ---------------------------------------------------------------
    domain: tuple[Interval, ...] = ()  # one Interval per input; () for ℝ each
    check: Callable[..., Any] | None = None  # a further test of the inputs: None, or (error type, message)
    kinks: dict[float, str] = field(default_factory=dict)  # input 0's points where the derivative jumps -> its value
    piecewise_linear: bool = False  # the derivative is a constant between kinks (relu), so its own derivative is 0
    vertical_tangents: dict[float, str] = field(default_factory=dict)  # input 0's points where it is infinite (√x)
    poles: dict[int, tuple[float, ...]] = field(default_factory=dict)  # input -> points where it is unbounded (1/y)
    jumps: str = ""  # where the function itself jumps (floor: at every integer), and the derivative used there
    jump_distance: Callable[..., float] | None = None  # (inputs, i) -> how far input i is from the nearest jump

    # -- how it is written ------------------------------------------------------------
    symbol: str = ""  # how mathematics writes it: σ, +, √ (the name unless given)
    layout: str = "call"  # σ(x) "call", x + y "infix", −x "prefix", √x "radical", x² "power", |x| "bars"
    python_operator: str | None = None  # the operator Python writes it with, if any: "+", "**"
    prime: str | None = None  # the explainer writes its derivative as prime(x), σ′(z), not as the rule
    input_names: tuple[str, ...] = ()  # how the table names the inputs: ("y", "x") for atan2 (x, y unless given)

    # -- extras: skip on a first reading -----------------------------------------------
    complex_forward: Callable[..., Any] | None = None  # the same function on complex numbers (complex step)
    matrix_forward: Callable[..., Any] | None = None  # speed only: forward on a whole list of rows at once
    matrix_vjp: Callable[..., Any] | None = None  # speed only: g ⊙ f′(X) on whole lists of rows: (g, X, out, *params)
    restricted: bool = field(init=False)  # some input is refused (a domain or a check): validate() has work
    bounded: bool = field(init=False)  # some input's domain is narrower than ℝ (speed: else no interval to test)
    small_arity: int = field(init=False)  # speed only: 1 or 2, the inputs Value.apply writes out by hand; else 0

    def __post_init__(self) -> None:
        _check_op_arguments(self)
        self.param_domains = self.param_domains or (REALS,) * len(self.param_names)
        self.domain = self.domain or (REALS,) * self.arity
        self.symbol = self.symbol or self.name
        if self.prime is None and self.piecewise_linear and self.arity == 1:
            self.prime = f"{self.symbol}′"  # a piecewise-linear rule written out is just a number, 1 or 0
        self.bounded = any(d != REALS for d in self.domain)
        self.restricted = self.check is not None or self.bounded
        self.small_arity = self.arity if self.arity < 3 and not self.variadic else 0
        self.__doc__ = self.doc or f"The primitive operation {self.name}."

    @property
    def smooth(self) -> bool:
        """True when the rule holds on all of ℝ with no special point: no kink, pole,
        vertical tangent, domain edge, extra check or parameter (random test graphs use these).

        >>> tanh.smooth, relu.smooth, log.smooth
        (True, False, False)
        """
        return not (self.kinks or self.jumps or self.vertical_tangents or self.poles or self.restricted
                    or self.param_names)

    def __repr__(self) -> str:
        return f"Op({self.name!r})"

    def validate(self, inputs: Sequence[Any], params: Sequence[Any] = ()) -> None:
        """Raise ``ValueError`` (or ``ZeroDivisionError``) naming this op and the
        offending value when ``inputs`` lie outside the op's domain.

        >>> log.validate([2.0])                       # inside (0, ∞): nothing to say
        >>> log.validate([-1.0])
        Traceback (most recent call last):
        ValueError: log: input -1.0 is outside the domain (0, ∞)
        >>> div.validate([1.0, 0.0])
        Traceback (most recent call last):
        ZeroDivisionError: div: division by zero (1.0 / 0.0)
        """
        if not self.restricted:
            return
        for x, interval in zip(inputs, self.domain) if self.bounded else ():
            if x != x:  # nan is in no interval, but it is a float: let it through, on purpose
                continue
            if not interval.contains(x):
                raise ValueError(f"{self.name}: input {short(x)} is outside the domain {interval}")
        if self.check is not None:
            problem = self.check(*inputs, *params)
            if problem is not None:
                error, message = problem
                raise error(f"{self.name}: {message}")

    def __call__(self, *args: Any) -> Any:
        """Apply the op: to plain numbers it returns a number; if any input is a
        graph node (a Value, a dual number) the node's type builds the result."""
        count = self.input_count(args)
        inputs, params = args[:count], args[count:]
        for x in inputs:
            if not isinstance(x, NUMBERS) and hasattr(type(x), "apply"):
                return type(x).apply(self, inputs, params)
        inputs = tuple(as_number(self.name, x) for x in inputs)
        params = plain_params(params) if params else params
        self.validate(inputs, params)
        try:
            return self.forward(*inputs, *params)
        except OverflowError:  # a Fraction beyond float range met a float: round it (IEEE 754)
            return self.forward(*rounded(inputs), *params)

    def local_derivatives(self, *args: Any, out: Any = None) -> tuple[Any, ...]:
        """All partial derivatives ∂out/∂inputᵢ as a tuple (one per input), at the numbers given.

        >>> mul.local_derivatives(3.0, 5.0)           # ∂(xy)/∂x = y, ∂(xy)/∂y = x
        (5.0, 3.0)
        >>> sigmoid.local_derivatives(0.0)            # σ′(0) = 1/4
        (0.25,)
        """
        count = self.input_count(args)
        inputs = tuple(as_number(self.name, x) for x in args[:count])
        args = inputs + args[count:]
        if out is None:
            out = self(*args)
        partials = self.derivative(*args, out)
        return (partials,) if self.arity == 1 and not self.variadic else tuple(partials)

    def input_count(self, args: Sequence[Any]) -> int:
        """How many of ``args`` are inputs (the rest are parameters): ``arity``, or for a
        variadic op all but its parameters.

        >>> mul.input_count((2.0, 3.0)), dot.input_count((1.0, 2.0, 3.0, 4.0, 0.5))
        (2, 5)
        """
        return len(args) - len(self.param_names) if self.variadic else self.arity


# ---------------------------------------------------------------------------
# What the rows of the table need, beyond the Op class: a first reading may
# skip down to "The table" below.
# ---------------------------------------------------------------------------

def _check_op_arguments(op: Op) -> None:
    """TypeError or ValueError, naming the op, for an ``Op(...)`` that cannot work."""
    name, arity, domain = op.name, op.arity, op.domain
    if not isinstance(name, str) or not name:
        raise TypeError(f"Op: the name must be a non-empty str, got {short(name)}")
    for rule, function in (("forward", op.forward), ("derivative", op.derivative)):
        if not callable(function):
            raise TypeError(f"Op: {rule} must be a function, got {short(function)}")
    if not is_int(arity):
        raise TypeError(f"Op: arity must be an int, got {short(arity)}")
    if arity < 1:
        raise ValueError(f"Op: arity must be 1 or more, got {arity}")
    if domain and (not isinstance(domain, tuple) or len(domain) != arity
                   or not all(isinstance(d, Interval) for d in domain)):
        count = len(domain) if isinstance(domain, tuple) else short(domain)
        raise ValueError(f"Op {name}: {count} domain intervals for {arity} input{'s' if arity > 1 else ''}"
                         f" (one Interval per input)")
    if op.param_domains and len(op.param_domains) != len(op.param_names):
        raise ValueError(f"Op {name}: param_domains needs one Interval per name in param_names")
    if op.jumps and not callable(op.jump_distance):
        raise ValueError(f"Op {name}: jumps needs jump_distance(inputs, i), how far input i is from the nearest "
                         f"jump, so that tests keep their steps clear of the jumps")
    if op.layout not in LAYOUTS:
        raise ValueError(f"Op {name}: layout must be one of {', '.join(LAYOUTS)}, got {short(op.layout)}")


def _complex_power(x: Any, c: Any) -> Any:
    return x ** c


def _complex_softplus(z: complex) -> complex:
    """ln(1 + e^z) for the complex step, in the form that never takes e^(large): for Re z > 0 it is
    z + ln(1 + e^(−z)).  cmath.exp raises OverflowError past Re z ≈ 709, where math's rules give inf."""
    if z.real > 0:
        return z + cmath.log(1 + cmath.exp(-z))
    return cmath.log(1 + cmath.exp(z))


def _complex_sigmoid(z: complex) -> complex:
    """σ(z) for the complex step, taking e^(−|Re z|) only (see ``_complex_softplus``)."""
    if z.real >= 0:
        return 1 / (1 + cmath.exp(-z))
    e = cmath.exp(z)
    return e / (1 + e)



# ---------------------------------------------------------------------------
# dot's rule, for any number of terms (its inputs arrive flat: w₁ … wₙ, x₁ … xₙ, b).
# ---------------------------------------------------------------------------

#: Speed only: Σ wᵢxᵢ in one C call where Python has math.sumprod (3.12+; None before).  It is
#: about twice as fast as sum(map(mul)), and rounds once per sum, not once per product: the last
#: digit can differ.
_sumprod: Callable[[Sequence[Any], Sequence[Any]], Any] | None = getattr(math, "sumprod", None)


def weighted_sum(w: Sequence[Any], x: Sequence[Any], b: Any) -> Any:
    """dot's forward rule, Σ wᵢxᵢ + b, with the weights, inputs and bias apart.

    >>> weighted_sum([0.5, -1.0], [2.0, 3.0], 0.25)
    -1.75
    """
    if _sumprod is None:  # before Python 3.12
        return sum(map(operator.mul, w, x)) + b
    return _sumprod(w, x) + b


def weighted_sum_partials(w: Sequence[Any], x: Sequence[Any]) -> tuple[Any, ...]:
    """dot's derivative rule: (x₁ … xₙ, w₁ … wₙ, 1), that is ∂/∂wᵢ = xᵢ, ∂/∂xᵢ = wᵢ, ∂/∂b = 1.

    >>> weighted_sum_partials([0.5, -1.0], [2.0, 3.0])
    (2.0, 3.0, 0.5, -1.0, 1)
    """
    return (*x, *w, 1)


def _dot_forward(*wxb: Any) -> Any:
    """Σ wᵢxᵢ + b from the flat inputs w₁ … wₙ, x₁ … xₙ, b."""
    n, odd = divmod(len(wxb) - 1, 2)
    if odd:
        raise ValueError(f"dot: needs as many weights as inputs, then a bias; got {len(wxb)} numbers")
    return weighted_sum(wxb[:n], wxb[n:2 * n], wxb[-1])


def _dot_derivative(*wxb_out: Any) -> tuple[Any, ...]:
    """The same from the flat inputs and out: w₁ … wₙ, x₁ … xₙ, b, out."""
    n = (len(wxb_out) - 2) // 2
    return weighted_sum_partials(wxb_out[:n], wxb_out[n:2 * n])


def _complex_dot(*wxb: complex) -> complex:
    """dot on complex numbers (the complex step): math.sumprod takes real numbers only."""
    n = (len(wxb) - 1) // 2
    total: complex = sum(map(operator.mul, wxb[:n], wxb[n:2 * n])) + wxb[-1]
    return total


# ---------------------------------------------------------------------------
# Safe forward rules: IEEE 754 behaviour (inf on overflow) instead of Python's
# OverflowError, and numerically stable forms where the naive formula fails.
# ---------------------------------------------------------------------------

def _exp(x: Real) -> float:
    """e^x, ``inf`` when it overflows (x > 709.78...)."""
    try:
        return math.exp(x)
    except OverflowError:
        if x > 0:
            return inf
        raise  # a Fraction below −1.8e308 that float() refuses: the caller rounds it to −inf


def _sigmoid(x: Real) -> float:
    """σ(x) = 1 / (1 + e^(−x)), written so that e^(·) never overflows:
    for x < 0 use the equal form e^x / (1 + e^x)."""
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


def _softplus(x: Real) -> float:
    """softplus(x) = ln(1 + e^x) = max(x, 0) + ln(1 + e^(−|x|)): no overflow."""
    return max(x, 0.0) + math.log1p(math.exp(-math.fabs(x)))


def _bce_with_logits(z: Real, y: Real) -> Real:
    """softplus(z) − y·z, written (1 − y)·softplus(z) + y·softplus(−z) (the same number:
    z = softplus(z) − softplus(−z)), with a term whose weight is 0 left out, so that
    z = ±inf with a target of 0 or 1 gives 0 or inf, never 0·inf = nan."""
    loss = 0.0
    if y != 1:
        loss += (1 - y) * _softplus(z)
    if y != 0:
        loss += y * _softplus(-z)
    return loss


def _periodic(f: Callable[[float], float]) -> Callable[[float], float]:
    """sin and cos of ±inf are nan (as in IEEE 754), not a Python ValueError."""
    return lambda x: f(x) if math.isfinite(x) else math.nan


#: An exact power (an int or a Fraction to a whole-number power) of more bits than this is not
#: worked out digit by digit, which could take Python hours: both numbers are rounded to floats
#: first, as IEEE 754 would have them (so the result is inf, 0 or a float).
EXACT_POWER_BITS = 2 ** 20


def _power(x: Real, y: Real) -> Real:
    """x ** y, ``inf`` instead of ``OverflowError`` when the result is too large.

    Python also raises ``OverflowError`` when an input cannot become a float
    (a huge Fraction meeting a float exponent): then both are rounded the
    IEEE way first, so Fraction(10**400) ** −1.0 is 0.0, not inf.  So is an
    exact power too large to work out (``EXACT_POWER_BITS``).

    >>> _power(Fraction(1, 2), 3), _power(Fraction(10 ** 400), 10 ** 200)
    (Fraction(1, 8), inf)
    """
    try:
        if (type(x) is not float and isinstance(x, (int, Fraction)) and isinstance(y, (int, Fraction))  # (speed:
                and _exact_bits(x, y) > EXACT_POWER_BITS):  # a float base, the common case, is not checked further)
            raise OverflowError  # rounded below
        exact: Real = x ** y
        return exact
    except OverflowError:
        base, exponent = to_float(x), to_float(y)
        try:
            result: float = base ** exponent
            return result
        except OverflowError:  # the result itself is too large
            negative = base < 0 and exponent.is_integer() and exponent % 2 == 1
            return -inf if negative else inf


def _exact_bits(x: int | Fraction, y: int | Fraction) -> int:
    """About how many bits the exact x ** y takes, when y is a whole number (else 0: not exact)."""
    if isinstance(y, Fraction) and y.denominator != 1:
        return 0
    base = Fraction(x)
    return max(base.numerator.bit_length(), base.denominator.bit_length()) * abs(int(y))


# ---------------------------------------------------------------------------
# Extra domain checks (beyond an interval per input).  Each returns None when
# the inputs are fine, or (error type, message).
# ---------------------------------------------------------------------------

def _check_divisor(x: Real, y: Real) -> tuple[type[Exception], str] | None:
    if y == 0:
        return ZeroDivisionError, f"division by zero ({short(x)} / {short(y)})"
    return None


def _check_power(x: Real, c: Real) -> tuple[type[Exception], str] | None:
    if x == 0 and c < 0:
        return ZeroDivisionError, f"0 ** {short(c)}: zero cannot be raised to a negative power"
    # An infinite exponent (10**400 rounded) follows IEEE 754: (−2) ** inf = inf, (−0.5) ** inf = 0.
    if x < 0 and not is_integer(c) and c not in (inf, -inf):
        return ValueError, f"({short(x)}) ** {short(c)}: a negative base needs an integer exponent"
    return None


# ---------------------------------------------------------------------------
# Speed only (skip on a first reading): whole-matrix kernels for the Matrix
# engine, given to an op as ``matrix_forward`` and ``matrix_vjp``.  Each is
# the row's own rule on every entry of a list of rows, written as one
# comprehension with the comparison inline instead of two Python calls per
# entry (the rule and ``value_of``, or the rule alone for sigmoid and tanh);
# relu is in every hidden layer of the small benchmark, sigmoid in the digits
# networks.  A ``matrix_vjp`` is called (g, x, out, *params).  Each gives exactly ``op.forward(x)`` and ``g * op.derivative(x,
# out)``, bit for bit, kinks and inf/nan included (hence ``0.0 * gv``, which
# is nan when gv is inf, as the product is): tests/test_matrix.py checks.
# ---------------------------------------------------------------------------

def _relu_rows(a: list[list[Any]]) -> list[list[Any]]:
    """relu on every entry, written ``0.0 if x <= 0.0 else x`` so that relu(nan) is nan.  (Speed: the
    kernels compare with 0.0, not 0; a float against an int takes Python's slower mixed path.)"""
    return [[0.0 if x <= 0.0 else x for x in row] for row in a]


def _relu_vjp_rows(g: list[list[Any]], x: list[list[Any]], out: list[list[Any]]) -> list[list[Any]]:
    """g ⊙ relu′(x): pass g where the unit was active."""
    return [[gv if xv > 0.0 else 0.0 * gv for gv, xv in zip(g_row, x_row)] for g_row, x_row in zip(g, x)]


def _leaky_relu_vjp_rows(g: list[list[Any]], x: list[list[Any]], out: list[list[Any]], slope: Any) -> list[list[Any]]:
    """g ⊙ leaky_relu′(x): g where x > 0, else g·slope."""
    return [[gv if xv > 0 else gv * slope for gv, xv in zip(g_row, x_row)] for g_row, x_row in zip(g, x)]


def _sigmoid_rows(a: list[list[Any]]) -> list[list[Any]]:
    """σ on every entry, the two forms of ``_sigmoid`` inline (e^(·) of a non-positive number only)."""
    exp = math.exp
    return [[1.0 / (1.0 + exp(-x)) if x >= 0.0 else (e := exp(x)) / (1.0 + e) for x in row] for row in a]


def _sigmoid_vjp_rows(g: list[list[Any]], x: list[list[Any]], out: list[list[Any]]) -> list[list[Any]]:
    """g ⊙ σ′(x), σ′ = out(1 − out): every sigmoid layer of the digits networks (out is a float, so 1.0)."""
    return [[gv * (ov * (1.0 - ov)) for gv, ov in zip(g_row, out_row)] for g_row, out_row in zip(g, out)]


def _tanh_vjp_rows(g: list[list[Any]], x: list[list[Any]], out: list[list[Any]]) -> list[list[Any]]:
    """g ⊙ tanh′(x), tanh′ = 1 − out²."""
    return [[gv * (1.0 - ov * ov) for gv, ov in zip(g_row, out_row)] for g_row, out_row in zip(g, out)]


def _abs_vjp_rows(g: list[list[Any]], x: list[list[Any]], out: list[list[Any]]) -> list[list[Any]]:
    """g ⊙ sign(x), and 0 at the kink."""
    return [[gv if xv > 0 else (-gv if xv < 0 else 0 * gv) for gv, xv in zip(g_row, x_row)]
            for g_row, x_row in zip(g, x)]


# ---------------------------------------------------------------------------
# The table.  Read each entry as: name, forward rule, local derivative; then
# where it holds and how it is written.
# ---------------------------------------------------------------------------

#: The leaky relu's default slope, PyTorch's ``negative_slope=0.01``.
LEAKY_SLOPE = 0.01

add = Op(
    "add", forward=operator.add, derivative=lambda x, y, out: (1, 1), arity=2,
    symbol="+", layout="infix", python_operator="+", complex_forward=operator.add,
    doc="x + y.  ∂/∂x = 1, ∂/∂y = 1: addition passes the gradient through unchanged.",
)

sub = Op(
    "sub", forward=operator.sub, derivative=lambda x, y, out: (1, -1), arity=2,
    symbol="−", layout="infix", python_operator="-", complex_forward=operator.sub,
    doc="x − y.  ∂/∂x = 1, ∂/∂y = −1.",
)

mul = Op(
    "mul", forward=operator.mul, derivative=lambda x, y, out: (y, x), arity=2,
    symbol="·", layout="infix", python_operator="*", complex_forward=operator.mul,
    doc="x · y.  ∂/∂x = y, ∂/∂y = x: each input's gradient is scaled by the *other* input.",
)

dot = Op(
    "dot", forward=_dot_forward, derivative=_dot_derivative,
    arity=3, variadic=True, complex_forward=_complex_dot, layout="dot",
    doc="w₁x₁ + … + wₙxₙ + b: a neuron's weighted input, one node for the whole sum.  Inputs in the\n"
        "order w₁ … wₙ, x₁ … xₙ, b.  ∂/∂wᵢ = xᵢ, ∂/∂xᵢ = wᵢ, ∂/∂b = 1: mul's rule once per term.",
)

sum_of = Op(
    "sum_of", forward=lambda *xs: sum(xs), derivative=lambda *xs_out: (1,) * (len(xs_out) - 1),
    arity=2, variadic=True, complex_forward=lambda *xs: sum(xs), layout="sum",
    doc="x₁ + … + xₙ, one node for the whole sum.  ∂/∂xᵢ = 1: every term gets the gradient unchanged.",
)

div = Op(
    "div", forward=operator.truediv, derivative=lambda x, y, out: (1 / y, -out / y), arity=2,
    check=_check_divisor, poles={1: (0.0,)},
    symbol="/", layout="infix", python_operator="/", complex_forward=operator.truediv,
    doc="x / y.  ∂/∂x = 1/y, ∂/∂y = −x/y² = −out/y.  y = 0 raises ZeroDivisionError.",
)

neg = Op(
    "neg", forward=operator.neg, derivative=lambda x, out: -1,
    symbol="−", layout="prefix", python_operator="-", complex_forward=operator.neg,
    doc="−x.  d/dx = −1.",
)

def _pow_xy_derivative(x: Any, y: Any, out: Any) -> tuple[Any, Any]:
    # ∂/∂x = y·x^(y−1), ∂/∂y = xʸ·ln x.  At x = 0 (with y > 0, so 0ʸ = 0) ln x is −inf but
    # xʸ·ln x → 0: ∂/∂y = 0 there, as autograd and PyTorch give; ∂/∂x is y·0^(y−1): 0 for y > 1
    # (still a graph, so (x²)″ = 2 at 0), 1 for y = 1, and +inf for 0 < y < 1, a vertical tangent.
    if value_of(x) == 0:
        c = value_of(y)
        return (y * pow_xy(x, y - 1) if c > 1 else (1 if c == 1 else inf)), 0
    return y * pow_xy(x, y - 1), out * log(x)


def _check_pow_xy(x: Real, y: Real) -> tuple[type[Exception], str] | None:
    if x == 0 and y < 0:
        return ZeroDivisionError, f"0 ** {short(y)}: zero cannot be raised to a negative power"
    if x == 0 and y == 0:
        return ValueError, ("0 ** 0 with a differentiable exponent: 0ʸ is 0 for y > 0 and 1 at y = 0, "
                            "so ∂/∂y does not exist there")
    return None


pow_xy: Op = Op(
    "pow", forward=_power, derivative=_pow_xy_derivative, arity=2,
    domain=(NON_NEGATIVE, REALS), check=_check_pow_xy,
    vertical_tangents={0.0: "∂(xʸ)/∂x = +inf at x = 0 when 0 < y < 1"},
    symbol="^", layout="power", python_operator="**", complex_forward=_complex_power,
    doc="x ** y with both x and y differentiable.  ∂/∂x = y·x^(y−1), ∂/∂y = x^y·ln x,\n"
        "which needs x > 0, or x = 0 with y > 0: then 0ʸ = 0 and ∂/∂y = 0, its limit (as PyTorch).\n"
        "Use a plain-number exponent, ``x ** 3``, for a negative base.",
)


def _power_const_derivative(x: Any, c: Any, out: Any) -> Any:
    # d/dx xᶜ = c·xᶜ⁻¹.  At x = 0 with 0 < c < 1 (√x, say) the tangent is
    # vertical: report +inf there rather than dividing by zero.
    if c == 0:
        return 0
    if type(x) is float and x != 0 and out != 0:  # speed only: a number away from the special cases below
        return c * _power(x, c - 1)
    if value_of(x) == 0 and c < 1:
        return inf
    if value_of(out) == 0 and c in (inf, -inf):
        return 0  # x ** ±inf = 0 (|x| < 1 for +inf): c·xᶜ⁻¹ → 0 in the limit, not inf·0 = nan
    if type(x) is float:  # speed only: on a number, the forward rule itself (forward has checked x and c)
        return c * _power(x, c - 1)
    return c * power(x, c - 1)


power = Op(
    "power", forward=_power, derivative=_power_const_derivative, param_names=("c",),
    check=_check_power, vertical_tangents={0.0: "xᶜ′(0) = +inf when 0 < c < 1"}, poles={0: (0.0,)},
    layout="power", python_operator="**", complex_forward=_complex_power,
    doc="x ** c for a constant c.  d/dx xᶜ = c·xᶜ⁻¹.  0 ** negative raises ZeroDivisionError;\n"
        "a negative base with a non-integer exponent raises ValueError.",
)

exp = Op(
    "exp", forward=_exp, derivative=lambda x, out: out, complex_forward=cmath.exp,
    doc="e^x.  exp′ = exp: the function is its own derivative.  Overflows to inf above x ≈ 709.78.",
)

log: Op = Op(
    "log", forward=math.log, derivative=lambda x, out: 1 / x,
    domain=(POSITIVE,), complex_forward=cmath.log,
    doc="ln x for x > 0.  log′(x) = 1/x.",
)

sqrt = Op(
    "sqrt", forward=math.sqrt, derivative=lambda x, out: inf if value_of(out) == 0 else 0.5 / out,
    domain=(NON_NEGATIVE,), vertical_tangents={0.0: "√′(0) = +inf"},
    symbol="√", layout="radical", complex_forward=cmath.sqrt,
    doc="√x for x ≥ 0.  √′(x) = 1/(2√x), +inf at x = 0.",
)

tanh = Op(
    "tanh", forward=math.tanh, derivative=lambda x, out: 1 - out * out,
    prime="tanh′", complex_forward=cmath.tanh, matrix_vjp=_tanh_vjp_rows,
    doc="tanh x.  tanh′(x) = 1 − tanh²(x) ≤ 1, with equality only at x = 0.",
)

sigmoid = Op(
    "sigmoid", forward=_sigmoid, derivative=lambda x, out: out * (1 - out),
    symbol="σ", prime="σ′", complex_forward=_complex_sigmoid, matrix_forward=_sigmoid_rows,
    matrix_vjp=_sigmoid_vjp_rows,
    doc="σ(x) = 1/(1 + e^(−x)).  σ′(x) = σ(x)(1 − σ(x)) ≤ 1/4, with equality only at x = 0:\n"
        "the reason deep sigmoid networks' gradients vanish.  Stable for any finite x.",
)

softplus = Op(
    "softplus", forward=_softplus, derivative=lambda x, out: sigmoid(x),
    prime="softplus′", complex_forward=_complex_softplus,
    doc="softplus(x) = ln(1 + e^x), a smooth relu.  softplus′ = σ.  Stable for any finite x.",
)

log_sigmoid = Op(
    "log_sigmoid", forward=lambda x: -_softplus(-x), derivative=lambda x, out: sigmoid(-x),
    prime="log_sigmoid′", complex_forward=lambda z: -_complex_softplus(-z),
    doc="ln σ(x) = −softplus(−x).  Its derivative is 1 − σ(x) = σ(−x).  Stable for any finite x.",
)

sin = Op(
    "sin", forward=_periodic(math.sin), derivative=lambda x, out: cos(x), complex_forward=cmath.sin,
    doc="sin x.  sin′ = cos.",
)

cos: Op = Op(
    "cos", forward=_periodic(math.cos), derivative=lambda x, out: -sin(x), complex_forward=cmath.cos,
    doc="cos x.  cos′ = −sin.",
)

relu = Op(
    "relu", forward=lambda x: 0.0 if x <= 0 else x,  # written so that relu(nan) is nan
    derivative=lambda x, out: 1.0 if value_of(x) > 0 else 0.0,
    kinks={0.0: "relu′(0) = 0"}, piecewise_linear=True,
    matrix_forward=_relu_rows, matrix_vjp=_relu_vjp_rows,
    doc="relu(x) = max(x, 0).  relu′ = 1 for x > 0 and 0 for x ≤ 0 (we take 0 at the kink,\n"
        "as PyTorch does).  On the active side it does not shrink the gradient at all.",
)

leaky_relu = Op(
    "leaky_relu", forward=lambda x, slope: slope * x if x <= 0 else x,
    derivative=lambda x, slope, out: 1.0 if value_of(x) > 0 else slope,
    param_names=("slope",), defaults=(LEAKY_SLOPE,),
    kinks={0.0: "leaky_relu′(0) = slope"}, piecewise_linear=True, matrix_vjp=_leaky_relu_vjp_rows,
    doc="leaky_relu(x) = x for x > 0, slope·x otherwise.  Its derivative never reaches 0,\n"
        "so a unit pushed to the negative side still gets a gradient (it does not 'die').",
)

absolute = Op(
    "abs", forward=lambda x: -x if x < 0 else x,
    derivative=lambda x, out: (value_of(x) > 0) - (value_of(x) < 0),
    kinks={0.0: "abs′(0) = 0"}, piecewise_linear=True,
    symbol="|", layout="bars", prime="abs′", matrix_vjp=_abs_vjp_rows,
    doc="|x|.  abs′ = sign(x), and 0 at the kink x = 0.",
)

bce_with_logits = Op(
    "bce_with_logits", forward=_bce_with_logits, derivative=lambda z, y, out: (sigmoid(z) - y, -z), arity=2,
    complex_forward=lambda z, y: (1 - y) * _complex_softplus(z) + y * _complex_softplus(-z),
    doc="Binary cross-entropy of σ(z) against a target y in [0, 1], from the logit z:\n"
        "−[y ln σ(z) + (1 − y) ln(1 − σ(z))] = softplus(z) − y·z.  ∂/∂z = σ(z) − y, ∂/∂y = −z.\n"
        "No σ(z) is rounded to 0 or 1 and then logged, and z = ±inf gives 0 or inf, not nan.\n"
        "The formula is linear in y, so the rule holds for every real y; the loss checks y ∈ [0, 1].",
)

# ---------------------------------------------------------------------------
# More rows: steps, inverse trigonometric functions, the angle of a point, and
# the remainder.  What they need first (a first reading may skip to the rows).
# ---------------------------------------------------------------------------

def _sign(x: Real) -> Real:
    """−1, 0 or 1, of the input's kind (a Fraction stays a Fraction); sign(nan) is nan, as in PyTorch."""
    if x != x:
        return x
    s = (x > 0) - (x < 0)
    return Fraction(s) if isinstance(x, Fraction) else float(s)


def _rounding(f: Callable[[Any], int]) -> Callable[[Real], Real]:
    """floor or ceil as a float (a Fraction stays exact), ±inf and nan passed through as IEEE 754 has
    them (``math.floor`` gives a Python int, and raises on inf and nan)."""
    def rounded_to_integer(x: Real) -> Real:
        if isinstance(x, Fraction):
            return Fraction(f(x))
        return float(f(x)) if math.isfinite(x) else float(x)
    return rounded_to_integer


def _distance_to_integer(inputs: Sequence[Any], i: int) -> float:
    """How far x is from the nearest integer, where floor and ceil jump."""
    x = inputs[0]
    return float(abs(x - round(x)))


def _inverse_sine_derivative(x: Any) -> Any:
    """asin′(x) = 1/√(1 − x²), written with (1 − x)(1 + x), which keeps its digits near x = ±1
    where 1 − x² loses them; +inf at x = ±1, the vertical tangents."""
    if value_of(x) in (1, -1):
        return inf
    return 1 / sqrt((1 - x) * (1 + x))


def _atan2_derivative(y: Any, x: Any, out: Any) -> tuple[Any, Any]:
    """∂/∂y = x/(x² + y²), ∂/∂x = −y/(x² + y²), at any scale.

    Where x² + y² would underflow to 0 (x = y = 1e-200) or overflow, both inputs are first divided
    by s = max(|x|, |y|), a plain number: the same formula, as x/(x² + y²) = (x/s)/(s·((x/s)² +
    (y/s)²)) for any constant s.  At infinity both slopes are 0, their limits.
    """
    a: Any = value_of(y)
    b: Any = value_of(x)
    numbers = isinstance(a, NUMBERS) and isinstance(b, NUMBERS)
    if numbers and isinstance(a, Fraction) != isinstance(b, Fraction):  # a Fraction beside a float:
        y, x = a, b = to_float(a), to_float(b)  # floats, rounded as IEEE 754 has it (10**400 is inf)
    s = max(abs(a), abs(b)) if numbers else 1  # 1 for whole matrices and nested duals: the plain formula
    if s == inf:
        return 0.0, 0.0
    if 1e-50 < s < 1e50:  # x² + y² and its powers in the higher derivatives are normal floats: as written
        r2 = x * x + y * y
        return x / r2, -y / r2
    u, v = x / s, y / s
    r2 = s * (u * u + v * v)
    return u / r2, -v / r2


def _check_atan2(y: Real, x: Real) -> tuple[type[Exception], str] | None:
    if x == 0 and y == 0:
        return ValueError, "atan2(0, 0): the point (0, 0) has no direction, so no angle and no derivative"
    return None


def _atan2_jump_distance(inputs: Sequence[Any], i: int) -> float:
    """atan2 jumps by 2π where it crosses the negative x axis (y = 0, x < 0), and its slopes grow like
    1/r near the origin: the distance r to the origin, or to the axis when that is nearer."""
    y, x = inputs
    r = math.hypot(x, y)
    return min(r, float(abs(y))) if i == 0 and x < 0 else r


def _complex_atan2(y: complex, x: complex) -> complex:
    """atan2 for the complex step: atan(y/x) plus a constant on each side of the jump, an analytic
    function of each input near any point off it."""
    if x.real > 0:
        return cmath.atan(y / x)
    if x.real < 0:
        return cmath.atan(y / x) + (math.pi if y.real >= 0 else -math.pi)
    return (math.pi / 2 if y.real > 0 else -math.pi / 2) - cmath.atan(x / y)


def _floor_quotient(x: Any, y: Any) -> Any:
    """⌊x/y⌋ as Python's ``//`` gives it (the quotient ``%`` goes with), on the plain numbers inside
    the nodes (nested ones too: a dual number of dual numbers); rounded to floats as IEEE 754 would
    have them when a Fraction beyond float range meets a float."""
    while not isinstance(x, NUMBERS):
        x = x.data
    while not isinstance(y, NUMBERS):
        y = y.data
    try:
        return x // y
    except OverflowError:
        return to_float(x) // to_float(y)


def _check_modulus(x: Real, y: Real) -> tuple[type[Exception], str] | None:
    if y == 0:
        return ZeroDivisionError, f"modulo by zero ({short(x)} % {short(y)})"
    return None


def _modulo_jump_distance(inputs: Sequence[Any], i: int) -> float:
    """x % y jumps (by |y|) where x/y crosses an integer k: in x at the multiples k·y, in y at x/k."""
    x, y = inputs
    if i == 0:
        r = abs(x % y)
        return float(min(r, abs(y) - r))
    q = x / y
    return float(min((abs(y - x / k) for k in (math.floor(q), math.ceil(q)) if k != 0), default=inf))


sign = Op(
    "sign", forward=_sign, derivative=lambda x, out: 0, piecewise_linear=True,
    jumps="from −1 to 1 at 0, where sign(0) = 0; sign′ = 0 everywhere, the jump included (as PyTorch)",
    jump_distance=lambda inputs, i: abs(inputs[0]),
    doc="sign(x) = −1, 0 or 1.  sign′ = 0: a step has no slope, so no gradient passes through it.",
)

floor = Op(
    "floor", forward=_rounding(math.floor), derivative=lambda x, out: 0, piecewise_linear=True,
    jumps="by 1 at every integer; floor′ = 0 everywhere, the jumps included (as PyTorch)",
    jump_distance=_distance_to_integer,
    doc="⌊x⌋, the largest integer ≤ x.  floor′ = 0: a staircase is flat between its steps.",
)

ceil = Op(
    "ceil", forward=_rounding(math.ceil), derivative=lambda x, out: 0, piecewise_linear=True,
    jumps="by 1 at every integer; ceil′ = 0 everywhere, the jumps included (as PyTorch)",
    jump_distance=_distance_to_integer,
    doc="⌈x⌉, the smallest integer ≥ x.  ceil′ = 0, as floor′.",
)

asin = Op(
    "asin", forward=math.asin, derivative=lambda x, out: _inverse_sine_derivative(x),
    domain=(Interval(-1, 1),), vertical_tangents={-1.0: "asin′(−1) = +inf", 1.0: "asin′(1) = +inf"},
    complex_forward=cmath.asin,
    doc="arcsin x for −1 ≤ x ≤ 1.  asin′(x) = 1/√(1 − x²), +inf at x = ±1 (vertical tangents).",
)

acos = Op(
    "acos", forward=math.acos, derivative=lambda x, out: -_inverse_sine_derivative(x),
    domain=(Interval(-1, 1),), vertical_tangents={-1.0: "acos′(−1) = −inf", 1.0: "acos′(1) = −inf"},
    complex_forward=cmath.acos,
    doc="arccos x for −1 ≤ x ≤ 1.  acos′(x) = −1/√(1 − x²) (acos = π/2 − asin), −inf at x = ±1.",
)

atan = Op(
    "atan", forward=math.atan, derivative=lambda x, out: 1 / (1 + x * x), complex_forward=cmath.atan,
    doc="arctan x.  atan′(x) = 1/(1 + x²) ≤ 1, with equality only at x = 0.",
)

atan2 = Op(
    "atan2", forward=math.atan2, derivative=_atan2_derivative, arity=2,
    check=_check_atan2, input_names=("y", "x"),
    jumps="by 2π across the negative x axis (y = 0, x < 0), where the angle turns from π to −π",
    jump_distance=_atan2_jump_distance, complex_forward=_complex_atan2,
    doc="atan2(y, x), the angle of the point (x, y), in [−π, π] (−π only for y = −0.0).\n"
        "∂/∂y = x/(x² + y²), ∂/∂x = −y/(x² + y²).\n"
        "(0, 0) raises ValueError: it has no angle, and the slopes grow like 1/r near it.",
)

modulo = Op(
    "mod", forward=operator.mod, derivative=lambda x, y, out: (1, -_floor_quotient(x, y)), arity=2,
    check=_check_modulus, poles={1: (0.0,)}, piecewise_linear=True,
    jumps="by |y| where x/y crosses an integer (in x at the multiples of y, in y at the points x/k); "
          "there ∂/∂y = −⌊x/y⌋ at the point itself, as PyTorch",
    jump_distance=_modulo_jump_distance,
    symbol="mod", layout="infix", python_operator="%",
    doc="x % y, Python's remainder: x − y·⌊x/y⌋, with the sign of y.  ∂/∂x = 1, ∂/∂y = −⌊x/y⌋.\n"
        "y = 0 raises ZeroDivisionError.",
)


#: Every primitive, by name: the table the tests and docs walk over.
OPS: dict[str, Op] = {
    op.name: op
    for op in (add, sub, mul, dot, sum_of, div, neg, pow_xy, power, exp, log, sqrt, tanh, sigmoid,
               softplus, log_sigmoid, sin, cos, relu, leaky_relu, absolute, bce_with_logits,
               sign, floor, ceil, asin, acos, atan, atan2, modulo)
}


def describe_rule(op: Op) -> str:
    """One op's entry of the table: name, domain, special points and math.

    >>> print(describe_rule(div))
    div(x, y)        domain ℝ × ℝ    pole at 0.0 (input 1)
        x / y.  ∂/∂x = 1/y, ∂/∂y = −x/y² = −out/y.  y = 0 raises ZeroDivisionError.
    """
    inputs = ["x₁", "…", "xₙ"] if op.variadic else list(op.input_names or ("x", "y")[: op.arity])
    names = ", ".join(inputs + list(op.param_names))
    domain = "ℝ each" if op.variadic else " × ".join(str(d) for d in op.domain)
    head = f"{op.name}({names})".ljust(16) + f" domain {domain}"
    special = [f"kink: {text}" for text in op.kinks.values()]
    special += [f"vertical tangent: {text}" for text in op.vertical_tangents.values()]
    special += [f"pole at {p} (input {i})" for i, points in op.poles.items() for p in points]
    special += [f"jumps: {op.jumps}"] if op.jumps else []
    if special:
        head += "    " + "; ".join(special)
    body = [f"    {line.strip()}" for line in (op.__doc__ or "").splitlines()]
    return "\n".join([head, *body])


def describe_rules() -> str:
    """The whole rule table as text (the docs are generated from the table, not kept beside it).

    >>> text = describe_rules()
    >>> text.count(" domain "), "relu(x)          domain ℝ    kink: relu′(0) = 0" in text
    (30, True)
    """
    return "\n\n".join(describe_rule(op) for op in OPS.values())
