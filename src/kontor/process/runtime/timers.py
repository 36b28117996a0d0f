"""ISO 8601 dates, durations and repeating intervals as used by BPMN timer events."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

_DURATION = re.compile(
    r"^(?P<sign>-)?P(?:(?P<years>\d+)Y)?(?:(?P<months>\d+)M)?(?:(?P<weeks>\d+)W)?"
    r"(?:(?P<days>\d+)D)?(?:T(?:(?P<hours>\d+)H)?(?:(?P<minutes>\d+)M)?"
    r"(?:(?P<seconds>\d+(?:[.,]\d+)?)S)?)?$"
)


class TimerFormatError(ValueError):
    """A timer value is not valid ISO 8601."""


@dataclass(frozen=True)
class CalendarDuration:
    """An ISO 8601 duration; months and years stay calendar units until applied."""

    months: int = 0
    delta: timedelta = timedelta()
    negative: bool = False

    def after(self, moment: datetime) -> datetime:
        """The moment this duration after ``moment``."""
        sign = -1 if self.negative else 1
        return add_months(moment, sign * self.months) + sign * self.delta


@dataclass(frozen=True)
class Cycle:
    """A repeating interval: ``repetitions`` None means unbounded."""

    repetitions: int | None
    interval: CalendarDuration
    start: datetime | None = None


def parse_duration(text: str) -> CalendarDuration:
    """Parse ``PnYnMnWnDTnHnMnS``."""
    match = _DURATION.match(text.strip())
    if match is None or text.strip() in ("P", "PT"):
        raise TimerFormatError(f"not an ISO 8601 duration: {text!r}")
    parts = {key: value for key, value in match.groupdict().items() if value}
    months = int(parts.get("years", 0)) * 12 + int(parts.get("months", 0))
    delta = timedelta(
        weeks=int(parts.get("weeks", 0)),
        days=int(parts.get("days", 0)),
        hours=int(parts.get("hours", 0)),
        minutes=int(parts.get("minutes", 0)),
        seconds=float(parts.get("seconds", "0").replace(",", ".")),
    )
    return CalendarDuration(months=months, delta=delta, negative="sign" in parts)


def parse_date(text: str) -> datetime:
    """Parse an ISO 8601 date-time; naive values are taken as UTC."""
    try:
        moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError as exc:
        raise TimerFormatError(f"not an ISO 8601 date-time: {text!r}") from exc
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def parse_cycle(text: str) -> Cycle:
    """Parse ``R[n]/[start/]duration``."""
    parts = text.strip().split("/")
    if len(parts) not in (2, 3) or not parts[0].startswith("R"):
        raise TimerFormatError(f"not an ISO 8601 repeating interval: {text!r}")
    count = parts[0][1:]
    if count and (not count.isdigit() or int(count) < 1):
        raise TimerFormatError(f"a repeating interval repeats at least once: {text!r}")
    repetitions = int(count) if count else None
    if len(parts) == 2:
        return Cycle(repetitions, parse_duration(parts[1]))
    return Cycle(repetitions, parse_duration(parts[2]), parse_date(parts[1]))


def add_months(moment: datetime, months: int) -> datetime:
    """Add calendar months, clamping the day to the target month's length."""
    if months == 0:
        return moment
    index = moment.year * 12 + (moment.month - 1) + months
    year, month = divmod(index, 12)
    month += 1
    for day in range(moment.day, 27, -1):
        try:
            return moment.replace(year=year, month=month, day=day)
        except ValueError:
            continue
    return moment.replace(year=year, month=month, day=min(moment.day, 28))
