"""A GDV import killed at any step is resumed after a restart and never left half applied."""

from __future__ import annotations

import datetime as dt
import random
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from kontor.bootstrap import bootstrap
from kontor.exchange import store_chunks
from kontor.exchange.pipeline import RunStatus, RunStore
from kontor.messaging import FakeClock, UnitOfWork
from kontor.portfolio import GDV_IMPORT
from kontor.portfolio.tables import contracts, customers
from kontor.settings import Environment, Settings
from support.backends import BACKENDS
from support.gdv_files import sample_bytes
from support.messaging import WAIT_BOUND_SECONDS

pytestmark = [
    pytest.mark.parametrize("database_url", BACKENDS, indirect=True),
    pytest.mark.slow,
]
CHILD = str(Path(__file__).with_name("import_crash_child.py"))
ROUNDS = 4
CUSTOMERS, CONTRACTS = 10, 14  # of the GDV sample (see test_gdv_import)


def _held(engine: Engine, tenant: str) -> tuple[int, int]:
    with engine.connect() as connection:
        return tuple(  # type: ignore[return-value]
            connection.execute(
                select(func.count()).select_from(table).where(table.c.tenant_id == tenant)
            ).scalar_one()
            for table in (customers, contracts)
        )


def _kill_at(database_url: str, data_dir: Path, step: int) -> None:
    """Start the child and SIGKILL it once the run shows ``step`` (its work under way)."""
    child = subprocess.Popen(
        [sys.executable, CHILD, database_url, str(data_dir)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert child.stdout is not None
    for line in child.stdout:
        if line.strip() == f"step {step}":
            child.kill()
            break
    child.wait(timeout=WAIT_BOUND_SECONDS)
    assert child.stderr is not None
    errors = child.stderr.read()
    child.stdout.close()
    child.stderr.close()
    assert child.returncode == -9, f"the child was not killed at step {step}: {errors[-2000:]}"


def test_a_killed_import_resumes_after_restart_and_is_never_half_applied(
    engine: Engine, database_url: str, tmp_path: Path
) -> None:
    rng = random.Random(20261202)
    settings = Settings(environment=Environment.TEST, database_url=database_url,
                        data_dir=tmp_path)  # fmt: skip
    for round_number, step in enumerate(rng.sample(range(1, 9), ROUNDS)):
        tenant = f"makler-{round_number}"
        kontor = bootstrap(settings, engine=engine, clock=FakeClock())
        runner = kontor.imports
        assert runner is not None
        blob = store_chunks(runner.blobs, [sample_bytes()], limit=settings.import_max_bytes)
        with UnitOfWork(engine, runner.clock) as uow:
            run = runner.submit(uow, tenant, GDV_IMPORT, blob, "bestand.gdv", "user-1")
            uow.commit()
        _kill_at(database_url, tmp_path, step)
        with UnitOfWork(engine, runner.clock, writes=False) as uow:
            stuck = RunStore(uow.connection, tenant).get(run.run_id)
        # what a kill leaves: whole steps, nothing of the step it interrupted
        assert stuck.status is RunStatus.RUNNING
        held = _held(engine, tenant)
        expected = (CUSTOMERS if stuck.completed_step >= 6 else 0,
                    CONTRACTS if stuck.completed_step >= 7 else 0)  # fmt: skip
        assert held == expected, f"killed at step {step}: {stuck.completed_step=} {held=}"
        restarted = bootstrap(
            settings, engine=engine,
            clock=FakeClock(dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)),  # lease expired
        )  # fmt: skip
        assert restarted.imports is not None
        resumed = restarted.imports.run_one()
        assert resumed is not None
        assert (resumed.run_id, resumed.status, resumed.step_number) == (
            run.run_id, RunStatus.DONE, 9
        )  # fmt: skip
        assert resumed.attempts == 2
        assert _held(engine, tenant) == (CUSTOMERS, CONTRACTS)
        assert resumed.counts["contracts"] == CONTRACTS
