"""When a timer fires first and next: dates, durations, ISO 8601 repetitions and cron cycles."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from kontor.process.bpmn.model import TimerKind
from kontor.process.runtime.cron import is_cron, parse_cron
from kontor.process.runtime.timers import parse_cycle, parse_date, parse_duration


@dataclass(frozen=True)
class Schedule:
    """The first due time of a timer; cycles also have an interval (duration or cron text)."""

    due: datetime
    repetitions_left: int | None = None
    interval: str | None = None


def first_schedule(kind: TimerKind, value: Any, now: datetime) -> Schedule:
    """The schedule of a timer whose (evaluated) definition is ``value``, armed at ``now``.

    Raises ``TimerFormatError`` for values that are no date, duration or cycle.
    """
    if kind is TimerKind.DATE:
        return Schedule(value if isinstance(value, datetime) else parse_date(str(value)))
    if kind is TimerKind.DURATION:
        if isinstance(value, timedelta):
            return Schedule(now + value)
        return Schedule(parse_duration(str(value)).after(now))
    text = str(value).strip()
    if is_cron(text):
        return Schedule(parse_cron(text).next_after(now), None, text)
    cycle = parse_cycle(text)
    due = cycle.start or cycle.interval.after(now)
    left = None if cycle.repetitions is None else cycle.repetitions - 1
    return Schedule(due, left, text.split("/")[-1])


def next_due(interval: str, previous: datetime) -> datetime:
    """The due time of a cycle's next round after the round due at ``previous``."""
    if is_cron(interval):
        return parse_cron(interval).next_after(previous)
    return parse_duration(interval).after(previous)
