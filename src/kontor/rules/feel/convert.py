"""Conversion between Python/JSON values and FEEL values."""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from kontor.rules.feel.durations import DaysTimeDuration, YearsMonthsDuration
from kontor.rules.feel.errors import FeelWarning
from kontor.rules.feel.numbers import format_number, is_small_integer, to_feel_number
from kontor.rules.feel.temporal import format_temporal
from kontor.rules.feel.values import FeelFunction, Range
from kontor.rules.feel.wide_values import WIDE_KINDS

# Types that scope lookups convert on the fly (cheap check on the hot path).
NEEDS_CONVERSION = frozenset({int, float, tuple, timedelta})

# Integers below 34 digits are decimal128 numbers as they are (the common case: no rounding).
_EXACT_INTEGERS = 10**34


def to_feel(value: Any, warnings: list[FeelWarning] | None = None) -> Any:
    """Python/JSON value -> FEEL value (numbers become Decimal, containers are converted deeply).

    Numbers are rounded to decimal128; NaN, infinities and numbers beyond its range become
    null, with a warning appended to `warnings` if given.
    """
    kind = type(value)
    if value is None or kind is bool or kind is str:
        return value
    if kind is int and -_EXACT_INTEGERS < value < _EXACT_INTEGERS:
        return Decimal(value)
    if kind is Decimal or kind is int or kind is float:
        number = to_feel_number(value)
        if number is None and warnings is not None:
            warnings.append(
                FeelWarning("number-out-of-range", "a number outside decimal128 became null")
            )
        return number
    if kind in (date, datetime, time, DaysTimeDuration, YearsMonthsDuration, Range):
        return value
    if kind in WIDE_KINDS:
        return value
    if kind is timedelta:
        return DaysTimeDuration.from_timedelta(value)
    if isinstance(value, FeelFunction):
        return value
    if isinstance(value, Mapping):
        return {str(key): to_feel(item, warnings) for key, item in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [to_feel(item, warnings) for item in value]
    if isinstance(value, Decimal):
        return to_feel(Decimal(value), warnings)
    return value


def to_json(value: Any, *, exact: bool = False) -> Any:
    """FEEL value -> JSON-compatible value (whole numbers become int, other numbers float).

    With ``exact`` other numbers stay ``Decimal`` (for stores whose JSON codec keeps them).

    A number beyond decimal128 (or NaN, infinite) becomes null, so the conversion never costs
    more than the value's size and the JSON is valid.
    """
    kind = type(value)
    if value is None or kind is bool or kind is str or kind is int:
        return value
    if kind is Decimal:
        number = to_feel_number(value)
        if number is None:
            return None
        if is_small_integer(number):
            return int(number)
        if exact:
            return number
        as_float = float(number)
        # Keep the exact decimal text when a float would lose digits.
        return as_float if Decimal(repr(as_float)) == number else format_number(number)
    if kind is float:
        return value if math.isfinite(value) else None  # JSON has no NaN or infinity
    temporal = format_temporal(value)
    if temporal is not None:
        return temporal
    if kind is list:
        return [to_json(item, exact=exact) for item in value]
    if kind is dict:
        return {key: to_json(item, exact=exact) for key, item in value.items()}
    if kind is Range:
        shown = {
            "start": to_json(value.start, exact=exact),
            "end": to_json(value.end, exact=exact),
            "start included": value.start_included,
            "end included": value.end_included,
        }
        if value.operator is not None:
            shown["operator"] = value.operator  # (=a) or (!=a)
        return shown
    if isinstance(value, FeelFunction):
        return None
    return value
