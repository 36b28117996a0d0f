"""When a schedule fires: a cron expression in a time zone, narrowed by a window and holidays.

Pure: no I/O, no clock. Cron is evaluated by ``croniter`` on the wall clock of the schedule's
zone (five fields, or six with seconds first). Daylight saving time is handled as cron users
expect: a wall time the spring change skips fires once at the first instant after the gap; a wall
time the autumn change repeats fires once (the first time), except where the hour field is a
wildcard or step (``*``, ``*/2``), whose hourly firings go on through both passes.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays
from croniter import croniter

from kontor.errors import InvalidInput

DAYS = ("Mo", "Di", "Mi", "Do", "Fr", "Sa", "So")
"""Weekday abbreviations of a window (German, Monday first), also accepted in English."""
_ENGLISH_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
GERMAN_STATES = tuple(sorted(holidays.country_holidays("DE").subdivisions))
"""The German states (``BY``, ``NW``, …) whose public holidays a schedule may skip."""

_SEARCH_LIMIT = 100_000
"""Cron candidates examined at most for one next firing (a window that never opens ends it)."""
_NEAR = dt.timedelta(hours=3)
"""Farther than this from a clock change, wall times map to instants one to one."""
_SECOND = dt.timedelta(seconds=1)
_HORIZON = dt.timedelta(days=5 * 366)
"""How far ahead a next firing is looked for; a rarer rhythm (29 February on a Monday) has none."""
_WINDOW = re.compile(
    r"^\s*(?P<days>[A-Za-z]{2,3}(?:\s*-\s*[A-Za-z]{2,3})?(?:\s*,\s*[A-Za-z]{2,3}"
    r"(?:\s*-\s*[A-Za-z]{2,3})?)*)?\s*(?P<start>\d{1,2}:\d{2})?\s*(?:-\s*(?P<end>\d{1,2}:\d{2}))?\s*$"
)


@dataclass(frozen=True)
class Window:
    """Days of the week and a daily span of wall-clock time (``start`` inclusive, ``end`` not)."""

    days: frozenset[int] = frozenset(range(7))
    start: dt.time = dt.time(0)
    end: dt.time | None = None
    """None: to the end of the day."""

    @classmethod
    def parse(cls, text: str) -> Window:
        """A window such as ``Mo-Fr 08:00-20:00``, ``Mo,Mi 06:00-22:00`` or ``Sa-So``."""
        match = _WINDOW.match(text)
        if not match or not text.strip() or (match["start"] is None) != (match["end"] is None):
            raise InvalidInput(
                f"{text!r} is no time window (e.g. 'Mo-Fr 08:00-20:00')", field="window"
            )
        days = _days(match["days"]) if match["days"] else frozenset(range(7))
        if match["start"] is None:
            return cls(days)
        start, end = _clock_time(match["start"]), _clock_time(match["end"])
        if end != dt.time(0) and end <= start:
            raise InvalidInput(f"{text!r}: the window ends before it starts", field="window")
        return cls(days, start, None if end == dt.time(0) else end)

    def admits(self, wall: dt.datetime) -> bool:
        """Whether the wall-clock time ``wall`` lies in the window."""
        if wall.weekday() not in self.days or wall.time() < self.start:
            return False
        return self.end is None or wall.time() < self.end

    def next_opening(self, wall: dt.datetime) -> dt.datetime:
        """The earliest wall time after ``wall`` at which the window may be open again."""
        today_start = dt.datetime.combine(wall.date(), self.start)
        if wall.weekday() in self.days and wall < today_start:
            return today_start
        return dt.datetime.combine(wall.date() + dt.timedelta(days=1), self.start)


@dataclass(frozen=True)
class Timing:
    """A schedule's rhythm: cron in a zone, with an optional window and a state's holidays."""

    cron: str
    zone: str = "Europe/Berlin"
    window: Window | None = None
    holiday_state: str | None = None

    def __post_init__(self) -> None:
        _check_cron(self.cron)
        _zone(self.zone)
        if self.holiday_state is not None and self.holiday_state not in GERMAN_STATES:
            raise InvalidInput(
                f"{self.holiday_state!r} is no German state ({', '.join(GERMAN_STATES)})",
                field="holiday_state",
            )

    def next_after(self, instant: dt.datetime) -> dt.datetime | None:
        """The first firing strictly after ``instant`` (UTC), or None if there is none."""
        return _next_firing(self, instant)

    def _next_after(self, instant: dt.datetime) -> dt.datetime | None:
        zone = _zone(self.zone)
        wall = instant.astimezone(zone).replace(tzinfo=None)
        first = next(self._walls(wall), None)
        if first is None:
            return None
        before = (instant - _NEAR).astimezone(zone).utcoffset()
        if before == (first + _NEAR).replace(tzinfo=zone).utcoffset():
            return first.replace(tzinfo=zone).astimezone(dt.UTC)  # no clock change near
        # near a change: the autumn hour repeats, so a candidate may lie before the wall time
        best: dt.datetime | None = None
        for candidate in self._walls(wall - _NEAR):
            if best is not None and candidate > best.astimezone(zone).replace(tzinfo=None) + _NEAR:
                break
            for firing in self._instants(candidate, zone):
                if firing > instant and (best is None or firing < best):
                    best = firing
        return best

    def _walls(self, after: dt.datetime) -> Iterator[dt.datetime]:
        """The wall times after ``after`` that cron, window and holidays admit."""
        walls = _cron_at(self.cron, after)
        for _ in range(_SEARCH_LIMIT):
            candidate: dt.datetime = walls.get_next(dt.datetime)
            if candidate > after + _HORIZON:
                return  # a window the cron never meets: no firing rather than a long search
            if self._admits(candidate):
                yield candidate
                continue
            opening = self._next_opening(candidate)
            if opening > candidate:  # skip the closed hours and days instead of stepping
                walls.set_current(opening - _SECOND, force=True)

    def _next_opening(self, wall: dt.datetime) -> dt.datetime:
        window = self.window or Window()
        if window.admits(wall):  # a holiday: the next day's opening
            return dt.datetime.combine(wall.date() + dt.timedelta(days=1), window.start)
        return window.next_opening(wall)

    def _admits(self, wall: dt.datetime) -> bool:
        if self.window is not None and not self.window.admits(wall):
            return False
        return self.holiday_state is None or wall.date() not in _holidays(
            self.holiday_state, wall.year
        )

    def _instants(self, wall: dt.datetime, zone: ZoneInfo) -> list[dt.datetime]:
        """The UTC instants the wall time ``wall`` stands for (none, one, or two in autumn)."""
        first = wall.replace(tzinfo=zone, fold=0)
        second = wall.replace(tzinfo=zone, fold=1)
        if first.utcoffset() == second.utcoffset():
            return [first.astimezone(dt.UTC)]
        if _round_trips(first, zone):  # the repeated autumn hour
            instants = [first.astimezone(dt.UTC)]
            if self._hourly():
                instants.append(second.astimezone(dt.UTC))
            return instants
        return [_gap_end(wall, zone)]  # the spring gap: the first instant after it

    def _hourly(self) -> bool:
        fields = self.cron.split()
        hour = fields[2] if len(fields) == 6 else fields[1]
        return hour.startswith("*")


def _gap_end(wall: dt.datetime, zone: ZoneInfo) -> dt.datetime:
    """The first instant whose wall time is at or after the skipped ``wall``."""
    low = wall.replace(tzinfo=zone, fold=1).astimezone(dt.UTC)  # before the gap (old offset)
    high = wall.replace(tzinfo=zone, fold=0).astimezone(dt.UTC)  # after it
    start, end = min(low, high), max(low, high)
    # the gap is whole minutes long in every zone; step to the instant the clock shows 'after'
    probe = start
    while probe <= end:
        local = probe.astimezone(zone).replace(tzinfo=None)
        if local >= wall:
            return probe
        probe += dt.timedelta(minutes=1)
    return end


_CRONS = threading.local()


def _cron_at(expression: str, start: dt.datetime) -> croniter:
    """A cron iterator at ``start``; parsed once per thread (parsing costs far more than a step)."""
    parsed: dict[str, croniter] = _CRONS.__dict__.setdefault("parsed", {})
    walls = parsed.get(expression)
    if walls is None:
        if len(parsed) > 4096:
            parsed.clear()
        walls = parsed[expression] = croniter(expression, start, second_at_beginning=True)
    else:
        walls.set_current(start, force=True)
    return walls


def _round_trips(aware: dt.datetime, zone: ZoneInfo) -> bool:
    back = aware.astimezone(dt.UTC).astimezone(zone)
    return back.replace(tzinfo=None) == aware.replace(tzinfo=None)


def _check_cron(text: str) -> None:
    fields = text.split()
    if len(fields) not in (5, 6) or not croniter.is_valid(text, second_at_beginning=True):
        raise InvalidInput(
            f"{text!r} is no cron expression (five fields, or six with seconds first)",
            field="cron",
        )


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidInput(
            f"{name!r} is no time zone (e.g. Europe/Berlin)", field="time_zone"
        ) from None


@functools.lru_cache(maxsize=256)
def _holidays(state: str, year: int) -> frozenset[dt.date]:
    return frozenset(holidays.country_holidays("DE", subdiv=state, years=year))


def _clock_time(text: str) -> dt.time:
    hours, minutes = (int(part) for part in text.split(":"))
    if hours == 24 and minutes == 0:
        return dt.time(0)
    if hours > 23 or minutes > 59:
        raise InvalidInput(f"{text!r} is no time of day", field="window")
    return dt.time(hours, minutes)


def _days(text: str) -> frozenset[int]:
    chosen: set[int] = set()
    for part in text.split(","):
        first, _, last = (piece.strip() for piece in part.partition("-"))
        start = _day(first)
        end = _day(last) if last else start
        chosen.update(
            range(start, end + 1) if start <= end else [*range(start, 7), *range(end + 1)]
        )
    return frozenset(chosen)


def _day(name: str) -> int:
    for names in (DAYS, _ENGLISH_DAYS):
        lowered = [day.lower() for day in names]
        if name.lower() in lowered:
            return lowered.index(name.lower())
    raise InvalidInput(f"{name!r} is no weekday (Mo, Di, Mi, Do, Fr, Sa, So)", field="window")


@functools.lru_cache(maxsize=8192)
def _next_firing(timing: Timing, instant: dt.datetime) -> dt.datetime | None:
    """``timing``'s next firing after ``instant``, once per rhythm and instant: the schedules of
    a batch due in the same second mostly share their rhythm (cron is ~150 µs a step)."""
    return timing._next_after(instant)


@functools.lru_cache(maxsize=4096)
def timing_of(cron: str, zone: str, window: str | None, holiday_state: str | None) -> Timing:
    """The checked ``Timing`` of a stored schedule's fields (parsed once per distinct rhythm)."""
    return Timing(cron, zone, Window.parse(window) if window else None, holiday_state)
