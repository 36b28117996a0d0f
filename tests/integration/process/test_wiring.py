"""The composition root runs the process engine: commands on the bus, due jobs in the background."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import Engine

from kontor.bootstrap import bootstrap
from kontor.messaging import FakeClock
from kontor.process import DeployProcess, StartProcess
from kontor.process.store.instances import InstanceStore
from kontor.settings import Settings

TIMERS = Path(__file__).parents[2] / "conformance" / "bpmn" / "models" / "timers.bpmn"


def test_a_due_timer_fires_in_the_background_round(engine: Engine) -> None:
    clock = FakeClock()
    kontor = bootstrap(Settings(), engine=engine, clock=clock)
    kontor.bus.handle(DeployProcess(tenant_id="makler-a", bpmn_xml=TIMERS.read_text()))
    instance_id = kontor.bus.handle(StartProcess(tenant_id="makler-a", process_key="Timers"))

    def waiting_user_tasks() -> list[str]:
        with kontor.bus.unit_of_work() as uow:
            state = InstanceStore(uow.connection, "makler-a").get(instance_id).state
        return [task.element_id for task in state.user_tasks.values()]

    kontor.background_round()
    assert waiting_user_tasks() == []  # the 10-minute cooling-off period has not passed
    clock.advance(dt.timedelta(minutes=10))
    kontor.background_round()
    assert waiting_user_tasks() == ["Review"]


def test_configured_modules_register_the_task_handlers(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "acme_tasks.py").write_text(
        "def register(handlers):\n"
        "    handlers.register('score', lambda variables, headers: {'score': 7})\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    settings = Settings(process_task_handler_modules=["acme_tasks"], process_job_lock_seconds=30)
    kontor = bootstrap(settings, engine=engine, clock=FakeClock())
    assert "score" in kontor.process_jobs.handlers.types()
    assert kontor.process_jobs.lock_for == dt.timedelta(seconds=30)


def test_a_handler_module_that_cannot_register_is_named(engine: Engine) -> None:
    settings = Settings(process_task_handler_modules=["kontor.no_such_module"])
    with pytest.raises(ValueError, match=r"'kontor\.no_such_module'"):
        bootstrap(settings, engine=engine)
