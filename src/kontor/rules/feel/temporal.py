"""FEEL temporal values: parsing, formatting, comparison and properties of dates and times."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from kontor.rules.feel.durations import DaysTimeDuration, YearsMonthsDuration
from kontor.rules.feel.wide_values import (
    CalendarDay,
    WideDate,
    WideDateTime,
    WideTime,
    combine,
    make_date,
    settle_time,
)

_DATE_PATTERN = re.compile(r"(-?(?:[1-9]\d{4,}|\d{4}))-(\d\d)-(\d\d)")
_TIME_PATTERN = re.compile(
    r"(\d\d):(\d\d):(\d\d)(?:\.(\d+))?(Z|z|[+-]\d\d:\d\d(?::\d\d)?|@[A-Za-z0-9_+\-/]+)?"
)
# '-999999999': the longest year DMN 1.5 allows.
_LONGEST_YEAR = 10
_ZONE_CACHE: dict[str, tzinfo] = {}
# Reference day to give zone-id times (which have no date) a concrete offset.
_REFERENCE_DAY = date(1970, 1, 1)


def parse_zone(text: str) -> tzinfo | None:
    """Turn 'Z', '+02:00' or '@Europe/Paris' into a tzinfo; None if unknown."""
    cached = _ZONE_CACHE.get(text)
    if cached is not None:
        return cached
    zone: tzinfo | None
    if text in ("Z", "z"):
        zone = UTC
    elif text.startswith("@"):
        try:
            zone = ZoneInfo(text[1:])
        except (ZoneInfoNotFoundError, ValueError):
            return None
    else:
        sign = -1 if text[0] == "-" else 1
        parts = [int(part) for part in text[1:].split(":")]
        offset = timedelta(
            hours=parts[0], minutes=parts[1], seconds=parts[2] if len(parts) > 2 else 0
        )
        if offset > timedelta(hours=14):
            return None
        zone = timezone(sign * offset)
    _ZONE_CACHE[text] = zone
    return zone


def parse_date(text: str) -> date | WideDate | None:
    """Parse YYYY-MM-DD (years up to ±999,999,999); None for invalid dates."""
    match = _DATE_PATTERN.fullmatch(text)
    if match is None or len(match.group(1)) > _LONGEST_YEAR:
        return None
    year, month, day = int(match.group(1)), int(match.group(2)), int(match.group(3))
    try:
        return date(year, month, day)
    except ValueError:
        pass
    try:
        return make_date(year, month, day) if not 1 <= year <= 9999 else None
    except ValueError:
        return None


def parse_time(text: str) -> time | WideTime | None:
    """Parse hh:mm:ss[.fffffffff][zone]; None when invalid (digits beyond nanoseconds drop)."""
    match = _TIME_PATTERN.fullmatch(text)
    if match is None:
        return None
    hour, minute, second, fraction, zone_text = match.groups()
    zone = None
    if zone_text is not None:
        zone = parse_zone(zone_text)
        if zone is None:
            return None
    micros = int((fraction or "0")[:6].ljust(6, "0"))
    nanos = int(fraction[6:9].ljust(3, "0")) if fraction is not None and len(fraction) > 6 else 0
    try:
        if int(hour) == 24 and int(minute) == 0 and int(second) == 0 and micros == nanos == 0:
            return time(0, 0, 0, 0, zone)
        return settle_time(time(int(hour), int(minute), int(second), micros, zone), nanos)
    except ValueError:
        return None


def parse_date_and_time(text: str) -> datetime | WideDateTime | None:
    """Parse a date, or a date 'T' time; a plain date means midnight."""
    if "T" not in text:
        parsed_date = parse_date(text)
        return None if parsed_date is None else combine(parsed_date, time())
    date_text, _, time_text = text.partition("T")
    parsed_date = parse_date(date_text)
    parsed_time = parse_time(time_text)
    if parsed_date is None or parsed_time is None:
        return None
    if type(parsed_date) is not date or type(parsed_time) is not time:
        return _wide_date_and_time(parsed_date, parsed_time, time_text)
    result = datetime.combine(parsed_date, parsed_time)
    if time_text.startswith("24:00:00"):
        result += timedelta(days=1)
    return result


def _wide_date_and_time(day: Any, moment: Any, time_text: str) -> datetime | WideDateTime | None:
    from kontor.rules.feel.wide_arithmetic import wide_shift

    try:
        result = combine(day, moment)
        if time_text.startswith("24:00:00"):
            result = wide_shift(result, DaysTimeDuration(86400), 1)
    except (ValueError, ArithmeticError):
        return None
    return result


def parse_temporal_literal(text: str) -> Any:
    """Parse the string of an @-literal into a date, time, date and time or duration."""
    from kontor.rules.feel.durations import parse_duration

    if text.startswith(("P", "-P")):
        return parse_duration(text)
    if "T" in text.partition("@")[0]:
        return parse_date_and_time(text)
    if _DATE_PATTERN.fullmatch(text):
        return parse_date(text)
    return parse_time(text)


def format_zone(zone: tzinfo | None, moment: datetime | None = None) -> str:
    """Render a tzinfo as FEEL does: 'Z', '+01:00' or '@Region/City'."""
    if zone is None:
        return ""
    if isinstance(zone, ZoneInfo):
        return "@" + zone.key
    offset = zone.utcoffset(moment)
    if offset is None:
        return ""
    if offset == timedelta(0):
        return "Z"
    sign = "-" if offset < timedelta(0) else "+"
    total = abs(int(offset.total_seconds()))
    hours, rest = divmod(total, 3600)
    minutes, seconds = divmod(rest, 60)
    text = f"{sign}{hours:02d}:{minutes:02d}"
    return text + f":{seconds:02d}" if seconds else text


def format_time(value: time) -> str:
    """Render a time as hh:mm:ss[.ffffff][zone]."""
    text = f"{value.hour:02d}:{value.minute:02d}:{value.second:02d}"
    if value.microsecond:
        text += "." + f"{value.microsecond:06d}".rstrip("0")
    return text + format_zone(value.tzinfo)


def format_date(value: date | WideDate) -> str:
    """Render a date as YYYY-MM-DD (a negative year with a leading '-')."""
    year = value.year
    year_text = f"{year:04d}" if year >= 0 else f"-{-year:04d}"
    return f"{year_text}-{value.month:02d}-{value.day:02d}"


def _format_wide_time(value: WideTime) -> str:
    base = value.base
    text = f"{base.hour:02d}:{base.minute:02d}:{base.second:02d}"
    fraction = f"{base.microsecond:06d}{value.nanos:03d}".rstrip("0")
    return f"{text}.{fraction}{format_zone(base.tzinfo)}"


def format_date_and_time(value: datetime) -> str:
    """Render a date and time as YYYY-MM-DDThh:mm:ss[zone]."""
    return format_date(value.date()) + "T" + format_time(value.timetz())


def time_offset(value: time) -> timedelta | None:
    """UTC offset of a time; zone-id times use the offset on a fixed reference day."""
    zone = value.tzinfo
    if zone is None:
        return None
    return zone.utcoffset(datetime.combine(_REFERENCE_DAY, value))


def time_sort_key(value: time) -> tuple[bool, int]:
    """Key to compare times; times with offsets compare by their UTC instant."""
    micros = ((value.hour * 60 + value.minute) * 60 + value.second) * 1_000_000 + value.microsecond
    offset = time_offset(value)
    if offset is None:
        return (False, micros)
    micros -= int(offset.total_seconds() * 1_000_000)
    return (True, micros)


def times_equal(left: time, right: time) -> bool:
    """FEEL time equality: same instant, and both with or both without zone."""
    return time_sort_key(left) == time_sort_key(right)


def compare_times(left: time, right: time) -> int | None:
    """-1/0/1 ordering of two times, None if only one has a zone."""
    left_key, right_key = time_sort_key(left), time_sort_key(right)
    if left_key[0] != right_key[0]:
        return None
    return (left_key > right_key) - (left_key < right_key)


def compare_date_and_times(left: datetime, right: datetime) -> int | None:
    """-1/0/1 ordering of two date and times; a local one is compared as if in UTC."""
    if (left.tzinfo is None) != (right.tzinfo is None):
        if left.tzinfo is None:
            left = left.replace(tzinfo=UTC)
        else:
            right = right.replace(tzinfo=UTC)
    return (left > right) - (left < right)


def date_and_times_equal(left: datetime, right: datetime) -> bool:
    """FEEL date and time equality (same instant; local values compared as local)."""
    if (left.tzinfo is None) != (right.tzinfo is None):
        return False
    return left == right


def add_months(value: date, months: int) -> date:
    """Add months to a date, clamping the day to the end of the target month."""
    total = value.year * 12 + (value.month - 1) + months
    year, month_index = divmod(total, 12)
    day = min(value.day, _days_in_month(year, month_index + 1))
    return value.replace(year=year, month=month_index + 1, day=day)


def _days_in_month(year: int, month: int) -> int:
    if month == 12:
        return 31
    return (date(year, month + 1, 1) - date(year, month, 1)).days


def months_between(later: CalendarDay, earlier: CalendarDay) -> int:
    """Whole months from `earlier` to `later` (as years and months duration uses)."""
    # Only the calendar dates count (the time of day is ignored, as the TCK expects).
    months = (later.year - earlier.year) * 12 + (later.month - earlier.month)
    if months > 0 and later.day < earlier.day:
        months -= 1
    elif months < 0 and later.day > earlier.day:
        months += 1
    return months


def seconds_value(value: time | datetime) -> Decimal:
    """The 'second' property including fractions."""
    if value.microsecond:
        return Decimal(value.second) + Decimal(value.microsecond).scaleb(-6)
    return Decimal(value.second)


def offset_duration(value: time | datetime) -> DaysTimeDuration | None:
    """The 'time offset' property as a days and time duration, or None."""
    offset = time_offset(value) if type(value) is time else value.utcoffset()
    return None if offset is None else DaysTimeDuration.from_timedelta(offset)


def zone_name(value: time | datetime) -> str | None:
    """The 'timezone' property: the zone id, or None for offsets and local values."""
    zone = value.tzinfo
    if isinstance(zone, ZoneInfo):
        return zone.key
    return None


def format_temporal(value: Any) -> str | None:
    """Render any temporal or duration value, None for other values."""
    kind = type(value)
    if kind is date:
        return format_date(value)
    if kind is datetime:
        return format_date_and_time(value)
    if kind is time:
        return format_time(value)
    if kind is DaysTimeDuration or kind is YearsMonthsDuration:
        return str(value.isoformat())
    return _format_wide(value)


def _format_wide(value: Any) -> str | None:
    kind = type(value)
    if kind is WideDate:
        return format_date(value)
    if kind is WideTime:
        return _format_wide_time(value)
    if kind is WideDateTime:
        clock = value.timetz()
        clock_text = _format_wide_time(clock) if type(clock) is WideTime else format_time(clock)
        return format_date(value) + "T" + clock_text
    return None
