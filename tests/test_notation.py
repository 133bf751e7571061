"""tinygrad_edu.notation: numbers in tables and formulas, indices and labels."""

import math
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tinygrad_edu import notation

INF, NAN = math.inf, math.nan

finite_nonzero = st.floats(allow_nan=False, allow_infinity=False).filter(lambda x: x != 0)


# --- format_number and flag_nonfinite -----------------------------------------------


@pytest.mark.parametrize(
    "x, expected",
    [
        (INF, "inf (overflow)"),
        (-INF, "-inf (overflow)"),
        (NAN, "nan (not a number)"),
        (0.0, "0 (underflow)"),
        (-0.0, "0 (underflow)"),
    ],
)
def test_special_values_are_flagged_in_words(x, expected):
    assert notation.flag_nonfinite(x) == expected
    assert notation.format_number(x) == expected


@given(finite_nonzero)
def test_ordinary_numbers_are_not_flagged(x):
    assert notation.flag_nonfinite(x) is None
    text = notation.format_number(x)
    assert "(" not in text and "inf" not in text and "nan" not in text


@pytest.mark.parametrize("x, expected", [(INF, "inf"), (-INF, "-inf"), (NAN, "nan"), (0.0, "0.0")])
def test_flag_false_prints_special_values_plainly(x, expected):
    assert notation.format_number(x, flag=False) == expected


@pytest.mark.parametrize(
    "x, expected",
    [
        (3.888e26, "3.888e+26"),
        (1.5e-12, "1.500e-12"),
        (-12345.0, "-1.234e+04"),
        (0.25, "0.25"),
        (1.0, "1.0"),
        (-2.0, "-2.0"),
        (3.14159265, "3.142"),
        (0.001234567, "0.001235"),
        (1234.0, "1234"),
    ],
)
def test_format_number_examples(x, expected):
    assert notation.format_number(x) == expected


@given(finite_nonzero, st.integers(1, 10))
def test_formatted_number_reads_back_within_its_significant_digits(x, digits):
    text = notation.format_number(x, digits=digits)
    # Rounding to d significant digits moves a number by at most half a unit
    # in its last digit: a relative error of at most 0.5 * 10**(1 - d).
    # Fractions compare exactly, even when the rounded text ("2e+308") is
    # beyond the largest float.
    error = abs(Fraction(text) - Fraction(x))
    assert error <= Fraction(1, 2) * Fraction(10) ** (1 - digits) * abs(Fraction(x))


@given(finite_nonzero)
def test_scientific_notation_only_outside_the_readable_range(x):
    text = notation.format_number(x)
    assert ("e" in text) == (not 1e-3 <= abs(x) < 1e4)


def test_format_number_rejects_zero_digits():
    with pytest.raises(ValueError, match="digits"):
        notation.format_number(1.0, digits=0)


# --- numbers in formulas, indices, labels -------------------------------------


@pytest.mark.parametrize("x, expected", [
    (100.0, "100"), (-0.41023, "−0.4102"), (-0.000310237, "−3.102e−4"), (2.5e20, "2.500e20"), (0.0, "0"),
])
def test_math_number_uses_a_real_minus_and_a_short_exponent(x, expected):
    assert notation.math_number(x) == expected


@given(finite_nonzero)
def test_math_number_reads_back_within_four_significant_digits(x):
    text = notation.math_number(x).replace("−", "-")
    # Exactly, as Fractions: the rounded text may lie beyond the largest float ("1.798e308").
    assert abs(Fraction(text) - Fraction(x)) <= Fraction(1, 2) * Fraction(10) ** -3 * abs(Fraction(x))


def test_indices_are_sub_and_superscripts():
    assert notation.subscript(12) == "₁₂" and notation.superscript(-3) == "⁻³"
    assert [notation.pretty_label(s) for s in ("a4", "w_12", "C", "x", "h3b")] == ["a₄", "w₁₂", "C", "x", "h3b"]
    with pytest.raises(TypeError, match="subscript: expected an int"):
        notation.subscript(1.0)


def test_ordinals_and_input_roles():
    assert [notation.ordinal(n) for n in (1, 2, 3, 4, 11, 12, 13, 21, 22, 23, 111)] == [
        "1st", "2nd", "3rd", "4th", "11th", "12th", "13th", "21st", "22nd", "23rd", "111th"]
    assert notation.input_role("*", 1) == "2nd factor"
    assert notation.input_role("+", 0) == "1st term"
    assert notation.input_role("/", 1) == "2nd input"
    with pytest.raises(ValueError, match="ordinal"):
        notation.ordinal(0)
