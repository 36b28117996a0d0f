"""FEEL numbers: decimal128-like arithmetic on `decimal.Decimal`."""

from __future__ import annotations

import decimal
from decimal import Decimal
from typing import Any

# IEEE 754 decimal128: 34 significant digits, exponent range +-6143, banker's rounding.
NUMBER_CONTEXT = decimal.Context(
    prec=34,
    rounding=decimal.ROUND_HALF_EVEN,
    Emax=6144,
    Emin=-6143,
    traps=[decimal.InvalidOperation, decimal.DivisionByZero, decimal.Overflow],
)

ZERO = Decimal(0)
ONE = Decimal(1)


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


def format_number(value: Decimal) -> str:
    """Render a number the way FEEL's string() does: plain notation, no trailing zeros."""
    if not value.is_finite():
        return str(value)
    if value == 0:
        return "0"
    normalized = value.normalize(NUMBER_CONTEXT)
    return format(normalized, "f")


def to_integer(value: Any) -> int | None:
    """Return the int for a whole FEEL number, else None."""
    if not is_number(value):
        return None
    number = as_decimal(value)
    if not number.is_finite() or number != number.to_integral_value():
        return None
    return int(number)


def to_index(value: Any) -> int | None:
    """Return an int for a FEEL number used as a position or count (truncates decimals)."""
    if not is_number(value):
        return None
    number = as_decimal(value)
    if not number.is_finite():
        return None
    return int(number)
