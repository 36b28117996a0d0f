"""Cron expressions as Camunda accepts them in timer cycles (``timeCycle``), evaluated by croniter.

Six fields ``second minute hour day-of-month month day-of-week`` (five fields mean second 0),
as Spring and Camunda write them, with Quartz's ``?`` for "no specific value"; months and
weekdays also by name (``JAN``, ``MON``); weekday 0 and 7 are Sunday. Macros ``@yearly``,
``@monthly``, ``@weekly``, ``@daily``, ``@hourly``. When both day fields are restricted, a day
must match both (as in Camunda's cron). Times are UTC.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from croniter import CroniterBadDateError, CroniterError, croniter

from kontor.process.runtime.timers import TimerFormatError

_YEARS_SEARCHED = 5
"""How many years ahead a next firing is looked for (29 February needs up to eight)."""


@dataclass(frozen=True)
class Cron:
    """A cron expression croniter accepted."""

    expression: str

    def next_after(self, moment: datetime) -> datetime:
        """The first matching time strictly after ``moment`` (UTC)."""
        start = moment.astimezone(UTC).replace(microsecond=0)
        times = croniter(
            self.expression,
            start,
            second_at_beginning=True,
            day_or=False,
            max_years_between_matches=_YEARS_SEARCHED,
        )
        try:
            found: datetime = times.get_next(datetime)
        except CroniterBadDateError as exc:
            raise TimerFormatError(f"cron expression never matches: {self.expression!r}") from exc
        return found


def is_cron(text: str) -> bool:
    """Whether a timer cycle is a cron expression rather than an ISO 8601 repetition."""
    stripped = text.strip()
    return stripped.startswith("@") or len(stripped.split()) in (5, 6)


def parse_cron(text: str) -> Cron:
    """Check a cron expression (see the module docstring for the accepted form)."""
    stripped = " ".join(text.split())
    if not is_cron(stripped):
        raise TimerFormatError(f"not a cron expression: {text!r}")
    try:
        croniter.expand(stripped, second_at_beginning=True)
    except CroniterError as exc:
        raise TimerFormatError(f"not a cron expression: {text!r} ({exc})") from exc
    return Cron(stripped)
