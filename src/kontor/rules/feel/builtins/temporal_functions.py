"""Date and time built-ins (DMN 1.5 §10.3.4.6) and the boolean `not`."""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from kontor.rules.feel.builtins.base import builtin, need_date
from kontor.rules.feel.temporal import time_offset
from kontor.rules.feel.wide_arithmetic import same_wide
from kontor.rules.feel.wide_values import WIDE_KINDS

_MONTHS = (
    "January", "February", "March", "April", "May", "June", "July", "August",
    "September", "October", "November", "December",
)  # fmt: skip
_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def _is(left: Any, right: Any) -> bool:
    """Same kind and identical value, including zone (unlike `=`)."""
    if left is None or right is None or type(left) is not type(right):
        return False
    if type(left) is time:
        return bool(
            left.replace(tzinfo=None) == right.replace(tzinfo=None)
            and time_offset(left) == time_offset(right)
            and _zone_key(left) == _zone_key(right)
        )
    if type(left) is datetime:
        return bool(
            left.replace(tzinfo=None) == right.replace(tzinfo=None)
            and left.utcoffset() == right.utcoffset()
            and _zone_key(left) == _zone_key(right)
        )
    if type(left) in WIDE_KINDS:
        return same_wide(left, right)
    from kontor.rules.feel.operators import values_equal

    return values_equal(left, right) is True


def _zone_key(value: time | datetime) -> str | None:
    return getattr(value.tzinfo, "key", None)


def _day_of_year(value: Any) -> Decimal:
    return Decimal(need_date(value, "date").timetuple().tm_yday)


def _day_of_week(value: Any) -> str:
    return _WEEKDAYS[need_date(value, "date").weekday()]


def _month_of_year(value: Any) -> str:
    return _MONTHS[need_date(value, "date").month - 1]


def _week_of_year(value: Any) -> Decimal:
    return Decimal(need_date(value, "date").isocalendar()[1])


def _now() -> datetime:
    return datetime.now().astimezone()


def _today() -> date:
    return date.today()


def _not(negand: Any) -> bool | None:
    return (not negand) if type(negand) is bool else None


FUNCTIONS = [
    builtin("not", ("negand",), _not),
    builtin("is", ("value1", "value2"), _is),
    builtin("day of year", ("date",), _day_of_year),
    builtin("day of week", ("date",), _day_of_week),
    builtin("month of year", ("date",), _month_of_year),
    builtin("week of year", ("date",), _week_of_year),
    builtin("now", (), _now),
    builtin("today", (), _today),
]
