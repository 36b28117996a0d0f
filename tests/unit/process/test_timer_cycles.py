"""Timer cycles: ISO 8601 repetitions and cron expressions, first and next due times."""

from __future__ import annotations

import datetime as dt

import pytest

from kontor.process.bpmn.model import TimerKind
from kontor.process.runtime.cron import parse_cron
from kontor.process.runtime.timer_schedule import first_schedule, next_due
from kontor.process.runtime.timers import TimerFormatError

MONDAY_NOON = dt.datetime(2026, 3, 2, 12, 0, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("0 0 9-17 * * MON-FRI", dt.datetime(2026, 3, 2, 13, 0, tzinfo=dt.UTC)),
        ("0 30 8 * * MON-FRI", dt.datetime(2026, 3, 3, 8, 30, tzinfo=dt.UTC)),
        ("0 0 0 1 * ?", dt.datetime(2026, 4, 1, tzinfo=dt.UTC)),
        ("*/15 * * * *", dt.datetime(2026, 3, 2, 12, 15, tzinfo=dt.UTC)),
        ("0 0 6 * * SUN", dt.datetime(2026, 3, 8, 6, 0, tzinfo=dt.UTC)),
        ("0 0 6 * * 7", dt.datetime(2026, 3, 8, 6, 0, tzinfo=dt.UTC)),
        ("0 0 0 29 FEB *", dt.datetime(2028, 2, 29, tzinfo=dt.UTC)),
        ("@daily", dt.datetime(2026, 3, 3, tzinfo=dt.UTC)),
        ("0 0/5 * * * ?", dt.datetime(2026, 3, 2, 12, 5, tzinfo=dt.UTC)),
        ("0 0 0 ? * mon", dt.datetime(2026, 3, 9, tzinfo=dt.UTC)),
        ("0 0 0 1 * MON", dt.datetime(2026, 6, 1, tzinfo=dt.UTC)),
    ],
)
def test_cron_finds_the_next_matching_time(expression: str, expected: dt.datetime) -> None:
    assert parse_cron(expression).next_after(MONDAY_NOON) == expected


@pytest.mark.parametrize(
    "expression", ["0 0 25 * * *", "0 0 * * * * *", "0 0 */0 * * *", "x", "@fortnightly"]
)
def test_invalid_cron_expressions_are_refused(expression: str) -> None:
    with pytest.raises(TimerFormatError, match="not a cron expression"):
        parse_cron(expression)


def test_a_cron_expression_that_never_matches_is_refused_when_scheduled() -> None:
    with pytest.raises(TimerFormatError, match="never matches"):
        parse_cron("0 0 0 30 FEB *").next_after(MONDAY_NOON)


def test_an_iso_cycle_counts_its_rounds_and_steps_by_its_interval() -> None:
    schedule = first_schedule(TimerKind.CYCLE, "R3/PT1H", MONDAY_NOON)
    assert (schedule.due, schedule.repetitions_left, schedule.interval) == (
        MONDAY_NOON + dt.timedelta(hours=1), 2, "PT1H"
    )  # fmt: skip
    assert next_due("PT1H", schedule.due) == MONDAY_NOON + dt.timedelta(hours=2)


def test_a_cron_cycle_has_no_end_and_steps_by_the_expression() -> None:
    schedule = first_schedule(TimerKind.CYCLE, "0 0 18 * * *", MONDAY_NOON)
    assert (schedule.due.hour, schedule.repetitions_left) == (18, None)
    assert next_due("0 0 18 * * *", schedule.due) == schedule.due + dt.timedelta(days=1)
