"""When schedules fire: cron in Berlin time across both clock changes, windows and holidays."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from kontor.errors import InvalidInput
from kontor.integration.scheduler import Timing, Window

BERLIN = ZoneInfo("Europe/Berlin")


def firings(timing: Timing, start: dt.datetime, count: int) -> list[str]:
    """The next ``count`` firings after ``start`` as Berlin wall times with their offsets."""
    found, moment = [], start.astimezone(dt.UTC)
    for _ in range(count):
        following = timing.next_after(moment)
        assert following is not None
        found.append(following.astimezone(BERLIN).strftime("%d. %H:%M:%S %z"))
        moment = following
    return found


def test_a_time_the_spring_change_skips_fires_once_right_after_the_gap() -> None:
    start = dt.datetime(2026, 3, 28, 3, 0, tzinfo=BERLIN)
    assert firings(Timing("30 2 * * *"), start, 3) == [
        "29. 03:00:00 +0200", "30. 02:30:00 +0200", "31. 02:30:00 +0200",
    ]  # fmt: skip
    every_quarter = firings(
        Timing("*/15 * * * *"), dt.datetime(2026, 3, 29, 1, 40, tzinfo=BERLIN), 3
    )
    assert every_quarter == ["29. 01:45:00 +0100", "29. 03:00:00 +0200", "29. 03:15:00 +0200"]


def test_a_time_the_autumn_change_repeats_fires_once_unless_the_rhythm_is_hourly() -> None:
    start = dt.datetime(2026, 10, 24, 3, 0, tzinfo=BERLIN)
    assert firings(Timing("30 2 * * *"), start, 2) == ["25. 02:30:00 +0200", "26. 02:30:00 +0100"]
    hourly = firings(Timing("30 * * * *"), dt.datetime(2026, 10, 25, 1, 0, tzinfo=BERLIN), 4)
    assert hourly == [
        "25. 01:30:00 +0200", "25. 02:30:00 +0200", "25. 02:30:00 +0100", "25. 03:30:00 +0100",
    ]  # fmt: skip


def test_seconds_are_an_optional_first_field() -> None:
    start = dt.datetime(2026, 1, 5, 10, 0, tzinfo=BERLIN)
    assert firings(Timing("15 0 */6 * * *"), start, 2) == [
        "05. 12:00:15 +0100",
        "05. 18:00:15 +0100",
    ]


def test_a_window_and_a_states_holidays_leave_out_closed_hours_and_days() -> None:
    timing = Timing("*/30 * * * *", window=Window.parse("Mo-Fr 08:00-20:00"), holiday_state="BY")
    start = dt.datetime(2026, 1, 2, 19, 0, tzinfo=BERLIN)  # Friday; the 6th: Epiphany in Bavaria
    assert firings(timing, start, 3) == ["02. 19:30:00 +0100", "05. 08:00:00 +0100",
                                         "05. 08:30:00 +0100"]  # fmt: skip
    monday = dt.datetime(2026, 1, 5, 19, 45, tzinfo=BERLIN)
    assert firings(timing, monday, 1) == ["07. 08:00:00 +0100"]
    elsewhere = Timing("0 9 * * *", window=Window.parse("Mo-Fr"), holiday_state="NW")
    assert firings(elsewhere, monday, 1) == ["06. 09:00:00 +0100"]  # no holiday in NRW


def test_a_schedule_that_never_fires_says_so() -> None:
    never = Timing("0 9 * * *", window=Window.parse("Mo-Fr 10:00-12:00"))
    assert never.next_after(dt.datetime(2026, 1, 1, tzinfo=dt.UTC)) is None


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"cron": "* * *"}, "cron"),
        ({"cron": "0 25 * * *"}, "cron"),
        ({"cron": "0 9 * * *", "zone": "Europe/Atlantis"}, "time_zone"),
        ({"cron": "0 9 * * *", "holiday_state": "XX"}, "holiday_state"),
    ],
)
def test_bad_timings_are_refused_naming_the_field(fields: dict[str, str], field: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        Timing(**fields)
    assert refused.value.details["field"] == field


@pytest.mark.parametrize("text", ["Montag", "Mo-Fr 20:00-08:00", "Mo-Fr 08:00", "25:00-26:00"])
def test_bad_windows_are_refused(text: str) -> None:
    with pytest.raises(InvalidInput):
        Window.parse(text)
