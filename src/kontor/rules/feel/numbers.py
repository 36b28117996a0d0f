"""FEEL numbers: decimal128-like arithmetic on `decimal.Decimal`."""

from __future__ import annotations

import decimal
from decimal import Decimal
from typing import Any

# IEEE 754 decimal128: 34 significant digits, exponents clamped to its range, banker's rounding.
NUMBER_CONTEXT = decimal.Context(
    prec=34,
    rounding=decimal.ROUND_HALF_EVEN,
    Emax=6144,
    Emin=-6143,
    clamp=1,
    traps=[decimal.InvalidOperation, decimal.DivisionByZero, decimal.Overflow],
)

ZERO = Decimal(0)
ONE = Decimal(1)

# Whole numbers up to this many digits become Python ints; beyond, int() and str() of the
# result grow costly while decimal128 keeps only 34 significant digits anyway.
_MAX_INTEGER_DIGITS = 34


def to_feel_number(value: Decimal | int | float) -> Decimal | None:
    """The decimal128 number for a Python number, rounded to 34 digits.

    None for NaN, infinities and magnitudes beyond decimal128's exponent range; the cost is
    bounded by the size of `value` (no conversion to a huge int or text).
    """
    try:
        # Floats via their shortest repr, as as_decimal does: 0.1 stays 0.1.
        number = NUMBER_CONTEXT.create_decimal(repr(value) if type(value) is float else value)
    except ArithmeticError:  # Overflow, or a signalling NaN
        return None
    return number if number.is_finite() else None


def is_number(value: Any) -> bool:
    """True for FEEL numbers (Decimal, also tolerated int/float), never for booleans."""
    kind = type(value)
    return kind is Decimal or kind is int or kind is float


def as_decimal(value: Any) -> Decimal:
    """Convert a tolerated Python number to Decimal (floats via their shortest repr)."""
    if type(value) is Decimal:
        return value
    if type(value) is float:
        return Decimal(repr(value))
    return Decimal(value)


def is_small_integer(value: Decimal) -> bool:
    """True for a whole number of at most 34 digits (cheap to turn into an int and back)."""
    return value.adjusted() < _MAX_INTEGER_DIGITS and value == value.to_integral_value()


def format_number(value: Decimal) -> str:
    """Render a number the way FEEL's string() does: plain notation, no trailing zeros."""
    if not value.is_finite():
        return str(value)
    if value == 0:
        return "0"
    normalized = value.normalize(NUMBER_CONTEXT)
    return format(normalized, "f")


def to_integer(value: Any) -> int | None:
    """Return the int for a whole FEEL number of at most 34 digits, else None."""
    if not is_number(value):
        return None
    number = as_decimal(value)
    if not number.is_finite() or not is_small_integer(number):
        return None
    return int(number)


def to_index(value: Any) -> int | None:
    """Return an int for a FEEL number used as a position or count (truncates decimals).

    Numbers beyond 34 digits are no position in any list: None.
    """
    if not is_number(value):
        return None
    number = as_decimal(value)
    if not number.is_finite() or number.adjusted() >= _MAX_INTEGER_DIGITS:
        return None
    return int(number)
