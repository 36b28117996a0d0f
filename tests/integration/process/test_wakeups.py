"""A job that becomes due runs at once, not at the background loop's next poll: the committing
process wakes its own loop, and on PostgreSQL a NOTIFY wakes the loops of other processes."""

from __future__ import annotations

import os
import threading
from collections.abc import Mapping
from typing import Any

import pytest
from sqlalchemy import Engine, text

from kontor.bootstrap import bootstrap
from kontor.messaging import wakeups
from kontor.process import DeployProcess, StartProcess, TaskHandlers
from kontor.settings import Settings
from support.messaging import wait_for
from support.process_world import checked

HOUR = 3600.0  # the loop's poll interval: far beyond the wait's bound, so only a wake-up runs it


@pytest.mark.parametrize(
    ("database_url", "woken_by"),
    [
        pytest.param("sqlite", "this process", id="sqlite"),
        pytest.param("postgres", "this process", id="postgres"),
        pytest.param("postgres", "another process", id="postgres-notify"),
    ],
    indirect=["database_url"],
)
def test_a_due_job_runs_without_waiting_for_the_next_poll(
    database_url: str, engine: Engine, woken_by: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    ran = threading.Event()

    def check(variables: Mapping[str, Any], headers: Mapping[str, str]) -> dict[str, Any]:
        ran.set()
        return {}

    handlers = TaskHandlers()
    handlers.register("check", check)
    settings = Settings(database_url=database_url, dispatcher_poll_seconds=HOUR)
    worker = bootstrap(settings, engine=engine, task_handlers=handlers)
    worker.start(consume=True)
    if woken_by == "another process":  # as if the start committed elsewhere: only NOTIFY wakes
        monkeypatch.setattr(wakeups, "wake_local", lambda: None)
    starter = bootstrap(settings, engine=engine)
    try:
        starter.bus.handle(DeployProcess(tenant_id="t1", bpmn_xml=checked(retries=1)))
        starter.bus.handle(StartProcess(tenant_id="t1", process_key="Checked"))
        wait_for(ran.is_set, f"the job to run, woken by {woken_by}")
        if woken_by == "another process":  # heard on a connection operators can tell apart
            with engine.connect() as connection:
                sessions = connection.execute(text("SELECT application_name FROM pg_stat_activity"))
                assert f"kontor-{os.getpid()}-listen" in sessions.scalars().all()
    finally:
        worker.stop()
