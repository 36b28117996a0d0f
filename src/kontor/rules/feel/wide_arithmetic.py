"""Equality, ordering, arithmetic and properties of dates and times when one of them is wide.

The operators call these only when a value is wide or Python's arithmetic overflows, so
ordinary dates never pass through here. Plain and wide values mix freely.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from kontor.rules.feel.durations import DaysTimeDuration
from kontor.rules.feel.errors import FeelDataError
from kontor.rules.feel.wide_values import (
    CYCLE_DAYS,
    CYCLE_YEARS,
    DAY_KINDS,
    MOMENT_KINDS,
    TIME_KINDS,
    WideDate,
    WideDateTime,
    WideTime,
    base_year,
    settle_date,
    settle_date_and_time,
    settle_time,
    window_year,
)

_NANOS_PER_DAY = 86_400 * 10**9
_MICROS_PER_DAY = 86_400 * 10**6


def _moment_parts(value: Any) -> tuple[int, datetime, int]:
    """(shift, base, nanos) of a date (at midnight) or date and time, plain or wide."""
    kind = type(value)
    if kind is datetime:
        return 0, value, 0
    if kind is WideDateTime:
        return value.shift, value.base, value.nanos
    if kind is date:
        return 0, datetime.combine(value, time()), 0
    return value.shift, datetime.combine(value.base, time()), 0


def _time_parts(value: Any) -> tuple[time, int]:
    return (value.base, value.nanos) if type(value) is WideTime else (value, 0)


def _day_number(base: datetime | date, shift: int) -> int:
    return base.toordinal() + shift // CYCLE_YEARS * CYCLE_DAYS


def _nanos_of_day(moment: datetime | time, nanos: int) -> int:
    seconds = (moment.hour * 60 + moment.minute) * 60 + moment.second
    return (seconds * 1_000_000 + moment.microsecond) * 1000 + nanos


def _offset_nanos(offset: timedelta) -> int:
    return (offset // timedelta(microseconds=1)) * 1000


def _moment_key(value: Any, day_is_utc: bool) -> tuple[bool, int]:
    """(has offset, nanoseconds since day 0 in UTC; a local value counts its wall clock)."""
    shift, base, nanos = _moment_parts(value)
    key = _day_number(base, shift) * _NANOS_PER_DAY + _nanos_of_day(base, nanos)
    if type(value) in DAY_KINDS:
        return day_is_utc, key
    offset = base.utcoffset()
    if offset is None:
        return False, key
    return True, key - _offset_nanos(offset)


def _time_key(value: Any) -> tuple[bool, int]:
    base, nanos = _time_parts(value)
    key = _nanos_of_day(base, nanos)
    offset = value.utcoffset() if type(value) is WideTime else _plain_time_offset(base)
    if offset is None:
        return False, key
    return True, key - _offset_nanos(offset)


def _plain_time_offset(value: time) -> timedelta | None:
    from kontor.rules.feel.temporal import time_offset

    return time_offset(value)


def _both_days(left: Any, right: Any) -> bool:
    return type(left) in DAY_KINDS and type(right) in DAY_KINDS


def _is_calendar(kind: type) -> bool:
    return kind in DAY_KINDS or kind in MOMENT_KINDS


def wide_equal(left: Any, right: Any) -> bool | None:
    """FEEL `=` of two dates/times of which at least one is wide; None for other kinds."""
    left_kind, right_kind = type(left), type(right)
    if _is_calendar(left_kind) and _is_calendar(right_kind):
        left_key = _moment_key(left, day_is_utc=not _both_days(left, right))
        right_key = _moment_key(right, day_is_utc=not _both_days(left, right))
        return left_key == right_key
    if left_kind in TIME_KINDS and right_kind in TIME_KINDS:
        return _time_key(left) == _time_key(right)
    return None


def wide_hash(value: WideTime | WideDateTime) -> int:
    """Hash by instant, so that values FEEL finds equal hash alike."""
    if type(value) is WideTime:
        return hash(_time_key(value))
    return hash(_moment_key(value, day_is_utc=False)[1])


def wide_compare(left: Any, right: Any) -> int | None:
    """-1/0/1 ordering of two dates/times of which one is wide; None when not comparable."""
    left_kind, right_kind = type(left), type(right)
    if _is_calendar(left_kind) and _is_calendar(right_kind):
        # A local value is compared as if in UTC, as for plain values.
        left_ns = _moment_key(left, day_is_utc=True)[1]
        right_ns = _moment_key(right, day_is_utc=True)[1]
        return (left_ns > right_ns) - (left_ns < right_ns)
    if left_kind in TIME_KINDS and right_kind in TIME_KINDS:
        left_key, right_key = _time_key(left), _time_key(right)
        if left_key[0] != right_key[0]:
            return None
        return (left_key > right_key) - (left_key < right_key)
    return None


def wide_difference(left: Any, right: Any) -> DaysTimeDuration:
    """`left - right` of two dates, date and times or times, one of them wide."""
    if _both_days(left, right):
        days = _moment_key(left, False)[1] - _moment_key(right, False)[1]
        return DaysTimeDuration(days // 10**9)
    if type(left) in TIME_KINDS and type(right) in TIME_KINDS:
        left_key, right_key = _time_key(left), _time_key(right)
    elif _is_calendar(type(left)) and _is_calendar(type(right)):
        left_key, right_key = _moment_key(left, True), _moment_key(right, True)
    else:
        raise FeelDataError("type-mismatch", "cannot subtract these temporal values")
    if left_key[0] != right_key[0]:
        raise FeelDataError("type-mismatch", "cannot subtract a value with zone and one without")
    return DaysTimeDuration(Decimal(left_key[1] - right_key[1]).scaleb(-9))


def _move(base: datetime, delta: timedelta) -> datetime:
    zone = base.tzinfo
    if zone is None or zone is UTC:
        return base + delta
    # Durations are exact time spans: move the instant, then show it in the original zone.
    return (base.astimezone(UTC) + delta).astimezone(zone)


def _to_window(shift: int, base: datetime) -> tuple[int, datetime]:
    year = base.year + shift
    shown = window_year(year)
    return year - shown, base.replace(year=shown)


def _add_nanos(value: Any, delta_nanos: int) -> tuple[int, datetime, int]:
    shift, base, nanos = _moment_parts(value)
    micros, nanos = divmod(nanos + delta_nanos, 1000)
    try:
        return shift, _move(base, timedelta(microseconds=micros)), nanos
    except OverflowError:
        pass
    days, rest = divmod(micros, _MICROS_PER_DAY)
    cycles, days = divmod(days, CYCLE_DAYS)
    shift, base = _to_window(shift, base)
    moved = _move(base, timedelta(days=days, microseconds=rest))
    return shift + cycles * CYCLE_YEARS, moved, nanos


def _duration_nanos(duration: DaysTimeDuration) -> int:
    return int(duration.seconds.scaleb(9).to_integral_value())


def wide_shift(value: Any, duration: DaysTimeDuration, sign: int) -> Any:
    """A date, date and time or time plus (sign 1) or minus (sign -1) a days-time duration."""
    delta = sign * _duration_nanos(duration)
    try:
        kind = type(value)
        if kind in TIME_KINDS:
            base, nanos = _time_parts(value)
            total = (_nanos_of_day(base, nanos) + delta) % _NANOS_PER_DAY
            micros, nanos = divmod(total, 1000)
            clock = (datetime.min + timedelta(microseconds=micros)).time()
            return settle_time(clock.replace(tzinfo=base.tzinfo), nanos)
        shift, moved, nanos = _add_nanos(value, delta)
        if kind in DAY_KINDS:
            return settle_date(moved.date(), shift)
        return settle_date_and_time(moved, shift, nanos)
    except (ValueError, OverflowError) as error:
        raise FeelDataError("out-of-range", f"date out of supported range: {error}") from error


def _days_in_month(year: int, month: int) -> int:
    shown = window_year(year)
    following = date(shown + 1, 1, 1) if month == 12 else date(shown, month + 1, 1)
    return (following - date(shown, month, 1)).days


def wide_add_months(value: Any, months: int) -> Any:
    """A date or date and time plus months, the day clamped to the end of the target month."""
    shift, base, nanos = _moment_parts(value)
    total = (base.year + shift) * 12 + (base.month - 1) + months
    year, month_index = divmod(total, 12)
    day = min(base.day, _days_in_month(year, month_index + 1))
    shown = base_year(year)
    try:
        moved = base.replace(year=shown, month=month_index + 1, day=day)
        if type(value) in DAY_KINDS:
            return settle_date(moved.date(), year - shown)
        return settle_date_and_time(moved, year - shown, nanos)
    except ValueError as error:
        raise FeelDataError("out-of-range", f"date out of supported range: {error}") from error


def wide_seconds(value: Any) -> Decimal:
    """The 'second' property with its fraction down to nanoseconds."""
    fraction = value.microsecond * 1000 + getattr(value, "nanos", 0)
    return Decimal(value.second) + Decimal(fraction).scaleb(-9)


def same_wide(left: Any, right: Any) -> bool:
    """FEEL is(): same kind, same fields, same zone."""
    if type(left) is not type(right):
        return False
    if type(left) is WideDate:
        return bool(left.base == right.base and left.shift == right.shift)
    zone_key = getattr(left.tzinfo, "key", None), getattr(right.tzinfo, "key", None)
    return bool(
        left.base.replace(tzinfo=None) == right.base.replace(tzinfo=None)
        and left.utcoffset() == right.utcoffset()
        and zone_key[0] == zone_key[1]
        and left.nanos == right.nanos
        and getattr(left, "shift", 0) == getattr(right, "shift", 0)
    )
