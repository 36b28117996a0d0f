"""The process service through the bus: durable steps, events in the outbox, the job executor."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func, select

from kontor.messaging import outbox
from kontor.process import (
    BpmnError,
    BroadcastSignal,
    CompleteUserTask,
    CorrelateMessage,
    DeployProcess,
    IncidentRaised,
    ProcessInstanceCompleted,
    ResumeInstance,
    StartProcess,
    SuspendInstance,
    TaskCompleted,
    UserTaskActivated,
)
from kontor.process.errors import (
    DuplicateBusinessKey,
    InvalidProcessCommand,
    InvalidProcessModel,
    MessageNotCorrelated,
)
from kontor.process.store import HistoryStore, InstanceStore
from kontor.process.task_handlers import IDEMPOTENCY_HEADER
from support.backends import BACKENDS
from support.process_world import World, checked

pytestmark = pytest.mark.parametrize("database_url", BACKENDS, indirect=True)

MODELS = Path(__file__).resolve().parents[2] / "conformance" / "bpmn" / "models"
CLAIM = (MODELS / "claim_triage_feel.bpmn").read_text()
MESSAGES = (MODELS / "messages.bpmn").read_text()
TIMERS = (MODELS / "timers.bpmn").read_text()
CHECKED = checked(retries=2)


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
    assert world.completed(instance)[-2:] == ["JoinGw", "EndEvt"]
    with world.kontor.bus.unit_of_work() as uow:
        activities = HistoryStore(uow.connection, "t1").activity_history(instance)
    assert sorted(a.outcome for a in activities if a.element_id == "JoinGw") == [
        "completed",
        "merged",
    ]
    assert all(a.ended_at is not None for a in activities)  # nothing left open after the end


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


def test_a_start_after_a_new_version_in_the_same_batch_runs_the_new_version(
    world: World, engine: Engine
) -> None:
    world.deploy(CLAIM)
    version_2 = CLAIM.replace('name="Claim triage"', 'name="Claim triage 2"')
    assert version_2 != CLAIM

    def start() -> StartProcess:
        return StartProcess(tenant_id="t1", process_key="ClaimTriage", variables={"amount": 5})

    first, _, second = world.kontor.bus.handle_all(
        [start(), DeployProcess(tenant_id="t1", bpmn_xml=version_2), start()]
    )
    with engine.connect() as connection:
        store = InstanceStore(connection, "t1")
        versions = [store.get(first).definition_version, store.get(second).definition_version]
    assert versions == [1, 2]


def test_a_batch_slower_than_half_its_lock_leaves_its_other_jobs_to_a_new_claim(
    world: World,
) -> None:
    world.deploy(CHECKED)
    runs: list[str] = []

    def slow(variables: Mapping[str, Any], headers: Mapping[str, str]) -> dict[str, Any]:
        runs.append(headers[IDEMPOTENCY_HEADER])
        world.clock.advance(world.executor.lock_for * 0.6)  # e.g. a remote call near its timeout
        return {}

    world.handlers.register("check", slow)
    first, second = world.start("Checked"), world.start("Checked")
    report = world.executor.run_due()
    assert (report.completed, report.conflicts) == (1, 1)  # the second job was not run
    assert world.executor.run_due().claimed == 0  # still locked: no executor runs it meanwhile
    world.clock.advance(world.executor.lock_for)
    assert world.executor.run_until_idle().completed == 1
    assert [world.status(first), world.status(second)] == ["completed", "completed"]
    assert sorted(key.split("/")[0] for key in runs) == sorted([first, second])  # once each


def test_failing_handler_is_retried_after_a_delay_then_becomes_an_incident(world: World) -> None:
    world.deploy(CHECKED)
    calls: list[tuple[str, str]] = []

    def broken(variables: Mapping[str, Any], headers: Mapping[str, str]) -> None:
        calls.append((headers["rule"], headers[IDEMPOTENCY_HEADER]))
        raise ConnectionError("scoring service down")

    world.handlers.register("check", broken)
    instance = world.start("Checked")
    assert world.executor.run_until_idle().failed == 1
    assert world.executor.run_until_idle().claimed == 0  # not due before the retry delay
    world.clock.advance(world.executor.retry_delay)
    assert world.executor.run_until_idle().incidents == 1
    assert [rule for rule, _ in calls] == ["strict", "strict"]
    assert calls[0][1] == calls[1][1]  # one key across the retries of one job
    assert calls[0][1].startswith(f"{instance}/")
    [incident] = world.of(IncidentRaised)
    assert incident.element_id == "Check"
    assert "scoring service down" in incident.reason
    world.clock.advance(dt.timedelta(days=1))
    assert world.executor.run_until_idle().claimed == 0  # parked until resolved
    with world.kontor.bus.unit_of_work() as uow:
        assert HistoryStore(uow.connection, "t1").incidents(instance)[0].element_id == "Check"


def test_a_bpmn_error_from_a_handler_takes_the_boundary_event(world: World) -> None:
    world.deploy(CHECKED)

    def reject(variables: Mapping[str, Any], headers: Mapping[str, str]) -> None:
        raise BpmnError("REJECTED", "not insured", {"why": "no cover"})

    world.handlers.register("check", reject)
    instance = world.start("Checked")
    world.executor.run_until_idle()
    assert world.completed(instance)[-2:] == ["OnRejected", "Refused"]
    assert world.of(ProcessInstanceCompleted)[0].variables == {"why": "no cover"}


def test_a_job_result_that_arrives_while_suspended_is_applied_on_resume_without_a_rerun(
    world: World,
) -> None:
    world.deploy(CHECKED)
    started: list[str] = []
    calls: list[str] = []

    def check(variables: Mapping[str, Any], headers: Mapping[str, str]) -> dict[str, Any]:
        calls.append(headers[IDEMPOTENCY_HEADER])
        # An operator suspends the instance while the handler runs (after the job was claimed).
        world.handle(SuspendInstance(tenant_id="t1", instance_id=started[0]))
        return {"score": 7}

    world.handlers.register("check", check)
    started.append(instance := world.start("Checked"))
    world.executor.run_until_idle()
    held = world.record(instance).state
    assert held.suspended
    assert (held.variables, [j.element_id for j in held.jobs.values()]) == ({}, ["Check"])
    world.clock.advance(dt.timedelta(hours=1))
    assert world.executor.run_until_idle().claimed == 0  # nothing runs while suspended

    world.handle(ResumeInstance(tenant_id="t1", instance_id=instance))
    world.executor.run_until_idle()

    assert len(calls) == 1  # the service was called once, its result was not lost
    assert world.completed(instance)[-2:] == ["Check", "Accepted"]
    [done] = world.of(ProcessInstanceCompleted)
    assert done.variables == {"score": 7}


def test_an_error_or_failure_while_suspended_is_kept_for_the_resume(world: World) -> None:
    world.deploy(CHECKED)
    world.deploy(CHECKED.replace('"Checked"', '"Flaky"'))
    started: dict[str, str] = {}
    calls: list[str] = []

    def check(variables: Mapping[str, Any], headers: Mapping[str, str]) -> None:
        instance = headers[IDEMPOTENCY_HEADER].split("/")[0]
        calls.append(instance)
        if calls.count(instance) == 1:
            world.handle(SuspendInstance(tenant_id="t1", instance_id=instance))
        if instance == started["Checked"]:
            raise BpmnError("REJECTED", "not insured", {"why": "no cover"})
        if calls.count(instance) == 1:
            raise ConnectionError("scoring service down")

    world.handlers.register("check", check)
    for key in ("Checked", "Flaky"):
        started[key] = world.start(key)
    world.executor.run_until_idle()
    world.clock.advance(world.executor.retry_delay)
    assert world.executor.run_until_idle().claimed == 0  # the failure did not reschedule it
    for instance in started.values():
        world.handle(ResumeInstance(tenant_id="t1", instance_id=instance))
    [flaky] = world.record(started["Flaky"]).state.jobs.values()
    assert flaky.retries == 1  # the parked failure counted as an attempt
    world.executor.run_until_idle()

    assert world.completed(started["Checked"])[-2:] == ["OnRejected", "Refused"]
    assert calls.count(started["Checked"]) == 1
    assert world.completed(started["Flaky"])[-2:] == ["Check", "Accepted"]
    assert calls.count(started["Flaky"]) == 2  # one failed attempt, one retry


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
    assert world.completed(first)[-2:] == ["Stop", "Stopped"]


CAMUNDA7_HEADER = (
    '<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" '
    'xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="d" targetNamespace="x">'
)


def test_camunda7_juel_is_checked_at_deployment_and_evaluated_durably(world: World) -> None:
    broken = (
        f'{CAMUNDA7_HEADER}<process id="Juel" isExecutable="true"><startEvent id="S"/>'
        '<sequenceFlow id="f" sourceRef="S" targetRef="X"/>'
        '<serviceTask id="X" camunda:expression="${pricing.quote(amount)}"'
        ' camunda:resultVariable="price"/></process></definitions>'
    )
    with pytest.raises(InvalidProcessModel) as refused:
        world.deploy(broken)
    issues = refused.value.details["issues"]
    assert any("'X'" in issue and "expression: JUEL" in issue for issue in issues)
    assert world.instances("Juel") == []
    sound = broken.replace("${pricing.quote(amount)}", "${amount * 1.19}").replace(
        '<sequenceFlow id="f"',
        '<sequenceFlow id="g" sourceRef="X" targetRef="T"/><userTask id="T"'
        ' camunda:assignee="${execution.getProcessInstanceId()}"/><sequenceFlow id="f"',
    )
    world.deploy(sound)
    instance_id = world.start("Juel", variables={"amount": 100})
    state = world.record(instance_id).state
    assert state.variables["price"] == 119
    [task] = world.of(UserTaskActivated)
    assert task.assignee == instance_id
