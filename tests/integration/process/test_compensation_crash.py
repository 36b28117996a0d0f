"""Crash test of compensation: workers killed during a transaction cancel leave every instance
consistent — each booking and each undo applied once, undone newest first, then the cancel flow.
"""

from __future__ import annotations

import random
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import Engine

from integration.process.test_crash_recovery import (
    TENANT,
    _completed_activities,
    _kill_at_random_progress_then_finish,
    _stored_instances,
    _wired,
    worker_pool,
)
from kontor.messaging import SystemClock
from kontor.process import DeployProcess, StartProcess
from kontor.process.store.tables import process_jobs
from support.process_rows import count_rows

pytestmark = pytest.mark.slow

MODEL = (Path(__file__).resolve().parent / "models" / "crash_compensation.bpmn").read_text()
INSTANCES = 500
ELEMENTS = ("Start", "TS", "A", "B", "TCancel", "UB", "UA", "Cancelled", "C", "End")


@pytest.mark.parametrize(
    ("database_url", "workers"),
    [
        pytest.param("sqlite", 1, id="sqlite-1-worker"),
        pytest.param("postgres", 2, id="postgres-2-workers"),
    ],
    indirect=["database_url"],
)
def test_killed_workers_finish_every_transaction_cancel_compensating_each_booking_once(
    database_url: str, engine: Engine, workers: int, tmp_path: Path
) -> None:
    starter = _wired(database_url, SystemClock())
    starter.bus.handle(DeployProcess(tenant_id=TENANT, bpmn_xml=MODEL))
    ids = [f"00000000-0000-4000-9000-{n:012d}" for n in range(INSTANCES)]
    for instance_id in ids:
        starter.bus.handle(
            StartProcess(
                tenant_id=TENANT, process_key="CrashCompensation", instance_id=instance_id,
                variables={"instance": instance_id, "order": []},
            )
        )  # fmt: skip
    starter.stop()
    with worker_pool(database_url, tmp_path) as pool:
        _kill_at_random_progress_then_finish(
            pool, engine, workers, random.Random(20261202), total=INSTANCES * len(ELEMENTS)
        )

    records = _stored_instances(database_url, ids)
    for record in records:
        instance = record.instance_id
        assert record.status == "completed", instance
        assert record.state.variables["order"] == ["A", "B", "UB", "UA", "C"], instance
        assert record.state.tokens == {}, f"{instance} kept tokens"
        assert record.state.compensables == {}, f"{instance} kept compensation records"
        assert record.state.compensation_runs == {}, f"{instance} kept a compensation run"
    assert count_rows(engine, process_jobs) == 0
    history = _completed_activities(engine)
    expected = Counter(ELEMENTS)
    assert {i: history.get(i) for i in ids} == dict.fromkeys(ids, expected)
