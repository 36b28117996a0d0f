"""ISO 8601 timer values."""

from datetime import UTC, datetime, timedelta

import pytest

from kontor.process.runtime.timers import (
    TimerFormatError,
    add_months,
    parse_cycle,
    parse_date,
    parse_duration,
)

JAN_31 = datetime(2026, 1, 31, 9, 0, tzinfo=UTC)


def test_durations_with_time_parts():
    assert parse_duration("PT1H30M").after(JAN_31) == JAN_31 + timedelta(hours=1, minutes=30)
    assert parse_duration("P2W").after(JAN_31) == JAN_31 + timedelta(days=14)
    assert parse_duration("PT0.5S").delta == timedelta(milliseconds=500)


def test_calendar_months_clamp_to_month_end():
    assert parse_duration("P1M").after(JAN_31) == datetime(2026, 2, 28, 9, 0, tzinfo=UTC)
    assert parse_duration("P1Y").after(JAN_31) == datetime(2027, 1, 31, 9, 0, tzinfo=UTC)
    assert add_months(datetime(2024, 3, 31, tzinfo=UTC), -1) == datetime(2024, 2, 29, tzinfo=UTC)


@pytest.mark.parametrize("text", ["P", "PT", "1D", "P1H", "", "PTXM"])
def test_invalid_durations(text):
    with pytest.raises(TimerFormatError):
        parse_duration(text)


def test_dates_default_to_utc():
    assert parse_date("2026-03-01T10:00:00") == datetime(2026, 3, 1, 10, tzinfo=UTC)
    assert parse_date("2026-03-01T10:00:00Z") == datetime(2026, 3, 1, 10, tzinfo=UTC)
    with pytest.raises(TimerFormatError):
        parse_date("next tuesday")


def test_cycles():
    bounded = parse_cycle("R3/PT10M")
    assert bounded.repetitions == 3
    assert bounded.interval.delta == timedelta(minutes=10)
    unbounded = parse_cycle("R/P1D")
    assert unbounded.repetitions is None
    with_start = parse_cycle("R2/2026-05-01T08:00:00Z/PT1H")
    assert with_start.start == datetime(2026, 5, 1, 8, tzinfo=UTC)
    with pytest.raises(TimerFormatError):
        parse_cycle("PT10M")
