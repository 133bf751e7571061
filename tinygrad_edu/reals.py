"""The numbers the engine computes with, and the checks behind its error messages.

A first reading may skip this file: it is what makes ``Value(10**400)``,
``Fraction(1, 3)`` and ``Value("3")`` behave, not how gradients are computed.

* **Which numbers.**  ``int``, ``float`` and ``Fraction`` (:data:`NUMBERS`).
  ``bool`` is refused on purpose: ``True + True == 2`` is almost always a bug.
  :func:`is_real` and :func:`is_int` are the two tests every check uses.
* **IEEE 754 rounding.**  A result too large for a float is ``inf``, never an
  ``OverflowError``, and so is a number too large to *become* a float
  (``10**400``, a huge ``Fraction``), exactly as Python reads the literal
  ``1e400`` (:func:`to_float`).  Python itself raises ``OverflowError`` when a
  ``Fraction`` beyond float range meets a float; :func:`add` and
  :func:`multiply` round both first instead.
* **Exact Fractions.**  A ``Fraction`` stays exact, and an int beside one
  becomes a ``Fraction`` (:func:`as_constant`), so ``x / 2`` and its derivative
  1/2 stay exact.
* **Clear errors.**  Each check names the function the bad value was given to,
  and :func:`short` keeps a huge number readable in the message.

>>> to_float(10 ** 400), as_data("Value", 3), is_real(True), is_int(3)
(inf, 3.0, False, True)
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from fractions import Fraction
from typing import Any, TypeGuard, Union, cast

inf = math.inf
#: The numbers the rules compute on directly (everything else is a graph node).
NUMBERS = (int, float, Fraction)
#: A number the engine accepts, for type hints.
Real = Union[int, float, Fraction]
#: The smallest int float() refuses (it would round to 2¹⁰²⁴): from here on an int is ±inf as a float.
FLOAT_LIMIT = 2 ** 1024 - 2 ** 970


def is_real(x: object) -> TypeGuard[Real]:
    """True for an int, a float or a Fraction, and False for a bool (``True + True == 2`` is a bug).

    >>> is_real(2), is_real(0.5), is_real(Fraction(1, 3)), is_real(True), is_real("2")
    (True, True, True, False, False)
    """
    return isinstance(x, NUMBERS) and not isinstance(x, bool)


def is_int(x: object) -> TypeGuard[int]:
    """True for an int and False for a bool: a count, an index, a seed.

    >>> is_int(3), is_int(3.0), is_int(False)
    (True, False, False)
    """
    return isinstance(x, int) and not isinstance(x, bool)


def check_number(where: str, x: object) -> Real:
    """``x`` itself when it is a real number the engine accepts, else a ``TypeError`` naming ``where``.

    >>> check_number("Value", "3")
    Traceback (most recent call last):
    TypeError: Value: expected a real number (int, float or Fraction), got '3' of type str
    """
    if not is_real(x):
        raise TypeError(
            f"{where}: expected a real number (int, float or Fraction), got {short(x)} of type {type(x).__name__}"
        )
    return x


def numbers_of(where: str, xs: Any, what: str = "input", first: int = 0) -> list[Any]:
    """``xs`` (a list, a tuple or any iterable of numbers) as a list, or a TypeError naming
    ``where`` and the first entry that is not a real number (entries are counted from ``first``).

    >>> numbers_of("jvp", (1.0, 2))
    [1.0, 2]
    >>> numbers_of("jvp", [1.0, "2"])
    Traceback (most recent call last):
    TypeError: jvp: input 1 is '2', not a real number
    """
    if isinstance(xs, (str, bytes)) or isinstance(xs, NUMBERS) or hasattr(type(xs), "apply"):
        raise TypeError(f"{where}: {what}s must be a list of numbers, got {short(xs)}")
    try:
        items: list[Any] = list(xs)
    except TypeError:
        raise TypeError(f"{where}: {what}s must be a list of numbers, got {short(xs)}") from None
    for i, x in enumerate(items):
        if not is_real(x):
            raise TypeError(f"{where}: {what} {i + first} is {short(x)}, not a real number")
    return items


def check_function(where: str, f: object, what: str = "f") -> None:
    """TypeError naming ``where`` unless ``f`` can be called.

    >>> check_function("gradcheck", 3)
    Traceback (most recent call last):
    TypeError: gradcheck: f must be a function, got 3
    """
    if not callable(f):
        raise TypeError(f"{where}: {what} must be a function, got {short(f)}")


def finite_number(where: str, name: str, x: object, *, above: float | None = None,
                  at_least: float | None = None) -> float:
    """A setting that must be a finite number (a learning rate, an eps, a step), as a plain float.

    ``above=0`` asks for > 0, ``at_least=0`` for >= 0.  A wrong type is a TypeError, anything
    else (nan, ±inf, an int beyond float range, a number out of range) a ValueError naming
    ``where``, the setting and the value.

    >>> finite_number("SGD", "the learning rate lr", 1, above=0)
    1.0
    >>> finite_number("SGD", "the learning rate lr", 10 ** 400, above=0)
    Traceback (most recent call last):
    ValueError: SGD: the learning rate lr must be a finite number > 0, got 1000000000…(401 digits)
    """
    value = to_float(check_number(where, x))
    fine = math.isfinite(value) and (above is None or value > above) and (at_least is None or value >= at_least)
    if not fine:
        bound = f" > {above}" if above is not None else (f" >= {at_least}" if at_least is not None else "")
        raise ValueError(f"{where}: {name} must be a finite number{bound}, got {short(x)}")
    return value


def to_float(x: Real) -> float:
    """``x`` as a plain ``float``, rounded the IEEE 754 way: beyond ±1.8e308 it is ±inf.

    ``float(10**400)`` raises ``OverflowError`` in Python, while the literal
    ``1e400`` is ``inf``; IEEE 754 rounds a number too large for a float to
    ±inf, and so does the engine, for ints and Fractions alike.  A float
    subclass (NumPy's ``float64``) becomes a plain float.

    >>> to_float(10 ** 400), to_float(-Fraction(10 ** 400)), to_float(Fraction(1, 4))
    (inf, -inf, 0.25)
    """
    try:
        return float(x)
    except OverflowError:
        return inf if x > 0 else -inf


def as_number(where: str, x: object) -> Real:
    """``x`` checked (see :func:`check_number`) and in the form the rules compute on.

    A float subclass (NumPy's ``float64``, whose comparisons give NumPy
    booleans) becomes a plain ``float``; an int too large for a float becomes
    ±inf (:func:`to_float`); other ints and every ``Fraction`` stay exact, so
    that ``x ** 2`` and ``x / 2`` of a Fraction stay Fractions.

    >>> as_number("power", 10 ** 400), as_number("power", 3)
    (inf, 3)
    """
    kind = type(x)
    if kind is float or kind is Fraction or kind is int and -FLOAT_LIMIT < x < FLOAT_LIMIT:  # type: ignore[operator]
        return x  # type: ignore[return-value]  # already in its form (and a real number: nothing to check)
    check_number(where, x)
    if isinstance(x, int):
        x = int(x)  # an int subclass (an IntEnum) as a plain int
        return x if -FLOAT_LIMIT < x < FLOAT_LIMIT else to_float(x)
    return float(x) if isinstance(x, float) else Fraction(cast(Fraction, x))  # a Fraction subclass


def as_data(where: str, x: object) -> float | Fraction:
    """``x`` checked, as a node keeps it: a ``Fraction`` exact, anything else a plain float.

    >>> as_data("Value", 3), as_data("Value", 10 ** 400), as_data("Value", Fraction(1, 3))
    (3.0, inf, Fraction(1, 3))
    """
    number = as_number(where, x)
    return number if type(number) is Fraction else to_float(number)


def as_constant(where: str, x: object, partner: object) -> Real:
    """A plain number mixed into an operation (the 2 in ``x / 2``), checked.

    Beside a ``Fraction`` an int becomes a ``Fraction``, so that ``x / 2``
    *and its derivative* 1/2 stay exact; elsewhere it stays an int (printed
    as 2, not 2.0), or ±inf when too large for a float.

    >>> as_constant("div", 2, Fraction(1, 3)), as_constant("div", 2, 0.5)
    (Fraction(2, 1), 2)
    """
    number = as_number(where, x)
    if type(number) is int and type(partner) is Fraction:
        return Fraction(number)
    return number


def plain_params(params: tuple[Any, ...]) -> tuple[Any, ...]:
    """An op's constant parameters with every number in the engine's form (:func:`as_number`):
    NumPy's float64 a float, an int beyond float range ±inf; anything else untouched.

    >>> plain_params((10 ** 400, "axis"))
    (inf, 'axis')
    """
    for p in params:  # (a loop, not all(...): this runs for every x ** 2, and a generator costs more)
        if not (type(p) is float or type(p) is int and -FLOAT_LIMIT < p < FLOAT_LIMIT):
            return tuple(as_number("params", p) if is_real(p) else p for p in params)
    return params  # speed only: already plain (x ** 2, a float slope), nothing to convert


def rounded(numbers: Iterable[Real]) -> tuple[float, ...]:
    """Every number as a float (:func:`to_float`).  An operation retries with these when
    Python refuses to mix an exact number beyond float range with a float
    (``Fraction(10**400) + 1.5`` raises ``OverflowError``; IEEE 754 says inf).

    >>> rounded([Fraction(10 ** 400), 1])
    (inf, 1.0)
    """
    return tuple(to_float(x) for x in numbers)


def add(a: Any, b: Any) -> Any:
    """a + b, rounding both to floats when one is a Fraction beyond float range and the other a float.

    >>> add(Fraction(10 ** 400), 1.5)
    inf
    """
    try:
        return a + b
    except OverflowError:
        return to_float(a) + to_float(b)


def multiply(a: Any, b: Any) -> Any:
    """a · b, rounding both to floats when one is a Fraction beyond float range and the other a float.

    >>> multiply(1.0, Fraction(10 ** 400))
    inf
    """
    try:
        return a * b
    except OverflowError:
        return to_float(a) * to_float(b)


def is_integer(c: Real) -> bool:
    """True when the number ``c`` is a whole number (``2``, ``2.0``, ``Fraction(4, 2)``), never raising.

    >>> is_integer(3), is_integer(2.5), is_integer(Fraction(10 ** 400)), is_integer(inf)
    (True, False, True, False)
    """
    if isinstance(c, int):
        return True
    if isinstance(c, Fraction):
        return c.denominator == 1
    return c.is_integer()


def short(x: object) -> str:
    """``repr(x)`` for an error message, with a huge number cut to its first digits.

    >>> short(10 ** 400), short(-10 ** 400)
    ('1000000000…(401 digits)', '-1000000000…(401 digits)')
    >>> short(Fraction(1, 10 ** 50)), short(0.5)
    ('Fraction(1, 1000000000…(51 digits))', '0.5')
    """
    try:
        text = repr(x)
    except ValueError:  # an int of more than 4300 digits, which Python refuses to print
        assert isinstance(x, int)
        return f"{'-' if x < 0 else ''}an int of {abs(x).bit_length()} bits"
    if len(text) <= 40:
        return text
    if isinstance(x, Fraction):
        return f"Fraction({short(x.numerator)}, {short(x.denominator)})"
    if isinstance(x, int):
        digits = text.lstrip("-")
        return f"{'-' if x < 0 else ''}{digits[:10]}…({len(digits)} digits)"
    return text[:37] + "..."

