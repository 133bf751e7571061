"""Numerical derivatives: the independent referee for every analytic rule.

Two references, with different weaknesses:

* **Central differences**, f′(x) ≈ D(h) = (f(x + h) − f(x − h)) / 2h.  The
  error has two parts: truncation, which wants h small, and rounding, about
  ε·|f|/h (ε = 2.2e-16, the float64 spacing near 1), which wants h large.
  Where f is smooth the truncation is about h²·|f‴|/6, and the two balance at
  h ≈ ε^(1/3) ≈ 6e-6 (times the size of x), where the error is roughly
  ε^(2/3) ≈ 4e-11 relative: the default step here.
* **The complex step**, f′(x) ≈ Im f(x + ih) / h.  For an analytic f there is
  no subtraction, hence no cancellation: h = 1e-20 gives f′ to rounding.  It
  needs f written with complex-capable functions (``cmath``).

>>> import math
>>> round(central_difference(math.sin, 0.0), 9)
1.0
>>> complex_step(lambda z: z * z * z, 2.0)      # d/dx x³ = 3x² = 12, exactly
12.0

How far off is D(h)?  Measured, not assumed
-------------------------------------------
The h² law needs f″ to be continuous at x.  Where f″ jumps (softsign
x/(1 + |x|) and x·|x| at 0: f′ is continuous but bends) the two sides no
longer cancel and D(h) − f′ ≈ (f″(x⁺) − f″(x⁻))·h/4 shrinks only like h:
softsign at 0 has f″ = ∓2 on either side, so D(h) = 1/(1 + h) ≈ 1 − h, off
by 6e-6 at the default step, while the estimate that is right for h²,
(D(2h) − D(h))/3, says 2e-6.  Where f″ is unbounded (x·√|x| at 0) it is
slower still, like √h.

So :func:`estimate_derivative` *measures* the truncation error, the way
Richardson extrapolation does.  If D(h) − f′ ≈ C·hᵖ, then
D(2h) − D(h) = (2ᵖ − 1)·(D(h) − f′), hence error of D(h) = (D(2h) − D(h)) / (2ᵖ − 1),
and one more step gives the order itself: (D(4h) − D(2h)) / (D(2h) − D(h)) = 2ᵖ.
Measured orders are noisy (rounding, and h not yet small enough), so the
estimate uses the lowest order accepted, p = 1, unless the differences show a
lower one, and allows ``SAFETY`` = 2 times it.  With p = 1 the error of D(h)
is at most |D(2h) − D(h)|, and at most |D(4h) − D(2h)|/2: the larger is taken
(an accidental D(2h) ≈ D(h) cannot shrink the bar).  For a smooth f (p = 2)
that is 12 times the true error: loose, but the truncation of a smooth f at
h ≈ 6e-6 is about 1e-11 relative, still far below any error of a wrong rule.
If the differences do not shrink at all (order ≤ 0), f′ itself jumps near x:
no bar is honest there.  And where the step is too wide for a steep f
(tanh(10⁶·x)), the bar is mostly truncation and above ``REL_TOL``: then the
step shrinks eightfold, up to ``MAX_REFINEMENTS`` times.

The rounding part: f(x ± h) are each rounded to ~ε·|f|, and the difference
is divided by 2h.  Where the derivative is tiny compared with f (tanh′(20) ≈
1e-17 while tanh(20) ≈ 1) this dominates, and no relative tolerance can be
met; the bar allows ``ROUNDING_FACTOR``·ε·|f|/h, which also covers the
rounding inside D(2h) − D(h).  And x ± h is itself rounded to an ulp of x, a
shift of ε·|x|/2 that moves D by about ε·|x|·|f′|/h: allowed too.

:func:`gradcheck` compares each analytic derivative with D(h) within that
measured error bar (and the tolerances you give), so it passes softsign at 0
where a check that assumed h² would fail.
"""

from __future__ import annotations

import math
import sys
from dataclasses import dataclass, field
from collections.abc import Callable, Sequence
from typing import Any

from .autodiff import grad
from .mode import no_grad
from .reals import check_function, check_number, finite_number, is_int, numbers_of, short, to_float
from .value import Value

EPSILON = sys.float_info.epsilon  # 2.22e-16: the gap between 1.0 and the next float


def default_step(x: float) -> float:
    """The central-difference step h = ε^(1/3)·max(|x|, 1) (see the module docstring).

    Scaling with |x| keeps x ± h distinct from x for large x; the floor of 1
    keeps h from vanishing at x = 0.

    >>> default_step(0.0) == default_step(1.0) == EPSILON ** (1 / 3), default_step(1e6) == 1e6 * default_step(1.0)
    (True, True)
    """
    check_number("default_step", x)
    step: float = EPSILON ** (1 / 3) * max(math.fabs(to_float(x)), 1.0)
    return step


def _check_point(where: str, what: str, x: object) -> None:
    """A point to differentiate at: a finite number (at inf or nan a difference quotient means nothing)."""
    if not math.isfinite(to_float(check_number(where, x))):
        raise ValueError(f"{where}: {what} is {short(x)}; a difference quotient needs a finite point")


def positive_step(where: str, h: object) -> float:
    """A step given by the user, checked: a finite number > 0, as a plain float.

    >>> positive_step("central_difference", 1e-5)
    1e-05
    >>> positive_step("central_difference", 0)
    Traceback (most recent call last):
    ValueError: central_difference: the step h must be a finite number > 0, got 0
    """
    return finite_number(where, "the step h", h, above=0)


def central_difference(f: Callable[[float], float], x: float, h: float | None = None) -> float:
    """(f(x + h) − f(x − h)) / 2h, with the default step when ``h`` is None.

    >>> round(central_difference(lambda t: t ** 3, 2.0), 8)      # 3x² = 12
    12.0
    """
    check_function("central_difference", f)
    _check_point("central_difference", "x", x)
    h = default_step(x) if h is None else positive_step("central_difference", h)
    return (f(x + h) - f(x - h)) / (2 * h)


def complex_step(f: Callable[[complex], complex], x: float, h: float = 1e-20) -> float:
    """Im f(x + ih) / h: the derivative of an analytic ``f`` to rounding accuracy.

    >>> import cmath, math
    >>> complex_step(cmath.sin, 1.0) == math.cos(1.0)
    True
    """
    check_function("complex_step", f)
    _check_point("complex_step", "x", x)
    h = positive_step("complex_step", h)
    return f(complex(x, h)).imag / h


def partial_difference(f: Callable[..., float], xs: Sequence[float], i: int, h: float | None = None) -> float:
    """∂f/∂xᵢ at ``xs`` by central differences, the other coordinates held fixed.

    >>> round(partial_difference(lambda x, y: x * x * y, [3.0, 2.0], 0), 8)   # 2xy
    12.0
    """
    xs = numbers_of("partial_difference", xs)
    if not is_int(i):
        raise TypeError(f"partial_difference: the input number i must be an int, got {short(i)}")
    if not 0 <= i < len(xs):
        raise IndexError(f"partial_difference: input {i} out of range for {len(xs)} inputs")

    def along_i(t: float) -> float:
        moved = list(xs)
        moved[i] = t
        return f(*moved)

    return central_difference(along_i, xs[i], h)


def numeric_gradient(f: Callable[..., float], xs: Sequence[float], h: float | None = None) -> list[float]:
    """Every partial derivative of ``f`` at ``xs`` by central differences.

    >>> [round(d, 8) for d in numeric_gradient(lambda x, y: x * x * y, [3.0, 2.0])]   # 2xy, x²
    [12.0, 9.0]
    """
    xs = numbers_of("numeric_gradient", xs)
    return [partial_difference(f, xs, i, h) for i in range(len(xs))]


def evaluate(f: Callable[..., Any], xs: Sequence[float]) -> Any:
    """``f`` applied to plain numbers, for functions written for Values (``x.tanh()``).

    The inputs are wrapped as Values under ``no_grad()``: the same code path as
    the analytic derivative, without building a graph.

    >>> evaluate(lambda x, y: (x * y).tanh(), [0.0, 5.0])
    0.0
    """
    check_function("evaluate", f)
    points = [Value(x) for x in numbers_of("evaluate", xs)]
    with no_grad():
        out = f(*points)
    return out.data if isinstance(out, Value) else out


# ---------------------------------------------------------------------------
# How far off is a central difference?  Measured, not assumed.
# ---------------------------------------------------------------------------

REL_TOL = 1e-6  # the relative tolerance the checks add on top of the measured error bar
ABS_FLOOR = 1e-12  # the smallest error bar: never a large absolute tolerance (see tinygrad_edu.testing)
ROUNDING_FACTOR = 8  # a few ulps of f(x+h) and f(x−h), each rounded, plus the rounding of x ± h
SAFETY = 2  # times the Richardson estimate of the truncation error (see the module docstring)
LOWEST_ORDER = 1.0  # the order assumed unless the differences show a lower one
MAX_REFINEMENTS = 4  # steps down to h/8⁴ where h is too wide for a steep function


@dataclass(frozen=True)
class NumericDerivative:
    """A central difference D(h) with its error bar, and the evidence for the bar.

    ``differences`` are D(h), D(2h), D(4h).  ``order`` is the measured order p of
    convergence (D(h) − f′ ≈ C·hᵖ: 2 where f is smooth, 1 where f″ jumps), or
    None when rounding hides the truncation error (then it is too small to matter).

    >>> est = estimate_derivative(lambda t: t * t, 1.0, 1e-3)
    >>> round(est.value, 9), est.error_bar < 1e-9, est.converges
    (2.0, True, True)
    """

    value: float
    error_bar: float
    h: float
    differences: tuple[float, float, float]
    rounding: float
    truncation: float
    order: float | None

    @property
    def converges(self) -> bool:
        """False when D(kh) moves *more* as h shrinks: then f′ probably jumps near x.

        >>> estimate_derivative(abs, 1e-6, 1e-5, refinements=0).converges   # |x|′ jumps at 0, within h
        False
        """
        return self.order is None or self.order > 0


def estimate_derivative(f: Callable[[float], float], x: float, h: float,
                        refinements: int = MAX_REFINEMENTS) -> NumericDerivative:
    """The central difference of ``f`` at ``x`` with a measured error bar (see the module docstring).

    >>> est = estimate_derivative(math.exp, 0.0, 1e-5)
    >>> abs(est.value - 1.0) < est.error_bar < 1e-9
    True
    >>> softsign = lambda t: t / (1 + abs(t))          # f″ jumps at 0: D(h) ≈ 1 − h
    >>> est = estimate_derivative(softsign, 0.0, 1e-5)
    >>> round(est.order, 3), abs(est.value - 1.0) < est.error_bar
    (1.0, True)

    A step too wide for a steep ``f`` (tanh(10⁶·x) turns over a width of 1e-6)
    shows as an error bar dominated by truncation and above ``REL_TOL``: while
    it is, the step shrinks eightfold, at most ``refinements`` times.  Never
    where rounding dominates: a smaller step would only add rounding.  The
    choice depends on the estimate alone, never on the value it is compared with.

    >>> steep = lambda t: math.tanh(1e6 * t)
    >>> round(estimate_derivative(steep, 0.0, 6e-6, refinements=0).value)  # tanh(6)/6e-6
    166665
    >>> est = estimate_derivative(steep, 0.0, 6e-6)
    >>> est.h, round(est.value), est.error_bar < 10
    (1.46484375e-09, 999999, True)
    """
    est = _estimate_at(f, x, h)
    for _ in range(refinements):
        if est.truncation <= est.rounding or est.error_bar <= REL_TOL * math.fabs(est.value):
            break
        est = _estimate_at(f, x, est.h / 8)
    return est


def _estimate_at(f: Callable[[float], float], x: float, h: float) -> NumericDerivative:
    """D(h) and its error bar from D(h), D(2h), D(4h), for one step h."""
    steps = (h, 2 * h, 4 * h)
    pairs = [(f(x + k), f(x - k)) for k in steps]
    d1, d2, d4 = [(up - down) / (2 * k) for (up, down), k in zip(pairs, steps)]
    largest = max(math.fabs(v) for pair in pairs for v in pair)
    rounding = (ROUNDING_FACTOR * EPSILON * largest + EPSILON * math.fabs(x) * math.fabs(d1)) / h
    near, far = d2 - d1, d4 - d2
    order, p = None, LOWEST_ORDER
    if math.fabs(near) > rounding and math.fabs(far) > rounding and (near > 0) == (far > 0):
        order = math.log2(far / near)
        # The lowest order the differences allow, each possibly off by the rounding:
        lowest = math.log2((math.fabs(far) - rounding) / (math.fabs(near) + rounding))
        if 0 < lowest < p:
            p = lowest
    truncation = SAFETY * max(math.fabs(near), math.fabs(far) / 2 ** p) / (2 ** p - 1)
    return NumericDerivative(d1, max(ABS_FLOOR, rounding + truncation), h, (d1, d2, d4),
                             rounding, truncation, order)


# ---------------------------------------------------------------------------
# gradcheck: analytic against numeric, per input, with a readable report
# ---------------------------------------------------------------------------

@dataclass
class GradcheckEntry:
    """One input's verdict: the two derivatives and how far apart they are.

    >>> entry = gradcheck(lambda x: x * x, [3.0]).entries[0]
    >>> entry.index, entry.analytic, entry.ok
    (0, 6.0, True)
    """

    index: int
    analytic: float
    numeric: float
    abs_error: float
    rel_error: float
    ok: bool
    error_bar: float = 0.0  # how far off the numeric side may be (estimate_derivative)


class GradcheckError(AssertionError):
    """An analytic gradient disagreed with the numeric one; the message is the report.

    >>> from tinygrad_edu.ops import Op
    >>> wrong = Op("wrong_square", forward=lambda x: x * x, derivative=lambda x, out: x)   # should be 2x
    >>> gradcheck(lambda x: Value.apply(wrong, (x,)), [3.0])        # doctest: +ELLIPSIS
    Traceback (most recent call last):
    tinygrad_edu.numeric.GradcheckError: gradcheck: analytic and numeric gradients differ
    ...
    """


@dataclass
class GradcheckReport:
    """The result of :func:`gradcheck`: one :class:`GradcheckEntry` per input; ``ok`` when all pass.

    >>> report = gradcheck(lambda x, y: x * y, [2.0, 5.0])
    >>> report.ok, [e.analytic for e in report.entries]
    (True, [5.0, 2.0])
    """

    entries: list[GradcheckEntry] = field(default_factory=list)
    rel_tol: float = 1e-6
    abs_tol: float = 1e-8

    @property
    def ok(self) -> bool:
        """True when every input passed.

        >>> GradcheckReport().ok          # no entries: nothing failed
        True
        """
        return all(e.ok for e in self.entries)

    def __str__(self) -> str:
        lines = [f"{'input':>5}  {'analytic':>22}  {'numeric':>22}  {'abs err':>9}  {'rel err':>9}  "
                 f"{'num. bar':>9}  ok"]
        for e in self.entries:
            lines.append(
                f"{e.index:>5}  {e.analytic:>22.15g}  {e.numeric:>22.15g}  "
                f"{e.abs_error:>9.2e}  {e.rel_error:>9.2e}  {e.error_bar:>9.2e}  {'yes' if e.ok else 'NO'}"
            )
        lines.append(f"tolerance: rel {self.rel_tol:g}, abs {self.abs_tol:g} or the numeric side's measured "
                     f"error bar (num. bar), whichever is larger")
        return "\n".join(lines)


def gradcheck(
    f: Callable[..., Value],
    inputs: Sequence[float],
    *,
    h: float | None = None,
    rel_tol: float = 1e-6,
    abs_tol: float = 1e-8,
    raise_exception: bool = True,
) -> GradcheckReport:
    """Compare reverse-mode gradients of ``f`` with central differences, input by input.

    ``f`` takes one Value per input and returns a Value.  Each numeric
    derivative comes with its measured error bar (:func:`estimate_derivative`,
    from D(h), D(2h) and D(4h)), and an entry passes when
    ``math.isclose(analytic, numeric, rel_tol=rel_tol, abs_tol=max(abs_tol, error_bar))``.
    On a mismatch :class:`GradcheckError` is raised with the whole report
    (unless ``raise_exception=False``), like ``torch.autograd.gradcheck``.
    ``h`` fixes the step; by default it starts at :func:`default_step` and
    shrinks where ``f`` is too steep for it.

    >>> gradcheck(lambda x: x / (1 + abs(x)), [0.0]).ok     # softsign at 0: D(h) = 1 − h, an order-1 error
    True

    >>> report = gradcheck(lambda x, y: (x * y).tanh(), [0.3, -0.7])
    >>> report.ok
    True
    >>> print(report)                                  # doctest: +ELLIPSIS
    input                analytic                 numeric    abs err    rel err   num. bar  ok
        0  ...
    """
    check_function("gradcheck", f)
    if isinstance(inputs, (list, tuple)):  # Values are read as their numbers
        inputs = [x.data if isinstance(x, Value) else x for x in inputs]
    xs = numbers_of("gradcheck", inputs)
    for i, x in enumerate(xs):
        _check_point("gradcheck", f"input {i}", x)
    for name, tolerance in (("rel_tol", rel_tol), ("abs_tol", abs_tol)):
        finite_number("gradcheck", name, tolerance, at_least=0)
    if h is not None:
        h = positive_step("gradcheck", h)
    points = [Value(x) for x in xs]
    analytic = grad(f(*points), points)
    report = GradcheckReport(rel_tol=rel_tol, abs_tol=abs_tol)
    for i, a in enumerate(analytic):
        def along_i(t: float, i: int = i) -> float:
            value: float = evaluate(f, [*xs[:i], t, *xs[i + 1:]])
            return value

        if h is None:
            est = estimate_derivative(along_i, xs[i], default_step(xs[i]))
        else:
            est = estimate_derivative(along_i, xs[i], h, refinements=0)  # the step asked for, and no other
        n = est.value
        abs_error = math.fabs(a - n)
        rel_error = abs_error / max(math.fabs(a), math.fabs(n), 1e-300)
        ok = math.isclose(a, n, rel_tol=rel_tol, abs_tol=max(abs_tol, est.error_bar))
        report.entries.append(GradcheckEntry(i, a, n, abs_error, rel_error, ok, est.error_bar))
    if raise_exception and not report.ok:
        raise GradcheckError(f"gradcheck: analytic and numeric gradients differ\n{report}")
    return report
