"""How numbers and names are written: one home for every table, chart, formula and graph.

* :func:`format_number`: a number for a table or a chart, 4 significant digits,
  with inf, nan and an exact 0 named in words (``inf (overflow)``): in a long
  product of factors they mean overflow and underflow, and printed as ordinary
  numbers they are easy to miss.
* :func:`math_number`: a number inside a formula (the chain rule's factors, a
  graph's edges): a real minus sign and a short exponent, ``−3.102e−4``.
* :func:`format_constant`: a constant in a symbolic formula: ``2`` rather than
  ``2.0``, ``1/3`` for a Fraction.
* :func:`subscript`, :func:`superscript`, :func:`pretty_label`: the indices of
  mathematics, ``z2`` → ``z₂``, ``c⁵⁰``.
* :func:`input_role`: which input of an op an edge enters, ``1st factor`` of x·x,
  for a graph that uses the same node twice.

>>> format_number(3.888e26), math_number(-0.000310237), pretty_label("w_10"), superscript(-2)
('3.888e+26', '−3.102e−4', 'w₁₀', '⁻²')
"""

from __future__ import annotations

import math
import re
from fractions import Fraction

from .reals import FLOAT_LIMIT, Real, check_number, is_int, to_float

MINUS = "−"  # U+2212, the minus sign of typeset mathematics (a hyphen is shorter)

_SUBSCRIPTS = str.maketrans("0123456789-", "₀₁₂₃₄₅₆₇₈₉₋")
_SUPERSCRIPTS = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")

# Fixed notation is readable between these magnitudes.  Outside them it is
# either long ("0.0000001234") or falsely precise ("123456789.0"), so
# format_number switches to scientific notation.
_SMALL = 1e-3
_LARGE = 1e4


# ---------------------------------------------------------------------------
# Indices and labels
# ---------------------------------------------------------------------------

def subscript(n: int) -> str:
    """An integer as a subscript, as in b₁.

    >>> subscript(12)
    '₁₂'
    """
    if not is_int(n):
        raise TypeError(f"subscript: expected an int, got {n!r:.40}")
    return str(n).translate(_SUBSCRIPTS)


def superscript(n: int) -> str:
    """An integer as a superscript, as in c⁵⁰.

    >>> superscript(-3)
    '⁻³'
    """
    if not is_int(n):
        raise TypeError(f"superscript: expected an int, got {n!r:.40}")
    return str(n).translate(_SUPERSCRIPTS)


def pretty_label(label: str) -> str:
    """A node label as mathematics writes it: trailing digits become subscripts.

    >>> pretty_label("z2"), pretty_label("w_10"), pretty_label("C"), pretty_label("42")
    ('z₂', 'w₁₀', 'C', '42')
    """
    if not isinstance(label, str):
        raise TypeError(f"pretty_label: expected a str, got {label!r:.40}")
    match = re.fullmatch(r"(.*[^\d_])_?(\d+)", label)
    if match is None:
        return label
    return match.group(1) + match.group(2).translate(_SUBSCRIPTS)


# ---------------------------------------------------------------------------
# Numbers in tables and charts
# ---------------------------------------------------------------------------

def flag_nonfinite(x: Real) -> str | None:
    """Name a value that must not be printed as an ordinary number, else None.

    Exact zero is flagged too: in a long product of small factors it means
    the true value fell below the smallest float (about 5e-324).

    >>> flag_nonfinite(float("inf"))
    'inf (overflow)'
    >>> flag_nonfinite(-float("inf"))
    '-inf (overflow)'
    >>> flag_nonfinite(float("nan"))
    'nan (not a number)'
    >>> flag_nonfinite(0.0)
    '0 (underflow)'
    >>> flag_nonfinite(1e-300) is None
    True
    """
    check_number("flag_nonfinite", x)
    x = to_float(x)  # an int beyond float range is inf, and flagged so
    if math.isnan(x):
        return "nan (not a number)"
    if math.isinf(x):
        return "inf (overflow)" if x > 0 else "-inf (overflow)"
    if x == 0.0:  # true for -0.0 as well
        return "0 (underflow)"
    return None


def format_number(x: Real, digits: int = 4, *, flag: bool = True) -> str:
    """Format a number compactly with ``digits`` significant digits.

    Fixed notation for magnitudes from 0.001 up to 10000, scientific
    notation outside.  inf, nan and exact 0 are flagged in words (see
    :func:`flag_nonfinite`); pass ``flag=False`` where a zero is an ordinary
    setting, such as a momentum of 0.

    >>> format_number(0.25)
    '0.25'
    >>> format_number(3.14159265)
    '3.142'
    >>> format_number(3.888e26)
    '3.888e+26'
    >>> format_number(-1.5e-12, digits=2)
    '-1.5e-12'
    >>> format_number(float("inf"))
    'inf (overflow)'
    >>> format_number(0.0), format_number(0.0, flag=False)
    ('0 (underflow)', '0.0')
    """
    if not is_int(digits):
        raise TypeError(f"format_number: digits must be an int, got {digits!r}")
    if digits < 1:
        raise ValueError(f"format_number: digits must be at least 1, got {digits!r}")
    check_number("format_number", x)
    x = to_float(x)
    special = flag_nonfinite(x)
    if special is not None:
        return special if flag else repr(x)  # repr gives 'inf', 'nan', '0.0'
    if _SMALL <= abs(x) < _LARGE:
        return _fixed(x, digits)
    return f"{x:.{digits - 1}e}"


def _fixed(x: float, digits: int) -> str:
    """Fixed notation with ``digits`` significant digits, trailing zeros dropped."""
    exponent = math.floor(math.log10(abs(x)))
    decimals = max(digits - 1 - exponent, 0)
    text = f"{x:.{decimals}f}"
    if "." in text:
        text = text.rstrip("0")
        if text.endswith("."):
            text += "0"  # keep "1.0" looking like a float, as Python prints it
    return text


# ---------------------------------------------------------------------------
# Numbers in formulas
# ---------------------------------------------------------------------------

def math_number(x: Real, digits: int = 4) -> str:
    """A number as a formula writes it: ``digits`` significant digits, a real minus sign,
    a short exponent (−3.1e−4, not -3.1e-04) and no trailing ``.0``.

    >>> math_number(100.0), math_number(-0.41023), math_number(-0.000310237), math_number(2.5e20)
    ('100', '−0.4102', '−3.102e−4', '2.500e20')
    """
    text = format_number(x, digits=digits, flag=False)
    text = re.sub(r"e([+-])0*(\d)", lambda m: "e" + ("-" if m.group(1) == "-" else "") + m.group(2), text)
    return text.removesuffix(".0").replace("-", MINUS)


def format_constant(x: Real) -> str:
    """A constant as it appears in a symbolic formula: integers without '.0', 6 significant digits.

    >>> format_constant(2.0), format_constant(-0.25), format_constant(1 / 3), format_constant(Fraction(1, 3))
    ('2', '−0.25', '0.333333', '1/3')
    """
    check_number("format_constant", x)
    if isinstance(x, int) and not -FLOAT_LIMIT < x < FLOAT_LIMIT:
        x = to_float(x)
    if isinstance(x, Fraction):
        text = str(x)
    elif isinstance(x, float) and not math.isfinite(x):
        text = repr(x)
    elif float(x).is_integer() and abs(x) < 1e15:
        text = str(int(x))
    else:
        text = f"{x:.6g}"
    return text.replace("-", MINUS)


# ---------------------------------------------------------------------------
# Which input an edge enters
# ---------------------------------------------------------------------------

def ordinal(n: int) -> str:
    """1st, 2nd, 3rd, 4th, … 11th, 12th, 13th, 21st.

    >>> [ordinal(n) for n in (1, 2, 3, 4, 11, 12, 13, 21, 102)]
    ['1st', '2nd', '3rd', '4th', '11th', '12th', '13th', '21st', '102nd']
    """
    if not is_int(n) or n < 1:
        raise ValueError(f"ordinal: expected a whole number >= 1, got {n!r:.40}")
    suffix = "th" if n % 100 in (11, 12, 13) else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def input_role(operator: str | None, i: int) -> str:
    """What the ``i``-th input (from 0) of an op is called, from the Python operator that writes
    the op (``Op.python_operator``): a factor of ``*``, a term of ``+`` and ``-``, else an input.
    Used where a node uses the same input twice (h·h) and its two edges must be told apart.

    >>> input_role("*", 0), input_role("-", 1), input_role(None, 2)
    ('1st factor', '2nd term', '3rd input')
    """
    word = {"*": "factor", "+": "term", "-": "term"}.get(operator or "", "input")
    return f"{ordinal(i + 1)} {word}"
