"""The laws of a run's state: steps follow one another, finished runs stay finished."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kontor.errors import Conflict, InvalidInput
from kontor.exchange.pipeline import Pipeline, RunError, RunState, RunStatus, RunWindow, Step

PIPELINE = Pipeline("toy", tuple(Step(n, f"s{n}", f"Schritt {n}") for n in range(5)),
                    (Step(-1, "file_error", "Dateifehler"),), gate=2)  # fmt: skip
ERROR = RunError("x", "kaputt", "neu hochladen")
MOVES = st.lists(
    st.sampled_from(["start", "enter", "complete", "park", "finish", "fail"]), max_size=40
)


def _apply(state: RunState, move: str) -> RunState:
    if move == "start":
        return state.started()
    if move == "enter":
        return state.entering(state.completed + 1)
    if move == "complete":
        return state.completing(state.step, {"rows": state.step})
    if move == "park":
        return state.parked()
    if move == "finish":
        return state.finished(PIPELINE.last)
    return state.failed(-1, ERROR)


@given(MOVES)
def test_steps_only_advance_and_finished_runs_stay_finished(moves: list[str]) -> None:
    state = RunState()
    for move in moves:
        before = state
        try:
            state = _apply(state, move)
        except Conflict:
            assert state == before
            continue
        assert state.completed >= before.completed
        assert state.completed <= max(state.step, before.completed)
        if before.status in (RunStatus.DONE, RunStatus.FAILED):
            pytest.fail(f"{move} changed a finished run")
        if state.status is RunStatus.DONE:
            assert state.step == PIPELINE.last == state.completed
        if state.status is RunStatus.FAILED:
            assert state.step < 0
            assert state.error == ERROR


def test_a_run_completes_only_the_step_it_shows() -> None:
    state = RunState().started().entering(1)
    with pytest.raises(Conflict):
        state.completing(2, {})
    with pytest.raises(Conflict):
        state.entering(2)
    assert state.completing(1, {"records": 3}).counts == {"records": 3}


def test_pipelines_number_their_steps_from_zero() -> None:
    with pytest.raises(ValueError, match="numbered"):
        Pipeline("bad", (Step(1, "a", "A"),))
    assert PIPELINE.step(-1).label == "Dateifehler"


def test_run_window_reads_german_days_in_berlin_time() -> None:
    window = RunWindow.parse("Mo-Fr 08:00-20:00")
    monday_7_30_utc = dt.datetime(2026, 11, 30, 7, 30, tzinfo=dt.UTC)  # 08:30 in Berlin
    assert window.is_open(monday_7_30_utc)
    assert not window.is_open(monday_7_30_utc.replace(hour=6, minute=59))  # 07:59 Berlin
    assert not window.is_open(monday_7_30_utc + dt.timedelta(days=5))  # Saturday
    assert RunWindow.parse("sa 10:00-12:00").days == frozenset({5})


def test_a_run_window_ending_at_24_00_stays_open_to_midnight() -> None:
    window = RunWindow.parse("Mo-So 00:00-24:00")
    sunday_22_59_utc = dt.datetime(2026, 12, 6, 22, 59, 59, tzinfo=dt.UTC)  # 23:59:59 Berlin
    assert window.is_open(sunday_22_59_utc)
    assert window.is_open(sunday_22_59_utc + dt.timedelta(seconds=1))  # Monday 00:00


@pytest.mark.parametrize("text", ["Mo-Fr", "Xy 08:00-09:00", "Mo 10:00-09:00", "Mo 25:00-26:00"])
def test_a_wrong_run_window_is_refused_naming_the_setting(text: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        RunWindow.parse(text)
    assert refused.value.details["field"] == "KONTOR_IMPORT_RUN_WINDOW"
