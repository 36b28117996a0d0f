"""The process service through the bus: durable steps, events in the outbox, the job executor."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func, select

from kontor.bootstrap import Kontor, bootstrap
from kontor.messaging import Event, FakeClock, HandlerRegistry, outbox
from kontor.process import (
    BpmnError,
    BroadcastSignal,
    CompleteUserTask,
    CorrelateMessage,
    DeployProcess,
    IncidentRaised,
    ProcessInstanceCompleted,
    StartProcess,
    TaskCompleted,
    TaskHandlers,
    UserTaskActivated,
)
from kontor.process.errors import (
    DuplicateBusinessKey,
    InvalidProcessCommand,
    InvalidProcessModel,
    MessageNotCorrelated,
)
from kontor.process.store import InstanceStore
from kontor.settings import Settings
from support.backends import BACKENDS

pytestmark = pytest.mark.parametrize("database_url", BACKENDS, indirect=True)

MODELS = Path(__file__).resolve().parents[2] / "conformance" / "bpmn" / "models"
CLAIM = (MODELS / "claim_triage_feel.bpmn").read_text()
MESSAGES = (MODELS / "messages.bpmn").read_text()
TIMERS = (MODELS / "timers.bpmn").read_text()
CHECKED = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="d" targetNamespace="http://t">
  <bpmn:error id="Rejected" errorCode="REJECTED"/>
  <bpmn:process id="Checked" isExecutable="true">
    <bpmn:startEvent id="S"/>
    <bpmn:serviceTask id="Check"><bpmn:extensionElements>
      <zeebe:taskDefinition type="check" retries="2"/>
      <zeebe:taskHeaders><zeebe:header key="rule" value="strict"/></zeebe:taskHeaders>
    </bpmn:extensionElements></bpmn:serviceTask>
    <bpmn:boundaryEvent id="OnRejected" attachedToRef="Check">
      <bpmn:errorEventDefinition errorRef="Rejected"/>
    </bpmn:boundaryEvent>
    <bpmn:endEvent id="Accepted"/><bpmn:endEvent id="Refused"/>
    <bpmn:sequenceFlow id="f1" sourceRef="S" targetRef="Check"/>
    <bpmn:sequenceFlow id="f2" sourceRef="Check" targetRef="Accepted"/>
    <bpmn:sequenceFlow id="f3" sourceRef="OnRejected" targetRef="Refused"/>
  </bpmn:process>
</bpmn:definitions>"""


class World:
    """A wired Kontor with the process handlers, a job executor and a log of emitted events."""

    def __init__(self, engine: Engine) -> None:
        self.clock = FakeClock()
        registry = HandlerRegistry()
        self.events: list[Event] = []
        for event_type in (UserTaskActivated, ProcessInstanceCompleted, IncidentRaised):
            registry.subscribe(event_type, lambda e, _uow: self.events.append(e), "test.seen")
        self.handlers = TaskHandlers()
        self.kontor: Kontor = bootstrap(
            Settings(),
            clock=self.clock,
            engine=engine,
            registry=registry,
            task_handlers=self.handlers,
        )  # bootstrap registers the process commands and builds the job executor
        self.executor = self.kontor.process_jobs

    def deploy(self, xml: str) -> None:
        self.kontor.bus.handle(DeployProcess(tenant_id="t1", bpmn_xml=xml))

    def start(self, key: str, **fields: Any) -> str:
        result: str = self.kontor.bus.handle(
            StartProcess(tenant_id="t1", process_key=key, **fields)
        )
        return result

    def of(self, kind: type[Event]) -> list[Any]:
        return [e for e in self.events if isinstance(e, kind)]

    def history(self, instance_id: str) -> list[str]:
        with self.kontor.bus.unit_of_work() as uow:
            rows = InstanceStore(uow.connection, "t1").history(instance_id)
        return [row.element_id for row in rows if row.outcome == "completed"]


@pytest.fixture
def world(engine: Engine) -> World:
    return World(engine)


def test_start_emits_the_user_task_and_task_completion_moves_on(world: World) -> None:
    world.deploy(CLAIM)
    seen: list[Mapping[str, Any]] = []
    world.handlers.register("notify", lambda variables, headers: {"notified": True})
    world.handlers.register(
        "ledger", lambda variables, headers: seen.append(dict(variables)) or {"booked": True}
    )
    instance = world.start(
        "ClaimTriage", variables={"amount": 5000}, business_key="S-1", case_id="case-9"
    )
    [task] = world.of(UserTaskActivated)
    assert (task.instance_id, task.element_id, task.case_id) == (instance, "SeniorReview", "case-9")
    assert task.candidate_groups == ["senior-adjusters"]
    assert task.business_key == "S-1"
    world.kontor.bus.publish(
        TaskCompleted(
            tenant_id="t1", task_id="casework-1", process_instance_id=instance,
            process_task_id=task.task_id, variables={"approved": True},
        )
    )  # fmt: skip
    report = world.executor.run_until_idle()
    assert (report.completed, report.failed) == (2, 0)
    assert seen[0]["reserve"] == 4500
    [done] = world.of(ProcessInstanceCompleted)
    assert done.variables == {
        "amount": 5000, "risk": "high", "approved": True, "notified": True, "booked": True
    }  # fmt: skip
    assert done.business_key == "S-1"
    assert world.history(instance)[-2:] == ["JoinGw", "EndEvt"]


def test_a_duplicate_business_key_leaves_no_trace(world: World, engine: Engine) -> None:
    world.deploy(CLAIM)
    world.start("ClaimTriage", variables={"amount": 5}, business_key="S-1")
    with engine.connect() as connection:
        before = connection.execute(select(func.count()).select_from(outbox)).scalar_one()
    with pytest.raises(DuplicateBusinessKey):
        world.start("ClaimTriage", variables={"amount": 5}, business_key="S-1")
    with engine.connect() as connection:
        assert connection.execute(select(func.count()).select_from(outbox)).scalar_one() == before
    assert len(world.of(UserTaskActivated)) == 1


def test_completing_a_task_twice_is_refused(world: World) -> None:
    world.deploy(CLAIM)
    instance = world.start("ClaimTriage", variables={"amount": 5})
    [task] = world.of(UserTaskActivated)
    complete = CompleteUserTask(tenant_id="t1", instance_id=instance, task_id=task.task_id)
    world.kontor.bus.handle(complete)
    with pytest.raises(InvalidProcessCommand):
        world.kontor.bus.handle(complete.model_copy(update={"message_id": "again"}))


def test_invalid_models_are_refused_and_identical_ones_not_redeployed(world: World) -> None:
    with pytest.raises(InvalidProcessModel):
        world.deploy("<bpmn:definitions")
    first = world.kontor.bus.handle(DeployProcess(tenant_id="t1", bpmn_xml=CLAIM))
    again = world.kontor.bus.handle(DeployProcess(tenant_id="t1", bpmn_xml=CLAIM))
    assert [d.version for d in again] == [d.version for d in first] == [1]


def test_failing_handler_is_retried_after_a_delay_then_becomes_an_incident(world: World) -> None:
    world.deploy(CHECKED)
    calls: list[str] = []

    def broken(variables: Mapping[str, Any], headers: Mapping[str, str]) -> None:
        calls.append(headers["rule"])
        raise ConnectionError("scoring service down")

    world.handlers.register("check", broken)
    instance = world.start("Checked")
    assert world.executor.run_until_idle().failed == 1
    assert world.executor.run_until_idle().claimed == 0  # not due before the retry delay
    world.clock.advance(world.executor.retry_delay)
    assert world.executor.run_until_idle().incidents == 1
    assert calls == ["strict", "strict"]
    [incident] = world.of(IncidentRaised)
    assert incident.element_id == "Check"
    assert "scoring service down" in incident.reason
    world.clock.advance(dt.timedelta(days=1))
    assert world.executor.run_until_idle().claimed == 0  # parked until resolved
    with world.kontor.bus.unit_of_work() as uow:
        assert InstanceStore(uow.connection, "t1").incidents(instance)[0]["element_id"] == "Check"


def test_a_bpmn_error_from_a_handler_takes_the_boundary_event(world: World) -> None:
    world.deploy(CHECKED)

    def reject(variables: Mapping[str, Any], headers: Mapping[str, str]) -> None:
        raise BpmnError("REJECTED", "not insured", {"why": "no cover"})

    world.handlers.register("check", reject)
    instance = world.start("Checked")
    world.executor.run_until_idle()
    assert world.history(instance)[-2:] == ["OnRejected", "Refused"]
    assert world.of(ProcessInstanceCompleted)[0].variables == {"why": "no cover"}


def test_a_job_type_without_in_process_handler_waits_for_an_external_worker(world: World) -> None:
    world.deploy(CHECKED)
    instance = world.start("Checked")
    assert world.executor.run_until_idle().claimed == 0
    with world.kontor.bus.unit_of_work() as uow:
        (job,) = InstanceStore(uow.connection, "t1").jobs(instance)
    assert (job["type"], job["lock_owner"]) == ("check", None)
    assert world.of(IncidentRaised) == []


def test_timers_fire_when_the_fake_clock_reaches_them(world: World) -> None:
    world.deploy(TIMERS)
    world.start("Timers")
    assert world.executor.run_until_idle().claimed == 0
    assert world.executor.next_due_at() == world.clock.now() + dt.timedelta(minutes=10)
    world.clock.advance(dt.timedelta(minutes=10))
    assert world.executor.run_until_idle().completed == 1
    assert [t.element_id for t in world.of(UserTaskActivated)] == ["Review"]


def test_messages_correlate_by_key_and_signals_reach_every_waiting_instance(world: World) -> None:
    world.deploy(MESSAGES)
    first = world.start("Messages", variables={"claimId": "C-1"})
    second = world.start("Messages", variables={"claimId": "C-2"})
    bus = world.kontor.bus
    with pytest.raises(MessageNotCorrelated):
        bus.handle(CorrelateMessage(tenant_id="t1", name="documents-received", correlation_key="X"))
    for key, instance in (("C-1", first), ("C-2", second)):
        correlated = bus.handle(
            CorrelateMessage(tenant_id="t1", name="documents-received", correlation_key=key)
        )
        assert correlated == instance
    assert bus.handle(BroadcastSignal(tenant_id="t1", name="stop-all")) == 2
    assert bus.handle(BroadcastSignal(tenant_id="t2", name="stop-all")) == 0
    assert {e.instance_id for e in world.of(ProcessInstanceCompleted)} == {first, second}
    assert world.history(first)[-2:] == ["Stop", "Stopped"]
