"""Numerical derivatives: the independent referee for every analytic rule.

Two references, with different weaknesses:

* **Central differences**, f′(x) ≈ (f(x + h) − f(x − h)) / 2h.  The error has
  two parts: truncation, about h²·|f‴|/6, which wants h small, and rounding,
  about ε·|f|/h (ε = 2.2e-16, the float64 spacing near 1), which wants h
  large.  They balance at h ≈ ε^(1/3) ≈ 6e-6 (times the size of x), where the
  error is roughly ε^(2/3) ≈ 4e-11 relative: the default step here.
* **The complex step**, f′(x) ≈ Im f(x + ih) / h.  For an analytic f there is
  no subtraction, hence no cancellation: h = 1e-20 gives f′ to rounding.  It
  needs f written with complex-capable functions (``cmath``).

>>> import math
>>> round(central_difference(math.sin, 0.0), 9)
1.0
>>> complex_step(lambda z: z * z * z, 2.0)      # d/dx x³ = 3x² = 12, exactly
12.0
"""

from __future__ import annotations

import math
import sys
from dataclasses import dataclass, field
from typing import Callable, Sequence

from .autodiff import grad
from .mode import no_grad
from .reals import check_function, check_number, finite_number, is_int, numbers_of, short, to_float
from .value import Value

EPSILON = sys.float_info.epsilon  # 2.22e-16: the gap between 1.0 and the next float


def default_step(x: float) -> float:
    """The central-difference step h = ε^(1/3)·max(|x|, 1) (see the module docstring).

    Scaling with |x| keeps x ± h distinct from x for large x; the floor of 1
    keeps h from vanishing at x = 0.
    """
    check_number("default_step", x)
    return EPSILON ** (1 / 3) * max(math.fabs(to_float(x)), 1.0)


def _check_point(where: str, what: str, x) -> None:
    """A point to differentiate at: a finite number (at inf or nan a difference quotient means nothing)."""
    check_number(where, x)
    if not math.isfinite(to_float(x)):
        raise ValueError(f"{where}: {what} is {short(x)}; a difference quotient needs a finite point")


def positive_step(where: str, h) -> float:
    """A step given by the user, checked: a finite number > 0, as a plain float."""
    return finite_number(where, "the step h", h, above=0)


def central_difference(f: Callable[[float], float], x: float, h: float | None = None) -> float:
    """(f(x + h) − f(x − h)) / 2h, with the default step when ``h`` is None."""
    check_function("central_difference", f)
    _check_point("central_difference", "x", x)
    h = default_step(x) if h is None else positive_step("central_difference", h)
    return (f(x + h) - f(x - h)) / (2 * h)


def complex_step(f: Callable[[complex], complex], x: float, h: float = 1e-20) -> float:
    """Im f(x + ih) / h: the derivative of an analytic ``f`` to rounding accuracy."""
    check_function("complex_step", f)
    _check_point("complex_step", "x", x)
    h = positive_step("complex_step", h)
    return f(complex(x, h)).imag / h


def partial_difference(f: Callable[..., float], xs: Sequence[float], i: int, h: float | None = None) -> float:
    """∂f/∂xᵢ at ``xs`` by central differences, the other coordinates held fixed."""
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


def numeric_gradient(f: Callable[..., float], xs: Sequence[float], h: float | None = None) -> list:
    """Every partial derivative of ``f`` at ``xs`` by central differences."""
    xs = numbers_of("numeric_gradient", xs)
    return [partial_difference(f, xs, i, h) for i in range(len(xs))]


def evaluate(f: Callable, xs: Sequence[float]) -> float:
    """``f`` applied to plain numbers, for functions written for Values (``x.tanh()``).

    The inputs are wrapped as Values under ``no_grad()``: the same code path as
    the analytic derivative, without building a graph.
    """
    check_function("evaluate", f)
    points = [Value(x) for x in numbers_of("evaluate", xs)]
    with no_grad():
        out = f(*points)
    return out.data if isinstance(out, Value) else out


# ---------------------------------------------------------------------------
# gradcheck: analytic against numeric, per input, with a readable report
# ---------------------------------------------------------------------------

@dataclass
class GradcheckEntry:
    """One input's verdict: the two derivatives and how far apart they are."""

    index: int
    analytic: float
    numeric: float
    abs_error: float
    rel_error: float
    ok: bool


class GradcheckError(AssertionError):
    """An analytic gradient disagreed with the numeric one; the message is the report."""


@dataclass
class GradcheckReport:
    """The result of :func:`gradcheck`: one :class:`GradcheckEntry` per input."""

    entries: list = field(default_factory=list)
    rel_tol: float = 1e-6
    abs_tol: float = 1e-8

    @property
    def ok(self) -> bool:
        return all(e.ok for e in self.entries)

    def __str__(self) -> str:
        lines = [f"{'input':>5}  {'analytic':>22}  {'numeric':>22}  {'abs err':>9}  {'rel err':>9}  ok"]
        for e in self.entries:
            lines.append(
                f"{e.index:>5}  {e.analytic:>22.15g}  {e.numeric:>22.15g}  "
                f"{e.abs_error:>9.2e}  {e.rel_error:>9.2e}  {'yes' if e.ok else 'NO'}"
            )
        lines.append(f"tolerance: rel {self.rel_tol:g}, abs {self.abs_tol:g}")
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

    ``f`` takes one Value per input and returns a Value.  An entry passes when
    ``math.isclose(analytic, numeric, rel_tol=rel_tol, abs_tol=abs_tol)``.  On a
    mismatch :class:`GradcheckError` is raised with the whole report (unless
    ``raise_exception=False``), like ``torch.autograd.gradcheck``.

    >>> report = gradcheck(lambda x, y: (x * y).tanh(), [0.3, -0.7])
    >>> report.ok
    True
    >>> print(report)                                  # doctest: +ELLIPSIS
    input                analytic                 numeric    abs err    rel err  ok
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
        n = partial_difference(lambda *ys: evaluate(f, ys), xs, i, h)
        abs_error = math.fabs(a - n)
        rel_error = abs_error / max(math.fabs(a), math.fabs(n), 1e-300)
        ok = math.isclose(a, n, rel_tol=rel_tol, abs_tol=abs_tol)
        report.entries.append(GradcheckEntry(i, a, n, abs_error, rel_error, ok))
    if raise_exception and not report.ok:
        raise GradcheckError(f"gradcheck: analytic and numeric gradients differ\n{report}")
    return report
