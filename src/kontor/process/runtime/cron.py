"""Cron expressions as Camunda 8 accepts them in timer cycles (``timeCycle``).

Six fields ``second minute hour day-of-month month day-of-week`` (five fields mean second 0),
each ``*``, ``?``, a number, a range ``a-b``, a step ``*/n`` or ``a-b/n``, or a list of these;
months and weekdays also by name (``JAN``, ``MON``); weekday 0 and 7 are Sunday. Macros
``@yearly``, ``@monthly``, ``@weekly``, ``@daily``, ``@hourly``. When both day fields are
restricted, a day must match both (as in Camunda's cron). Times are UTC.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from kontor.process.runtime.timers import TimerFormatError

_MACROS = {
    "@yearly": "0 0 0 1 1 *",
    "@annually": "0 0 0 1 1 *",
    "@monthly": "0 0 0 1 * *",
    "@weekly": "0 0 0 * * 0",
    "@daily": "0 0 0 * * *",
    "@midnight": "0 0 0 * * *",
    "@hourly": "0 0 * * * *",
}
_MONTHS = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"]
_DAYS = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"]
_SEARCH_DAYS = 366 * 5  # every valid expression matches within a leap-year cycle


@dataclass(frozen=True)
class Cron:
    """A parsed cron expression: the allowed values of each field."""

    seconds: frozenset[int]
    minutes: frozenset[int]
    hours: frozenset[int]
    days: frozenset[int]
    months: frozenset[int]
    weekdays: frozenset[int]

    def next_after(self, moment: datetime) -> datetime:
        """The first matching time strictly after ``moment`` (UTC)."""
        start = moment.astimezone(UTC).replace(microsecond=0) + timedelta(seconds=1)
        day = start.replace(hour=0, minute=0, second=0)
        for _ in range(_SEARCH_DAYS):
            if self._day_matches(day):
                found = self._first_time_on(day, start)
                if found is not None:
                    return found
            day += timedelta(days=1)
        raise TimerFormatError("cron expression never matches")

    def _day_matches(self, day: datetime) -> bool:
        weekday = (day.weekday() + 1) % 7  # Python: Monday 0; cron: Sunday 0
        return day.month in self.months and day.day in self.days and weekday in self.weekdays

    def _first_time_on(self, day: datetime, earliest: datetime) -> datetime | None:
        for hour in sorted(self.hours):
            for minute in sorted(self.minutes):
                for second in sorted(self.seconds):
                    candidate = day.replace(hour=hour, minute=minute, second=second)
                    if candidate >= earliest:
                        return candidate
        return None


def is_cron(text: str) -> bool:
    """Whether a timer cycle is a cron expression rather than an ISO 8601 repetition."""
    stripped = text.strip()
    return stripped.startswith("@") or len(stripped.split()) in (5, 6)


def parse_cron(text: str) -> Cron:
    """Parse a cron expression (see the module docstring for the accepted form)."""
    stripped = text.strip()
    expanded = _MACROS.get(stripped.lower(), stripped)
    fields = expanded.split()
    if len(fields) == 5:
        fields = ["0", *fields]
    if len(fields) != 6:
        raise TimerFormatError(f"not a cron expression: {text!r}")
    try:
        seconds, minutes, hours, days, months, weekdays = (
            _field(fields[0], 0, 59),
            _field(fields[1], 0, 59),
            _field(fields[2], 0, 23),
            _field(fields[3], 1, 31),
            _field(fields[4], 1, 12, _MONTHS, 1),
            _field(fields[5], 0, 7, _DAYS, 0),
        )
    except ValueError as exc:
        raise TimerFormatError(f"not a cron expression: {text!r} ({exc})") from exc
    weekdays = frozenset(day % 7 for day in weekdays)
    return Cron(seconds, minutes, hours, days, months, weekdays)


def _field(
    text: str, low: int, high: int, names: list[str] | None = None, first: int = 0
) -> frozenset[int]:
    values: set[int] = set()
    for part in text.upper().split(","):
        body, _, step_text = part.partition("/")
        step = int(step_text) if step_text else 1
        if step < 1:
            raise ValueError(f"step {step_text!r} must be positive")
        if body in ("*", "?"):
            start, end = low, high
        elif "-" in body:
            left, right = body.split("-", 1)
            start, end = _value(left, names, first), _value(right, names, first)
        else:
            start = _value(body, names, first)
            end = high if step_text else start
        if not low <= start <= end <= high:
            raise ValueError(f"{part!r} is outside {low}-{high}")
        values.update(range(start, end + 1, step))
    return frozenset(values)


def _value(text: str, names: list[str] | None, first: int) -> int:
    if names is not None and text in names:
        return names.index(text) + first
    return int(text)
