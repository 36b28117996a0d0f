"""FEEL dates and times beyond Python's: years outside 1..9999 and nanosecond fractions.

Ordinary values stay Python `date`, `time` and `datetime` (the fast path). Only a value Python
cannot hold becomes one of the types here. A wide date keeps a Python `base` value whose year
lies a whole number of 400-year Gregorian cycles (`shift` years) from the real year: the
calendar repeats every 400 years, so month lengths, leap days and weekdays of the base are the
real ones. `settle_*` return the Python type whenever the value fits it, so every value has
exactly one form.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, tzinfo
from typing import Any

CYCLE_YEARS = 400
CYCLE_DAYS = 146_097
# DMN 1.5 allows years -999,999,999..999,999,999.
MAX_YEAR = 999_999_999
_WINDOW_START = 2000
_REFERENCE_DAY = date(1970, 1, 1)


def window_year(year: int) -> int:
    """The year in 2000..2399 with the same calendar as `year`."""
    return _WINDOW_START + (year - _WINDOW_START) % CYCLE_YEARS


def base_year(year: int) -> int:
    """The year a base value uses: the year itself when Python holds it, else `window_year`."""
    return year if 1 <= year <= 9999 else window_year(year)


def _check_year(year: int) -> None:
    if not -MAX_YEAR <= year <= MAX_YEAR:
        raise ValueError(f"year {year} is beyond ±{MAX_YEAR}")


class WideDate:
    """A date whose year Python's `date` cannot hold."""

    __slots__ = ("base", "shift")

    def __init__(self, base: date, shift: int) -> None:
        self.base = base
        self.shift = shift

    @property
    def year(self) -> int:
        """The real year."""
        return self.base.year + self.shift

    @property
    def month(self) -> int:
        """Month 1..12."""
        return self.base.month

    @property
    def day(self) -> int:
        """Day of the month."""
        return self.base.day

    def weekday(self) -> int:
        """Monday is 0 (the same as the base's: the 400-year cycle has whole weeks)."""
        return self.base.weekday()

    def isoweekday(self) -> int:
        """Monday is 1."""
        return self.base.isoweekday()

    def timetuple(self) -> Any:
        """Time tuple of the base (for the day of the year)."""
        return self.base.timetuple()

    def isocalendar(self) -> Any:
        """ISO calendar of the base (for the week of the year)."""
        return self.base.isocalendar()

    def __eq__(self, other: object) -> bool:
        from kontor.rules.feel.wide_arithmetic import wide_equal

        return wide_equal(self, other) is True

    def __hash__(self) -> int:
        return hash((self.base, self.shift))

    def __repr__(self) -> str:
        return f"WideDate({self.year}, {self.month}, {self.day})"


class WideTime:
    """A time with a fraction finer than microseconds (`nanos` beyond the base's microseconds)."""

    __slots__ = ("base", "nanos")

    def __init__(self, base: time, nanos: int) -> None:
        self.base = base
        self.nanos = nanos

    @property
    def hour(self) -> int:
        """Hour 0..23."""
        return self.base.hour

    @property
    def minute(self) -> int:
        """Minute 0..59."""
        return self.base.minute

    @property
    def second(self) -> int:
        """Whole seconds."""
        return self.base.second

    @property
    def microsecond(self) -> int:
        """Microseconds of the fraction."""
        return self.base.microsecond

    @property
    def tzinfo(self) -> tzinfo | None:
        """Zone or offset, None for a local time."""
        return self.base.tzinfo

    def utcoffset(self) -> timedelta | None:
        """Offset; a zone id's offset on a fixed reference day."""
        zone = self.base.tzinfo
        if zone is None:
            return None
        return zone.utcoffset(datetime.combine(_REFERENCE_DAY, self.base))

    def __eq__(self, other: object) -> bool:
        from kontor.rules.feel.wide_arithmetic import wide_equal

        return wide_equal(self, other) is True

    def __hash__(self) -> int:
        from kontor.rules.feel.wide_arithmetic import wide_hash

        return wide_hash(self)

    def __repr__(self) -> str:
        return f"WideTime({self.base!r}, nanos={self.nanos})"


class WideDateTime:
    """A date and time with a year beyond 1..9999 or a fraction finer than microseconds."""

    __slots__ = ("base", "nanos", "shift")

    def __init__(self, base: datetime, shift: int, nanos: int) -> None:
        self.base = base
        self.shift = shift
        self.nanos = nanos

    @property
    def year(self) -> int:
        """The real year."""
        return self.base.year + self.shift

    @property
    def month(self) -> int:
        """Month 1..12."""
        return self.base.month

    @property
    def day(self) -> int:
        """Day of the month."""
        return self.base.day

    @property
    def hour(self) -> int:
        """Hour 0..23."""
        return self.base.hour

    @property
    def minute(self) -> int:
        """Minute 0..59."""
        return self.base.minute

    @property
    def second(self) -> int:
        """Whole seconds."""
        return self.base.second

    @property
    def microsecond(self) -> int:
        """Microseconds of the fraction."""
        return self.base.microsecond

    @property
    def tzinfo(self) -> tzinfo | None:
        """Zone or offset, None for a local value."""
        return self.base.tzinfo

    def utcoffset(self) -> timedelta | None:
        """Offset from UTC (of the base: a far year uses its zone's rules of the base year)."""
        return self.base.utcoffset()

    def weekday(self) -> int:
        """Monday is 0."""
        return self.base.weekday()

    def isoweekday(self) -> int:
        """Monday is 1."""
        return self.base.isoweekday()

    def timetuple(self) -> Any:
        """Time tuple of the base (for the day of the year)."""
        return self.base.timetuple()

    def isocalendar(self) -> Any:
        """ISO calendar of the base (for the week of the year)."""
        return self.base.isocalendar()

    def date(self) -> date | WideDate:
        """The calendar date."""
        return settle_date(self.base.date(), self.shift)

    def timetz(self) -> time | WideTime:
        """The time of day with its zone."""
        return settle_time(self.base.timetz(), self.nanos)

    def __eq__(self, other: object) -> bool:
        from kontor.rules.feel.wide_arithmetic import wide_equal

        return wide_equal(self, other) is True

    def __hash__(self) -> int:
        from kontor.rules.feel.wide_arithmetic import wide_hash

        return wide_hash(self)

    def __repr__(self) -> str:
        return f"WideDateTime({self.base!r}, shift={self.shift}, nanos={self.nanos})"


# A value with a calendar date: a date or date and time, plain or wide.
CalendarDay = date | WideDate | WideDateTime
WIDE_KINDS = frozenset({WideDate, WideTime, WideDateTime})
DAY_KINDS = frozenset({date, WideDate})
MOMENT_KINDS = frozenset({datetime, WideDateTime})
TIME_KINDS = frozenset({time, WideTime})


def make_date(year: int, month: int, day: int) -> date | WideDate:
    """A date of any FEEL year; ValueError for an impossible one."""
    _check_year(year)
    shown = base_year(year)
    return settle_date(date(shown, month, day), year - shown)


def settle_date(base: date, shift: int) -> date | WideDate:
    """The one form of a date: Python's when it fits, else a wide date with a window base."""
    if shift == 0:
        return base
    year = base.year + shift
    _check_year(year)
    shown = base_year(year)
    moved = base.replace(year=shown)
    return moved if shown == year else WideDate(moved, year - shown)


def settle_time(base: time, nanos: int) -> time | WideTime:
    """The one form of a time: Python's unless it has nanoseconds."""
    return base if nanos == 0 else WideTime(base, nanos)


def settle_date_and_time(base: datetime, shift: int, nanos: int) -> datetime | WideDateTime:
    """The one form of a date and time: Python's when it fits, else a wide one."""
    year = base.year + shift
    if shift == 0 and nanos == 0:
        return base
    _check_year(year)
    shown = base_year(year)
    moved = base if shown == base.year else base.replace(year=shown)
    if shown == year and nanos == 0:
        return moved
    return WideDateTime(moved, year - shown, nanos)


def combine(day: Any, moment: Any) -> datetime | WideDateTime:
    """A date (plain or wide) and a time (plain or wide) as one date and time."""
    day_base, shift = (day.base, day.shift) if type(day) is WideDate else (day, 0)
    time_base, nanos = (moment.base, moment.nanos) if type(moment) is WideTime else (moment, 0)
    return settle_date_and_time(datetime.combine(day_base, time_base), shift, nanos)
