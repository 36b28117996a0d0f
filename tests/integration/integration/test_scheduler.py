"""Schedules through the bus: firings on the fake clock, windows and holidays, misfires,
pause and resume, run now, and the history of runs with their commands' results."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import Engine, func, select

from kontor.bootstrap import Kontor
from kontor.errors import InvalidInput
from kontor.integration.scheduler import (
    CreateSchedule,
    DeleteSchedule,
    Misfire,
    PauseSchedule,
    ResumeSchedule,
    RunScheduleNow,
    ScheduleNameTaken,
    ScheduleNotFound,
    ScheduleStore,
)
from kontor.messaging import FakeClock
from kontor.process import DeployProcess
from kontor.process.store.tables import process_instances
from support.backends import BACKENDS
from support.kontor_app import kontor_on

pytestmark = pytest.mark.parametrize("database_url", BACKENDS, indirect=True)

TENANT = "t1"
# Thursday 2 April 2026, 16:00 in Berlin (CEST); Friday is Good Friday, Monday Easter Monday
START = dt.datetime(2026, 4, 2, 14, 0, tzinfo=dt.UTC)
PING = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d"
  targetNamespace="http://t">
  <bpmn:process id="Ping" isExecutable="true">
    <bpmn:startEvent id="S"/><bpmn:endEvent id="E"/>
    <bpmn:sequenceFlow id="f" sourceRef="S" targetRef="E"/>
  </bpmn:process>
</bpmn:definitions>"""


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(START)


@pytest.fixture
def kontor(engine: Engine, clock: FakeClock) -> Kontor:
    wired = kontor_on(engine, clock)
    wired.bus.handle(DeployProcess(tenant_id=TENANT, bpmn_xml=PING))
    return wired


def create(kontor: Kontor, name: str = "ping", **fields: object) -> str:
    values: dict[str, object] = {
        "cron": "0 * * * *", "command_type": "process.start",
        "command_payload": {"process_key": "Ping", "variables": {"from": name}}, **fields,
    }  # fmt: skip
    command = CreateSchedule(tenant_id=TENANT, actor="u1", name=name, **values)  # type: ignore[arg-type]
    kontor.bus.handle(command)
    return command.schedule_id


def instances(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(
            connection.execute(select(func.count()).select_from(process_instances)).scalar_one()
        )


def step_to(kontor: Kontor, clock: FakeClock, moment: dt.datetime) -> int:
    """Move the clock to ``moment`` and fire what is due; how many timers fired."""
    clock.advance(moment - clock.now())
    assert kontor.timers is not None
    fired = kontor.timers.fire_until_idle()
    kontor.dispatcher.replay_undispatched()
    return fired


def next_due(kontor: Kontor, schedule_id: str) -> dt.datetime | None:
    with kontor.bus.reading() as uow:
        return ScheduleStore(uow.connection, TENANT).get(schedule_id).next_due_at


def test_a_window_and_holidays_skip_closed_hours_and_days(
    kontor: Kontor, clock: FakeClock, engine: Engine
) -> None:
    schedule_id = create(kontor, window="Mo-Fr 08:00-20:00", holiday_state="BY")
    fired_at = []
    while len(fired_at) < 6:
        due = next_due(kontor, schedule_id)
        assert due is not None
        step_to(kontor, clock, due)
        fired_at.append(due.astimezone(dt.timezone(dt.timedelta(hours=2))).strftime("%d. %H:%M"))
    # 17, 18, 19 o'clock on Thursday; no 20:00; Good Friday to Easter Monday closed
    assert fired_at == ["02. 17:00", "02. 18:00", "02. 19:00", "07. 08:00", "07. 09:00",
                        "07. 10:00"]  # fmt: skip
    assert instances(engine) == 6
    with kontor.bus.reading() as uow:
        runs = ScheduleStore(uow.connection, TENANT).runs(schedule_id)
    assert [run.result for run in runs] == ["done"] * 6
    assert all(run.lateness_ms == 0 and run.duration_ms is not None for run in runs)


def test_a_firing_later_than_its_grace_runs_once_or_is_skipped(
    kontor: Kontor, clock: FakeClock, engine: Engine
) -> None:
    once = create(kontor, "once", misfire=Misfire.RUN_ONCE, misfire_grace_seconds=60)
    skip = create(kontor, "skip", misfire=Misfire.SKIP, misfire_grace_seconds=60)
    step_to(kontor, clock, START + dt.timedelta(hours=5, minutes=30))  # five hours missed
    assert instances(engine) == 1  # "once" ran once, not five times; "skip" did not run
    with kontor.bus.reading() as uow:
        store = ScheduleStore(uow.connection, TENANT)
        assert [run.result for run in store.runs(once)] == ["done"]
        assert [run.result for run in store.runs(skip)] == ["missed"]
        # the rhythm goes on from now: the next full hour
        assert store.get(once).next_due_at == START + dt.timedelta(hours=6)
        assert store.get(skip).next_due_at == START + dt.timedelta(hours=6)


def test_paused_schedules_do_not_fire_and_resume_from_now(
    kontor: Kontor, clock: FakeClock, engine: Engine
) -> None:
    schedule_id = create(kontor)
    kontor.bus.handle(PauseSchedule(tenant_id=TENANT, schedule_id=schedule_id))
    assert step_to(kontor, clock, START + dt.timedelta(hours=3)) == 0
    assert instances(engine) == 0
    kontor.bus.handle(ResumeSchedule(tenant_id=TENANT, schedule_id=schedule_id))
    assert next_due(kontor, schedule_id) == START + dt.timedelta(hours=4)
    step_to(kontor, clock, START + dt.timedelta(hours=4))
    assert instances(engine) == 1


def test_run_now_sends_the_command_once_beside_the_rhythm(kontor: Kontor, engine: Engine) -> None:
    schedule_id = create(kontor)
    kontor.bus.handle(RunScheduleNow(tenant_id=TENANT, schedule_id=schedule_id, actor="u1"))
    kontor.dispatcher.replay_undispatched()
    assert instances(engine) == 1
    with kontor.bus.reading() as uow:
        [run] = ScheduleStore(uow.connection, TENANT).runs(schedule_id)
    assert (run.trigger, run.result) == ("manual", "done")
    assert next_due(kontor, schedule_id) == START + dt.timedelta(hours=1)


def test_deleted_schedules_fire_no_more(kontor: Kontor, clock: FakeClock, engine: Engine) -> None:
    schedule_id = create(kontor)
    kontor.bus.handle(DeleteSchedule(tenant_id=TENANT, schedule_id=schedule_id))
    assert step_to(kontor, clock, START + dt.timedelta(hours=2)) == 0
    assert instances(engine) == 0
    with pytest.raises(ScheduleNotFound):
        kontor.bus.handle(PauseSchedule(tenant_id=TENANT, schedule_id=schedule_id))


def test_another_tenants_schedule_is_not_found(kontor: Kontor) -> None:
    schedule_id = create(kontor)
    for command in (PauseSchedule, ResumeSchedule, RunScheduleNow, DeleteSchedule):
        with pytest.raises(ScheduleNotFound):
            kontor.bus.handle(command(tenant_id="t2", schedule_id=schedule_id))


def test_bad_schedules_are_refused_naming_the_field(kontor: Kontor) -> None:
    cases = {
        "cron": {"cron": "61 * * * *"},
        "time_zone": {"time_zone": "Mars/Olympus"},
        "window": {"window": "Mo-Fr 20:00-08:00"},
        "holiday_state": {"holiday_state": "XX"},
        "command_type": {"command_type": "platform.grant_permission"},
        "command_payload.process_key": {"command_payload": {}},
        "command_payload.tenant_id": {"command_payload": {"process_key": "P", "tenant_id": "t2"}},
    }
    for field, change in cases.items():
        with pytest.raises(InvalidInput) as refused:
            create(kontor, **change)
        assert getattr(refused.value, "details", {}).get("field") == field, field
    create(kontor)
    with pytest.raises(ScheduleNameTaken):
        create(kontor)
