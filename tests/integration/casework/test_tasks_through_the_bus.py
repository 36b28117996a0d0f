"""The task system with the process engine, through the bus: tasks appear, move and end."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import Engine, select

from kontor.casework.tasks import (
    CreateTask,
    InvalidTaskTransition,
    Task,
    TaskNotFound,
    TaskState,
    TaskStore,
    WorkOnTask,
)
from kontor.casework.tasks.domain import SYSTEM, Step, apply
from kontor.casework.tasks.operations import MakeObsolete
from kontor.casework.tasks.store import ConcurrentTaskChange
from kontor.db.fast import RefusedLater, checks_later
from kontor.messaging import UnitOfWork
from kontor.platform.audit import every_entry
from kontor.process import CancelInstance, CompleteUserTask
from support.backends import BACKENDS
from support.process_world import TENANT, World, chain, model, process

AUDIT_LOG = every_entry()  # chained and unsealed entries

pytestmark = pytest.mark.parametrize("database_url", BACKENDS, indirect=True)

ASSIGNMENT = '<zeebe:assignmentDefinition candidateGroups="claims"/>'
CLAIM = model(
    process(
        "Claim",
        '<bpmn:startEvent id="S"/><bpmn:userTask id="Review" name="Review claim">'
        f"<bpmn:extensionElements>{ASSIGNMENT}</bpmn:extensionElements></bpmn:userTask>"
        '<bpmn:endEvent id="E"/>',
        chain("S", "Review", "E"),
    )
)


def work(world: World, task_id: str, operation: str, actor: str, **arguments: Any) -> Task:
    """Do an operation as ``actor`` (a member of the claims group)."""
    command = WorkOnTask(
        tenant_id=TENANT, actor=actor, actor_groups=["claims"], task_id=task_id,
        operation=operation, arguments=arguments,
    )  # fmt: skip
    task: Task = world.handle(command)
    return task


def task_of(world: World, instance_id: str, tenant: str = TENANT) -> Task:
    activated = world.task("Review")
    with world.kontor.bus.unit_of_work() as uow:
        found = TaskStore(uow.connection, tenant).of_process_task(instance_id, activated.task_id)
    assert found is not None, "no task was created for the user task"
    return found[0]


def history(world: World, task_id: str) -> list[tuple[str, str | None, str]]:
    with world.kontor.bus.unit_of_work() as uow:
        entries = TaskStore(uow.connection, TENANT).history(task_id)
    return [(e.operation, e.actor, e.state.value) for e in entries]


def test_a_process_task_is_claimed_delegated_resolved_and_completed(engine: Engine) -> None:
    world = World(engine)
    world.deploy(CLAIM)
    instance_id = world.start("Claim")
    task = task_of(world, instance_id)
    assert task.name == "Review claim"
    assert (task.state, task.candidate_groups) == (TaskState.READY, ("claims",))
    work(world, task.id, "claim", "anna")
    work(world, task.id, "delegate", "anna", user_id="ben", reason="second opinion")
    work(world, task.id, "resolve", "ben", data={"checked": True})
    assert world.status(instance_id) == "active"
    done = work(world, task.id, "complete", "anna", data={"approved": True})
    assert done.variables == {"checked": True, "approved": True}
    assert world.status(instance_id) == "completed"
    assert world.record(instance_id).state.variables["approved"] is True
    assert history(world, task.id) == [
        ("create", None, "ready"),
        ("claim", "anna", "reserved"),
        ("delegate", "anna", "reserved"),
        ("resolve", "ben", "reserved"),
        ("complete", "anna", "completed"),
    ]


def test_the_same_activation_delivered_twice_makes_one_task(engine: Engine) -> None:
    world = World(engine)
    world.deploy(CLAIM)
    instance_id = world.start("Claim")
    activated = world.task("Review")
    subscription = world.kontor.bus.registry.subscription(
        activated.type_name, "casework.on_user_task_activated"
    )
    assert subscription is not None
    with world.kontor.bus.unit_of_work() as uow:
        subscription.handler(activated, uow)  # at-least-once delivery: it may come again
        uow.commit()
    assert len(history(world, task_of(world, instance_id).id)) == 1


def test_a_cancelled_instance_makes_its_open_task_obsolete(engine: Engine) -> None:
    world = World(engine)
    world.deploy(CLAIM)
    instance_id = world.start("Claim")
    task = task_of(world, instance_id)
    work(world, task.id, "claim", "anna")
    world.handle(CancelInstance(tenant_id=TENANT, instance_id=instance_id, reason="withdrawn"))
    assert task_of(world, instance_id).state == TaskState.OBSOLETE
    with pytest.raises(InvalidTaskTransition, match="cannot complete a task that is obsolete"):
        work(world, task.id, "complete", "anna")
    assert history(world, task.id)[-1] == ("obsolete", None, "obsolete")


def test_standalone_tasks_are_audited_and_stay_in_their_tenant(engine: Engine) -> None:
    world = World(engine)
    created: Task = world.handle(
        CreateTask(tenant_id=TENANT, actor="boss", name="Call broker", candidate_groups=["claims"])
    )
    work(world, created.id, "claim", "anna")
    rejected = work(world, created.id, "reject", "anna", reason="not my region")
    assert rejected.state == TaskState.READY  # back to the queue: nobody owns it
    assert (rejected.assignee, rejected.outcome) == (None, "rejected")
    with world.kontor.bus.unit_of_work() as uow:
        rows = uow.connection.execute(select(AUDIT_LOG.c.action).order_by(AUDIT_LOG.c.entry_id))
        actions = [row.action for row in rows]
        with pytest.raises(TaskNotFound):
            TaskStore(uow.connection, "other-tenant").get(created.id)
    assert actions[-3:] == ["casework.create_task", "casework.task.claim", "casework.task.reject"]


def test_a_user_task_completed_through_the_process_leaves_no_open_task(engine: Engine) -> None:
    world = World(engine)
    world.deploy(CLAIM)
    instance_id = world.start("Claim")
    activated = world.task("Review")
    world.handle(
        CompleteUserTask(tenant_id=TENANT, instance_id=instance_id, task_id=activated.task_id,
                         actor="operator")
    )  # fmt: skip
    task = task_of(world, instance_id)
    assert task.state == TaskState.OBSOLETE
    with world.kontor.bus.unit_of_work() as uow:
        [*_, last] = TaskStore(uow.connection, TENANT).history(task.id)
    assert last.reason == "completed in the process by operator"


DECIDE = model(
    process(
        "Decide",
        '<bpmn:startEvent id="S"/><bpmn:userTask id="Review" name="Review claim">'
        f"<bpmn:extensionElements>{ASSIGNMENT}</bpmn:extensionElements></bpmn:userTask>"
        '<bpmn:exclusiveGateway id="Outcome" default="to_paid"/>'
        '<bpmn:endEvent id="Paid"/><bpmn:endEvent id="Refused"/>',
        chain("S", "Review", "Outcome"),
        '<bpmn:sequenceFlow id="to_paid" sourceRef="Outcome" targetRef="Paid"/>'
        '<bpmn:sequenceFlow id="to_refused" sourceRef="Outcome" targetRef="Refused">'
        '<bpmn:conditionExpression>=outcome = "rejected"</bpmn:conditionExpression>'
        "</bpmn:sequenceFlow>",
    )
)


def test_a_rejection_to_the_process_lets_it_branch(engine: Engine) -> None:
    world = World(engine)
    world.deploy(DECIDE)
    instance_id = world.start("Decide")
    task = task_of(world, instance_id)
    work(world, task.id, "claim", "anna")
    work(world, task.id, "reject", "anna", reason="policy lapsed", to_process=True)
    assert world.status(instance_id) == "completed"
    assert "Refused" in world.completed(instance_id)
    assert world.record(instance_id).state.variables["rejection_reason"] == "policy lapsed"


def _save_checked_later(uow: UnitOfWork, step: Step, revision: int) -> None:
    """Save a changed task as a batch delivery does: checked when the queue is sent (PostgreSQL;
    at once elsewhere), here by the next read."""
    store = TaskStore(uow.connection, TENANT)
    with checks_later(uow.connection):
        store.save(step.task, revision, step.entry)
    store.get(step.task.id)


def test_a_task_saved_over_a_change_made_meanwhile_is_refused_at_once_or_when_checked_later(
    engine: Engine,
) -> None:
    world = World(engine)
    world.deploy(CLAIM)
    instance_id = world.start("Claim")
    task = task_of(world, instance_id)
    with world.kontor.bus.unit_of_work() as uow:
        stale, revision = TaskStore(uow.connection, TENANT).get(task.id)
    work(world, task.id, "claim", "anna")  # someone else changed it meanwhile
    step = apply(stale, MakeObsolete("test"), SYSTEM, world.kontor.clock.now())
    with world.kontor.bus.unit_of_work() as uow:
        with pytest.raises(ConcurrentTaskChange, match="changed meanwhile"):
            TaskStore(uow.connection, TENANT).save(step.task, revision, step.entry)
        uow.rollback()
        with pytest.raises((ConcurrentTaskChange, RefusedLater), match="changed meanwhile"):
            _save_checked_later(uow, step, revision)
    assert task_of(world, instance_id).assignee == "anna"
