"""Pipeline runs on SQLite and PostgreSQL: steps users watch, failures, the window, resumption."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

import pytest
from sqlalchemy import Column, Engine, Integer, MetaData, String, Table, func, select
from sqlalchemy.dialects import postgresql, sqlite

from kontor.errors import NotFound
from kontor.exchange import LocalBlobStore, store_chunks
from kontor.exchange.pipeline import (
    Pipeline,
    PipelineRunner,
    PipelineWork,
    Run,
    RunFailed,
    RunStatus,
    RunStore,
    RunWindow,
    Step,
    StepContext,
)
from kontor.messaging import FakeClock, UnitOfWork
from support.backends import BACKENDS

pytestmark = pytest.mark.parametrize("database_url", BACKENDS, indirect=True)

toy = MetaData()
toy_rows = Table(
    "toy_rows",
    toy,
    Column("tenant_id", String(64), primary_key=True),
    Column("line", String(100), primary_key=True),
    Column("length", Integer, nullable=False),
)
PIPELINE = Pipeline(
    "toy.lines",
    (
        Step(0, "uploaded", "hochgeladen"),
        Step(1, "read", "gelesen"),
        Step(2, "waiting", "wartet auf den Importlauf"),
        Step(3, "loaded", "eingespielt"),
        Step(4, "done", "fertig"),
    ),
    (Step(-1, "file_error", "Dateifehler"),),
    gate=2,
)
MONDAY_NOON = dt.datetime(2026, 11, 30, 11, 0, tzinfo=dt.UTC)


class Crash(BaseException):
    """Stands for the process being killed in the middle of a step."""


def _read(context: StepContext) -> None:
    with context.open_file() as file:
        lines = file.read().decode().splitlines()
    for number, line in enumerate(lines, 1):
        if line == "bad":
            raise RunFailed(-1, "toy.bad_line", f"line {number} is bad", "remove the line")
        if not line:
            context.warn("empty line", line=number)
    context.counts["lines"] = len(lines)


def _load(context: StepContext) -> None:
    with context.open_file() as file:
        lines = [line for line in file.read().decode().splitlines() if line]
    rows = [{"tenant_id": context.run.tenant_id, "line": line, "length": len(line)}
            for line in lines]  # fmt: skip
    connection = context.uow.connection
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    for index, row in enumerate(rows):
        connection.execute(dialect.insert(toy_rows).values(**row).on_conflict_do_nothing())
        if context.scratch.get("crash_after") == index:
            raise Crash
    context.counts["loaded"] = len(rows)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(MONDAY_NOON)


@pytest.fixture
def blobs(tmp_path: Path) -> LocalBlobStore:
    return LocalBlobStore(tmp_path / "uploads")


@pytest.fixture
def runner(engine: Engine, clock: FakeClock, blobs: LocalBlobStore) -> PipelineRunner:
    toy.create_all(engine)
    return _runner(engine, clock, blobs)


def _runner(
    engine: Engine, clock: FakeClock, blobs: LocalBlobStore, window: RunWindow | None = None
) -> PipelineRunner:
    runner = PipelineRunner(engine, clock, blobs, lease=dt.timedelta(minutes=5), window=window)
    runner.register(PipelineWork(PIPELINE, {1: _read, 3: _load}))
    return runner


def _submit(runner: PipelineRunner, content: bytes, tenant: str = "makler-a") -> Run:
    blob = store_chunks(runner.blobs, [content], limit=1000)
    with UnitOfWork(runner.engine, runner.clock) as uow:
        run = runner.submit(uow, tenant, PIPELINE.kind, blob, "lines.txt", "user-1")
        uow.commit()
    return run


def _loaded(engine: Engine) -> int:
    with engine.connect() as connection:
        return connection.execute(select(func.count()).select_from(toy_rows)).scalar_one()


def test_a_run_goes_through_every_step_users_can_watch(
    runner: PipelineRunner, blobs: LocalBlobStore
) -> None:
    run = _submit(runner, b"alpha\n\nbeta\n")
    assert (run.status, run.step_number, run.step_name) == (RunStatus.WAITING, 0, "uploaded")
    seen: list[tuple[str, int]] = []
    finished = runner.run_one(progress=lambda r: seen.append((r.status.value, r.step_number)))
    assert finished is not None
    assert seen == [("running", 1), ("running", 2), ("running", 3), ("done", 4)]
    assert finished.counts == {"lines": 3, "loaded": 2}
    assert finished.warnings == [{"line": 2, "message": "empty line"}]
    assert finished.blob_key is None
    assert blobs.keys() == []
    assert finished.started_at == finished.finished_at == MONDAY_NOON
    assert _loaded(runner.engine) == 2


def test_a_bad_file_ends_on_the_error_step_with_advice_and_loads_nothing(
    runner: PipelineRunner,
) -> None:
    finished = runner.run_one(_submit(runner, b"alpha\nbad\n").run_id)
    assert finished is not None
    assert (finished.status, finished.step_number, finished.step_name) == (
        RunStatus.FAILED, -1, "file_error"
    )  # fmt: skip
    assert (finished.error_code, finished.error_message, finished.error_suggestion) == (
        "toy.bad_line", "line 2 is bad", "remove the line"
    )  # fmt: skip
    assert _loaded(runner.engine) == 0
    assert runner.run_one() is None  # nothing left to do


def test_outside_the_run_window_a_run_waits_at_the_gate(
    runner: PipelineRunner, clock: FakeClock, blobs: LocalBlobStore
) -> None:
    gated = _runner(runner.engine, clock, blobs, RunWindow.parse("Mo-Fr 14:00-15:00"))
    _submit(gated, b"alpha\n")
    parked = gated.run_one()
    assert parked is not None
    assert (parked.status, parked.step_number) == (RunStatus.WAITING, 2)
    assert gated.run_one() is None  # still closed: not due
    clock.advance(dt.timedelta(hours=2))  # 14:00 Berlin
    done = gated.run_one()
    assert done is not None
    assert done.status is RunStatus.DONE
    assert _loaded(gated.engine) == 1


def test_a_run_killed_mid_step_resumes_once_its_lease_expired_and_loads_each_row_once(
    runner: PipelineRunner, clock: FakeClock, blobs: LocalBlobStore
) -> None:
    run = _submit(runner, b"alpha\nbeta\ngamma\n")
    crashing = _runner(runner.engine, clock, blobs)
    crashing.register(PipelineWork(PIPELINE, {1: _read, 3: _crash_after_two}))
    with pytest.raises(Crash):
        crashing.run_one()
    assert _loaded(runner.engine) == 0  # the step's transaction was rolled back
    with UnitOfWork(runner.engine, clock, writes=False) as uow:
        stuck = RunStore(uow.connection, "makler-a").get(run.run_id)
    assert (stuck.status, stuck.step_number, stuck.completed_step) == (RunStatus.RUNNING, 3, 2)
    assert runner.run_one() is None  # the lease still holds
    clock.advance(dt.timedelta(minutes=6))
    resumed = runner.run_one()
    assert resumed is not None
    assert (resumed.status, resumed.attempts, resumed.counts["loaded"]) == (RunStatus.DONE, 2, 3)
    assert _loaded(runner.engine) == 3


def _crash_after_two(context: StepContext) -> None:
    context.scratch["crash_after"] = 1
    _load(context)


def test_a_tenants_runs_are_taken_one_after_another_and_read_only_by_it(
    runner: PipelineRunner,
) -> None:
    first, second = _submit(runner, b"one\n"), _submit(runner, b"two\n")
    other = _submit(runner, b"three\n", tenant="makler-b")
    taken = [runner.run_one(), runner.run_one(), runner.run_one()]
    assert [run.run_id for run in taken if run] == [first.run_id, second.run_id, other.run_id]
    with UnitOfWork(runner.engine, runner.clock, writes=False) as uow:
        mine = RunStore(uow.connection, "makler-a")
        assert [run.run_id for run in mine.list(PIPELINE.kind)] == [second.run_id, first.run_id]
        with pytest.raises(NotFound):
            mine.get(other.run_id)


def test_the_run_names_its_stored_file(runner: PipelineRunner, blobs: LocalBlobStore) -> None:
    run = _submit(runner, b"alpha\n")
    assert (run.size_bytes, run.sha256) == (6, hashlib.sha256(b"alpha\n").hexdigest())
    assert blobs.keys() == [run.blob_key]
