"""Clocks: the system clock and a fake clock for tests that skip time instead of sleeping."""

from __future__ import annotations

import datetime as dt
import threading
from pathlib import Path
from typing import Protocol


class Clock(Protocol):
    """Tells the current time (timezone-aware UTC)."""

    def now(self) -> dt.datetime:
        """The current time."""
        ...


class SystemClock:
    """The real wall clock."""

    def now(self) -> dt.datetime:
        """The current UTC time."""
        return dt.datetime.now(dt.UTC)


class FakeClock:
    """A clock that only moves when told to; shipped for tests of timers and retries."""

    def __init__(self, start: dt.datetime | None = None) -> None:
        self._now = start or dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
        self._lock = threading.Lock()

    def now(self) -> dt.datetime:
        """The fake current time."""
        with self._lock:
            return self._now

    def advance(self, delta: dt.timedelta | float) -> dt.datetime:
        """Move time forward by ``delta`` (a timedelta or seconds) and return the new time."""
        step = delta if isinstance(delta, dt.timedelta) else dt.timedelta(seconds=delta)
        if step < dt.timedelta(0):
            raise ValueError("a clock does not run backwards")
        with self._lock:
            self._now += step
            return self._now


class FileClock:
    """A test clock shared by processes: the time is the ISO 8601 text in a file.

    Chosen by a setting in the test environment only, so that a test drives the clock of
    real worker processes; it writes the file (atomically, by rename) to move time. Before the
    file exists the clock stands at the start of 2026.
    """

    def __init__(self, path: Path) -> None:
        self._path = path

    def now(self) -> dt.datetime:
        """The time written in the file."""
        try:
            text = self._path.read_text(encoding="utf-8").strip()
        except FileNotFoundError:
            return dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
        moment = dt.datetime.fromisoformat(text)
        if moment.tzinfo is None:
            raise ValueError(f"{self._path}: the test clock's time needs a time zone")
        return moment.astimezone(dt.UTC)

    def set(self, moment: dt.datetime) -> None:
        """Move the clock to ``moment`` for every process reading the file."""
        if moment.tzinfo is None:
            raise ValueError("a time for the test clock needs a time zone")
        staging = self._path.with_name(self._path.name + ".new")
        staging.write_text(moment.isoformat(), encoding="utf-8")
        staging.replace(self._path)
