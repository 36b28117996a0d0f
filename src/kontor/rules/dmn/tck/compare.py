"""Comparison of actual and expected TCK values (numbers by value, temporals by FEEL equality)."""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Context, Decimal, InvalidOperation
from typing import Any

from kontor.rules.dmn import feel_bridge

_DECIMAL128 = Context(prec=34)


def _number(value: Any) -> Decimal | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, Decimal):
        return value
    if isinstance(value, int | float):
        return Decimal(str(value))
    return None


def numbers_match(expected: Decimal, actual: Decimal) -> bool:
    """Equal as decimal128 numbers.

    TCK expectations of irrational results are rounded renderings (e.g. 8 decimals of exp(4),
    or a double's 15-17 digits). An expectation with 8 or more significant digits therefore
    also matches when the actual value rounds to it, or differs relatively by < 1e-12.
    Short expectations such as 0.3 must match exactly.
    """
    if _DECIMAL128.plus(expected) == _DECIMAL128.plus(actual):
        return True
    if not expected.is_finite() or not actual.is_finite():
        return False
    digits = len(expected.normalize().as_tuple().digits)
    if digits < 8:
        return False
    exponent = expected.as_tuple().exponent
    if isinstance(exponent, int) and exponent < 0:
        try:
            rounded = actual.quantize(
                Decimal(1).scaleb(exponent), rounding=ROUND_HALF_EVEN, context=_DECIMAL128
            )
        except InvalidOperation:  # too many digits for decimal128: not a match by rounding
            rounded = None
        if rounded == expected:
            return True
    return abs(expected - actual) <= max(abs(expected), abs(actual)) * Decimal("1e-12")


def describe(value: Any) -> str:
    """Short readable form of a value for failure reasons."""
    try:
        text = repr(feel_bridge.to_json(value))
    except Exception:  # some FEEL values may not convert; fall back to repr
        text = repr(value)
    return text if len(text) <= 200 else text[:197] + "..."


def values_match(expected: Any, actual: Any) -> bool:
    """Deep comparison: lists by position, contexts by key set, numbers to 34 digits."""
    if expected is None or actual is None:
        return expected is None and actual is None
    expected_number, actual_number = _number(expected), _number(actual)
    if expected_number is not None or actual_number is not None:
        if expected_number is None or actual_number is None:
            return False
        if expected_number.is_nan() or actual_number.is_nan():
            return expected_number.is_nan() and actual_number.is_nan()
        return numbers_match(expected_number, actual_number)
    if isinstance(expected, bool) or isinstance(actual, bool):
        return expected is actual
    if isinstance(expected, list):
        return (
            isinstance(actual, list)
            and len(actual) == len(expected)
            and all(values_match(e, a) for e, a in zip(expected, actual, strict=True))
        )
    if isinstance(expected, dict):
        return (
            isinstance(actual, dict)
            and set(actual) == set(expected)
            and all(values_match(expected[key], actual[key]) for key in expected)
        )
    if isinstance(expected, str) or isinstance(actual, str):
        return bool(expected == actual)
    if type(expected) is not type(actual):
        return False
    try:
        same = feel_bridge.feel().evaluate(
            "expected = actual", {"expected": expected, "actual": actual}
        )
    except Exception:  # FEEL cannot compare: fall back to Python equality
        same = None
    return bool(same) if same is not None else bool(expected == actual)
