"""The run window: when data steps may run (e.g. working days 08:00–20:00, Berlin time)."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from kontor.errors import InvalidInput

BERLIN = ZoneInfo("Europe/Berlin")
DAYS = ("mo", "di", "mi", "do", "fr", "sa", "so")
_WINDOW = re.compile(
    r"^\s*(?P<first>[a-z]{2})(?:\s*-\s*(?P<last>[a-z]{2}))?\s+"
    r"(?P<start>\d{1,2}:\d{2})\s*-\s*(?P<end>\d{1,2}:\d{2})\s*$"
)


@dataclass(frozen=True)
class RunWindow:
    """Weekdays (0 = Monday) and a time span of local time in which runs go on."""

    days: frozenset[int]
    start: dt.time
    end: dt.time
    zone: ZoneInfo = BERLIN

    def is_open(self, now: dt.datetime) -> bool:
        """Whether ``now`` (aware) falls inside the window."""
        local = now.astimezone(self.zone)
        return local.weekday() in self.days and self.start <= local.time() < self.end

    @classmethod
    def parse(cls, text: str, field: str = "KONTOR_IMPORT_RUN_WINDOW") -> RunWindow:
        """A window from text such as ``Mo-Fr 08:00-20:00`` (German days; end 24:00 is midnight)."""
        match = _WINDOW.match(text.lower())
        if match is None or match["first"] not in DAYS or (match["last"] or "mo") not in DAYS:
            raise InvalidInput(
                f"{text!r} is no run window; write it like 'Mo-Fr 08:00-20:00'", field=field
            )
        first = DAYS.index(match["first"])
        last = DAYS.index(match["last"]) if match["last"] else first
        days = range(first, last + 1) if first <= last else [*range(first, 7), *range(last + 1)]
        try:
            start = dt.time.fromisoformat(match["start"].zfill(5))
            end = _end_of(match["end"].zfill(5))
        except ValueError as error:
            raise InvalidInput(f"{text!r}: {error}", field=field) from error
        if end <= start:
            raise InvalidInput(f"{text!r}: the window must end after it starts", field=field)
        return cls(frozenset(days), start, end)


def _end_of(text: str) -> dt.time:
    return dt.time.max if text == "24:00" else dt.time.fromisoformat(text)
