"""FEEL duration values: days and time durations, years and months durations."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal
from functools import total_ordering
from typing import Any

from kontor.rules.feel.errors import FeelDataError
from kontor.rules.feel.numbers import NUMBER_CONTEXT, format_number

_SECONDS_PER_DAY = 86400
_FULL_PATTERN = re.compile(
    r"(-)?P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)D)?"
    r"(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d*)?|\.\d+)S)?)?"
)


class _DurationArithmetic:
    """Python operators on durations follow FEEL: with numbers, dates, times and durations."""

    __slots__ = ()

    def __add__(self, other: object) -> Any:
        return _apply("add", self, other)

    def __radd__(self, other: object) -> Any:
        return _apply("add", other, self)

    def __sub__(self, other: object) -> Any:
        return _apply("subtract", self, other)

    def __rsub__(self, other: object) -> Any:
        return _apply("subtract", other, self)

    def __mul__(self, other: object) -> Any:
        return _apply("multiply", self, other)

    def __rmul__(self, other: object) -> Any:
        return _apply("multiply", other, self)

    def __truediv__(self, other: object) -> Any:
        return _apply("divide", self, other)


def _apply(operation: str, left: object, right: object) -> Any:
    from kontor.rules.feel import operators
    from kontor.rules.feel.errors import FeelDataError

    try:
        return getattr(operators, operation)(left, right)
    except FeelDataError:
        return NotImplemented


# Durations keep at most decimal128's 34 digits of seconds or months, so that their parts
# (days, years) stay cheap to compute and to print.
_MAX_MAGNITUDE = Decimal("1e34")


def _check_magnitude(amount: Decimal | int) -> None:
    if not -_MAX_MAGNITUDE < amount < _MAX_MAGNITUDE:
        raise FeelDataError("duration-out-of-range", "a duration beyond 34 digits")


@total_ordering
class DaysTimeDuration(_DurationArithmetic):
    """A duration measured in (possibly fractional) seconds, like xs:dayTimeDuration."""

    __slots__ = ("seconds",)

    def __init__(self, seconds: Decimal | int) -> None:
        _check_magnitude(seconds)
        self.seconds = Decimal(seconds)

    @classmethod
    def from_timedelta(cls, delta: timedelta) -> DaysTimeDuration:
        """Build from a Python timedelta (microsecond precision)."""
        micros = (delta.days * _SECONDS_PER_DAY + delta.seconds) * 1_000_000 + delta.microseconds
        return cls(Decimal(micros).scaleb(-6))

    def to_timedelta(self) -> timedelta:
        """Convert to a Python timedelta, rounding to microseconds."""
        micros = int(self.seconds.scaleb(6).to_integral_value())
        return timedelta(microseconds=micros)

    @property
    def days(self) -> int:
        """Whole days, sign of the duration."""
        return _signed_part(self.seconds, _SECONDS_PER_DAY, None)

    @property
    def hours(self) -> int:
        """Hours within the day."""
        return _signed_part(self.seconds, 3600, 24)

    @property
    def minutes(self) -> int:
        """Minutes within the hour."""
        return _signed_part(self.seconds, 60, 60)

    @property
    def seconds_part(self) -> Decimal:
        """Seconds within the minute, including fractions."""
        magnitude = abs(self.seconds) % 60
        return -magnitude if self.seconds < 0 else magnitude

    def __eq__(self, other: object) -> bool:
        return isinstance(other, DaysTimeDuration) and self.seconds == other.seconds

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, DaysTimeDuration):
            return NotImplemented
        return self.seconds < other.seconds

    def __hash__(self) -> int:
        return hash(("dtd", self.seconds))

    def __neg__(self) -> DaysTimeDuration:
        return DaysTimeDuration(-self.seconds)

    def __repr__(self) -> str:
        return f"DaysTimeDuration({self.isoformat()!r})"

    def __str__(self) -> str:
        return self.isoformat()

    def isoformat(self) -> str:
        """Render as ISO 8601, e.g. P1DT2H, -PT0.5S, PT0S."""
        magnitude = abs(self.seconds)
        days, rest = divmod(magnitude, _SECONDS_PER_DAY)
        hours, rest = divmod(rest, 3600)
        minutes, seconds = divmod(rest, 60)
        text = "P"
        if days:
            text += f"{int(days)}D"
        time_text = ""
        if hours:
            time_text += f"{int(hours)}H"
        if minutes:
            time_text += f"{int(minutes)}M"
        if seconds:
            time_text += f"{format_number(seconds)}S"
        if time_text:
            text += "T" + time_text
        if text == "P":
            text = "PT0S"
        return "-" + text if self.seconds < 0 else text


@total_ordering
class YearsMonthsDuration(_DurationArithmetic):
    """A duration measured in whole months, like xs:yearMonthDuration."""

    __slots__ = ("months",)

    def __init__(self, months: int) -> None:
        _check_magnitude(months)
        self.months = int(months)

    @property
    def years(self) -> int:
        """Whole years, sign of the duration."""
        return _signed_part(Decimal(self.months), 12, None)

    @property
    def months_part(self) -> int:
        """Months within the year."""
        return _signed_part(Decimal(self.months), 1, 12)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, YearsMonthsDuration) and self.months == other.months

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, YearsMonthsDuration):
            return NotImplemented
        return self.months < other.months

    def __hash__(self) -> int:
        return hash(("ymd", self.months))

    def __neg__(self) -> YearsMonthsDuration:
        return YearsMonthsDuration(-self.months)

    def __repr__(self) -> str:
        return f"YearsMonthsDuration({self.isoformat()!r})"

    def __str__(self) -> str:
        return self.isoformat()

    def isoformat(self) -> str:
        """Render as ISO 8601, e.g. P1Y2M, -P3M, P0M."""
        years, months = divmod(abs(self.months), 12)
        text = "P"
        if years:
            text += f"{years}Y"
        if months or not years:
            text += f"{months}M"
        return "-" + text if self.months < 0 else text


def _signed_part(total: Decimal, unit: int, modulus: int | None) -> int:
    magnitude = int(abs(total) // unit)
    if modulus is not None:
        magnitude %= modulus
    return -magnitude if total < 0 else magnitude


def parse_duration(text: str) -> DaysTimeDuration | YearsMonthsDuration | None:
    """Parse an ISO 8601 duration; years/months-only texts give a years and months duration."""
    match = _FULL_PATTERN.fullmatch(text)
    if match is None or text.endswith(("P", "T")) or text == "-P":
        return None
    negative, years, months, days, hours, minutes, seconds = match.groups()
    if all(part is None for part in (years, months, days, hours, minutes, seconds)):
        return None
    sign = -1 if negative else 1
    if days is None and hours is None and minutes is None and seconds is None:
        return YearsMonthsDuration(sign * (int(years or 0) * 12 + int(months or 0)))
    if years is not None or months is not None:
        # Mixed durations have no FEEL type; keep the days/time part only when no year/month given.
        return None
    total = NUMBER_CONTEXT.add(
        Decimal(
            int(days or 0) * _SECONDS_PER_DAY + int(hours or 0) * 3600 + int(minutes or 0) * 60
        ),
        Decimal(seconds or 0),
    )
    return DaysTimeDuration(total * sign)
