"""Conversion between Python/JSON values and FEEL values."""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from kontor.rules.feel.durations import DaysTimeDuration, YearsMonthsDuration
from kontor.rules.feel.numbers import format_number
from kontor.rules.feel.temporal import format_temporal
from kontor.rules.feel.values import FeelFunction, Range

# Types that scope lookups convert on the fly (cheap check on the hot path).
NEEDS_CONVERSION = frozenset({int, float, tuple, timedelta})


def to_feel(value: Any) -> Any:
    """Python/JSON value -> FEEL value (numbers become Decimal, containers are converted deeply)."""
    kind = type(value)
    if value is None or kind is bool or kind is str or kind is Decimal:
        return value
    if kind is int:
        return Decimal(value)
    if kind is float:
        if math.isnan(value) or math.isinf(value):
            return None
        return Decimal(repr(value))
    if kind in (date, datetime, time, DaysTimeDuration, YearsMonthsDuration, Range):
        return value
    if kind is timedelta:
        return DaysTimeDuration.from_timedelta(value)
    if isinstance(value, FeelFunction):
        return value
    if isinstance(value, Mapping):
        return {str(key): to_feel(item) for key, item in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [to_feel(item) for item in value]
    if isinstance(value, Decimal):
        return Decimal(value)
    return value


def to_json(value: Any) -> Any:
    """FEEL value -> JSON-compatible value (whole numbers become int, other numbers float)."""
    kind = type(value)
    if value is None or kind is bool or kind is str or kind is int:
        return value
    if kind is Decimal:
        if not value.is_finite():
            return None
        if value == value.to_integral_value():
            return int(value)
        as_float = float(value)
        # Keep the exact decimal text when a float would lose digits.
        return as_float if Decimal(repr(as_float)) == value else format_number(value)
    if kind is float:
        return value
    temporal = format_temporal(value)
    if temporal is not None:
        return temporal
    if kind is list:
        return [to_json(item) for item in value]
    if kind is dict:
        return {key: to_json(item) for key, item in value.items()}
    if kind is Range:
        return {
            "start": to_json(value.start),
            "end": to_json(value.end),
            "start included": value.start_included,
            "end included": value.end_included,
        }
    if isinstance(value, FeelFunction):
        return None
    return value
