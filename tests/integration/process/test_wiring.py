"""The composition root runs the process engine: commands on the bus, due jobs in the background."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

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
