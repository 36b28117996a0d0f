"""Dates, times, date-times and durations: parsing, arithmetic, properties, formatting."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, timezone
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from kontor.rules.feel import DaysTimeDuration, YearsMonthsDuration, evaluate


def ev(text: str) -> Any:
    return evaluate(text)


def test_constructors() -> None:
    assert ev('date("2024-02-29")') == date(2024, 2, 29)
    assert ev("date(2024, 2, 29)") == date(2024, 2, 29)
    assert ev('date(date and time("2024-02-29T10:00:00"))') == date(2024, 2, 29)
    assert ev('time("10:20:30.5")') == time(10, 20, 30, 500000)
    assert ev("time(10, 20, 30)") == time(10, 20, 30)
    assert ev('time(10, 20, 30, duration("PT1H"))') == time(
        10, 20, 30, tzinfo=timezone(timedelta(hours=1))
    )
    assert ev('date and time("2024-01-01T10:00:00@Europe/Berlin")') == datetime(
        2024, 1, 1, 10, tzinfo=ZoneInfo("Europe/Berlin")
    )
    assert ev('date and time(date("2024-01-01"), time("10:00:00Z"))') == datetime(
        2024, 1, 1, 10, tzinfo=UTC_ZONE
    )
    assert ev('date and time("2024-01-01")') == datetime(2024, 1, 1)


UTC_ZONE = UTC


@pytest.mark.parametrize(
    "text", ['date("2024-02-30")', 'date("01211-12-31")', 'time("25:00:00")', 'date("x")']
)
def test_invalid_values_are_null(text: str) -> None:
    assert ev(text) is None


def test_date_arithmetic() -> None:
    assert ev('date("2024-01-31") + duration("P1M")') == date(2024, 2, 29)
    assert ev('date("2024-01-01") + duration("P1D")') == date(2024, 1, 2)
    assert ev('date("2024-01-01") - duration("P1Y")') == date(2023, 1, 1)
    assert ev('date("2024-01-02") - date("2024-01-01")') == DaysTimeDuration(86400)
    assert ev('duration("P1D") + date("2024-01-01")') == date(2024, 1, 2)


def test_date_and_time_arithmetic() -> None:
    assert ev(
        'date and time("2024-01-02T12:00:00") - date and time("2024-01-01T00:00:00")'
    ) == DaysTimeDuration(36 * 3600)
    assert ev('date and time("2024-03-31T01:00:00Z") + duration("PT2H")') == datetime(
        2024, 3, 31, 3, tzinfo=UTC_ZONE
    )
    # mixing a local and a zoned value cannot be subtracted
    assert ev('@"2021-01-02T10:10:10+02:00" - @"2021-01-01T10:10:10"') is None


def test_time_arithmetic() -> None:
    assert ev('time("23:00:00") + duration("PT2H")') == time(1, 0)
    assert ev('time("10:00:00") - time("09:30:00")') == DaysTimeDuration(1800)


def test_duration_arithmetic() -> None:
    assert ev('duration("P1D") * 2') == DaysTimeDuration(2 * 86400)
    assert ev('duration("P1D") / duration("PT12H")') == 2
    assert ev('duration("P1Y") + duration("P2M")') == YearsMonthsDuration(14)
    assert ev('duration("P1Y") / 2') == YearsMonthsDuration(6)
    assert ev('@"P1Y11M" * -2.5') == YearsMonthsDuration(-57)
    assert ev('-duration("P1D")') == DaysTimeDuration(-86400)
    assert ev('years and months duration(date("2011-12-22"), date("2013-08-24"))') == (
        YearsMonthsDuration(20)
    )


def test_properties() -> None:
    assert ev('date("2024-02-29").weekday') == 4
    moment = 'date and time("2024-02-29T10:20:30.25+01:00")'
    assert ev(moment + ".second") == Decimal("30.25")
    assert ev(moment + ".time offset") == DaysTimeDuration(3600)
    assert ev('date and time("2024-02-29T10:20:30@Europe/Paris").timezone') == "Europe/Paris"
    assert ev('duration("P1Y5M").years') == 1
    assert ev('duration("P1Y5M").months') == 5
    assert ev('duration("-PT90M").minutes') == -30


def test_string_forms() -> None:
    assert ev('string(date and time("2024-01-01T10:00:00.5Z"))') == "2024-01-01T10:00:00.5Z"
    assert ev('string(time("10:00:00@Europe/Paris"))') == "10:00:00@Europe/Paris"
    assert ev('string(duration("PT36H"))') == "P1DT12H"
    assert ev('string(duration("P13M"))') == "P1Y1M"
    assert ev('string(duration("PT0S"))') == "PT0S"


def test_calendar_functions() -> None:
    assert ev('day of year(date("2024-12-31"))') == 366
    assert ev('day of week(date("2024-01-01"))') == "Monday"
    assert ev('month of year(date("2024-03-01"))') == "March"
    assert ev('week of year(date("2021-01-01"))') == 53
    assert type(ev("today()")) is date
    assert ev("now()").tzinfo is not None


def test_is_function() -> None:
    assert ev('is(time("10:00:00Z"), time("10:00:00+00:00"))') is True
    assert ev('is(@"2020-01-01T00:00:00@Etc/UTC", @"2020-01-01T00:00:00Z")') is False
    assert ev('is(date("2020-01-01"), date and time("2020-01-01T00:00:00"))') is False
