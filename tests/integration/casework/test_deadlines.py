"""Deadlines and escalation: a task not started or not done in time is escalated as its
deadline's actions and the ``task.deadline_missed`` decision say; a met deadline stays quiet;
a follow-up date brings a task back to its assignee."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import Engine, select

from kontor.casework.tasks import CreateTask, Task, TaskState, TaskStore, View, Viewer, WorkOnTask
from kontor.casework.tasks.deadline_messages import (
    DeadlineSpec,
    EscalationAction,
    SetTaskDeadlines,
)
from kontor.casework.tasks.deadline_store import DeadlineStore
from kontor.casework.tasks.queries import Sort, TaskFilter, TaskQueries
from kontor.messaging import Schedule, outbox
from kontor.process import CompleteUserTask
from support.backends import BACKENDS
from support.decisions import bind, decision_table
from support.process_world import TENANT, World, chain, model, process

pytestmark = pytest.mark.parametrize("database_url", BACKENDS, indirect=True)

HOUR = dt.timedelta(hours=1)
DUE = model(
    process(
        "Due",
        '<bpmn:startEvent id="S"/><bpmn:userTask id="Review"><bpmn:extensionElements>'
        '<zeebe:assignmentDefinition candidateGroups="desk"/>'
        '<zeebe:taskSchedule dueDate="=due"/>'
        "</bpmn:extensionElements></bpmn:userTask>"
        '<bpmn:endEvent id="E"/>',
        chain("S", "Review", "E"),
    )
)


def create(world: World, **fields: Any) -> Task:
    task: Task = world.handle(CreateTask(tenant_id=TENANT, actor="clerk", name="Rückruf", **fields))
    return task


def work(world: World, task_id: str, operation: str, actor: str, **arguments: Any) -> Task:
    task: Task = world.handle(
        WorkOnTask(
            tenant_id=TENANT, actor=actor, actor_groups=["desk"], task_id=task_id,
            operation=operation, arguments=arguments,
        )
    )  # fmt: skip
    return task


def later(world: World, delta: dt.timedelta) -> None:
    """Let time pass and the background loop run (timers fire, messages are delivered)."""
    world.clock.advance(delta)
    world.kontor.background_round()


def stored(world: World, task_id: str) -> tuple[Task, list[tuple[str, str | None, str | None]]]:
    with world.kontor.bus.unit_of_work() as uow:
        store = TaskStore(uow.connection, TENANT)
        task, _ = store.get(task_id)
        entries = store.history(task_id)
    return task, [(e.operation, e.actor, e.reason) for e in entries]


def published(world: World, type_name: str) -> list[dict[str, Any]]:
    with world.kontor.engine.connect() as connection:
        rows = connection.execute(
            select(outbox.c.payload)
            .where(outbox.c.type_name == type_name)
            .order_by(outbox.c.position)
        )
        return [row.payload for row in rows]


def waiting_timers(world: World) -> list[str | None]:
    with world.kontor.bus.unit_of_work() as uow:
        return [m.key for m in Schedule.of(uow).pending(TENANT)]


def test_a_due_date_is_a_completion_deadline_that_is_escalated_when_missed(
    engine: Engine,
) -> None:
    world = World(engine)
    due = world.clock.now() + 2 * HOUR
    task = create(world, candidate_groups=["desk"], due_at=due)
    assert waiting_timers(world) == [f"task:{task.id}:completion"]

    later(world, HOUR)
    assert published(world, "task.deadline_missed") == []
    later(world, HOUR)
    _, history = stored(world, task.id)
    assert history[-1] == ("deadline_missed", None, "completion deadline missed")
    [missed] = published(world, "task.deadline_missed")
    assert (missed["task_id"], missed["kind"], missed["candidate_groups"]) == (
        task.id,
        "completion",
        ["desk"],
    )
    later(world, HOUR)  # fires once
    assert len(published(world, "task.deadline_missed")) == 1


def test_the_deadlines_actions_reassign_raise_notify_and_create_a_follow_up(
    engine: Engine,
) -> None:
    world = World(engine)
    task = create(world, candidate_groups=["desk"], priority=40)
    actions = [
        EscalationAction(action="reassign", group_id="seniors"),
        EscalationAction(action="raise_priority", priority=90),
        EscalationAction(action="notify", user_id="chef"),
        EscalationAction(action="follow_up", name="Nachfassen", group_id="desk"),
    ]
    start = DeadlineSpec(at=world.clock.now() + HOUR, escalation=actions)
    world.handle(SetTaskDeadlines(tenant_id=TENANT, actor="lead", task_id=task.id, start=start))
    later(world, HOUR)

    escalated, history = stored(world, task.id)
    assert (escalated.state, escalated.candidate_groups, escalated.priority) == (
        TaskState.READY,
        ("seniors",),
        90,
    )
    assert [h[0] for h in history] == ["create", "set_deadlines", "deadline_missed", "escalate"]
    assert [n["user_id"] for n in published(world, "task.attention_needed")] == ["chef"]
    with world.kontor.bus.unit_of_work() as uow:
        queue = TaskQueries(uow.connection, TENANT).page(
            Viewer("x", frozenset({"desk"})), TaskFilter(View.CANDIDATE), Sort.CREATED, 10, None,
            uow.clock.now(),
        )  # fmt: skip
    [follow_up] = queue.items
    assert (follow_up.name, follow_up.variables) == ("Nachfassen", {"escalated_task_id": task.id})


def test_a_met_deadline_is_cancelled_and_never_escalates(engine: Engine) -> None:
    world = World(engine)
    task = create(world, assignee="anna", due_at=world.clock.now() + 3 * HOUR)
    start = DeadlineSpec(
        at=world.clock.now() + HOUR,
        escalation=[EscalationAction(action="reassign", user_id="ben")],
    )
    world.handle(
        SetTaskDeadlines(
            tenant_id=TENANT, actor="lead", task_id=task.id, start=start,
            completion=DeadlineSpec(at=world.clock.now() + 3 * HOUR),
        )
    )  # fmt: skip
    work(world, task.id, "start", "anna")
    assert waiting_timers(world) == [f"task:{task.id}:completion"]  # the start one is gone
    work(world, task.id, "complete", "anna")
    assert waiting_timers(world) == []
    later(world, 4 * HOUR)
    done, history = stored(world, task.id)
    assert (done.state, done.assignee) == (TaskState.COMPLETED, "anna")
    assert "deadline_missed" not in [h[0] for h in history]
    with world.kontor.bus.unit_of_work() as uow:
        deadlines = DeadlineStore(uow.connection, TENANT).of(task.id)
    assert [(d.kind, d.met_at is not None, d.missed_at) for d in deadlines] == [
        ("start", True, None),
        ("completion", True, None),
    ]


def test_the_bound_decision_escalates_and_its_explanation_is_in_the_history(
    engine: Engine,
) -> None:
    world = World(engine)
    xml = decision_table(
        "escalate_by_priority", "Eskalation", "priority", "number",
        [("assignee", "string"), ("priority", "number"), ("notify", "string")],
        [(">= 50", ['"chef"', "95", '"lead"']), ("-", ['"senior"', "70", '"lead"'])],
    )  # fmt: skip
    bind(world.kontor, TENANT, "task.deadline_missed", "escalate_by_priority", "Eskalation", xml)
    task = create(world, candidate_groups=["desk"], priority=60, due_at=world.clock.now() + HOUR)
    later(world, HOUR)

    escalated, history = stored(world, task.id)
    assert (escalated.state, escalated.assignee, escalated.priority) == (
        TaskState.RESERVED,
        "chef",
        95,
    )
    assert [h[0] for h in history][-2:] == ["deadline_missed", "escalate"]
    with world.kontor.bus.unit_of_work() as uow:
        missed = TaskStore(uow.connection, TENANT).history(task.id)[-2]
    assert missed.details["decision"] == "Eskalation"
    assert missed.details["output"] == {"assignee": "chef", "priority": 95, "notify": "lead"}
    assert missed.details["explanation"]
    [event] = published(world, "task.deadline_missed")
    assert (event["assignee"], event["priority"], event["notify"]) == ("chef", 95, ["lead"])


def test_a_follow_up_date_sets_a_task_aside_until_it_comes(engine: Engine) -> None:
    world = World(engine)
    task = create(world, assignee="anna", follow_up_at=world.clock.now() + 24 * HOUR)

    def mine() -> list[str]:
        with world.kontor.bus.unit_of_work() as uow:
            page = TaskQueries(uow.connection, TENANT).page(
                Viewer("anna", frozenset()), TaskFilter(View.MINE), Sort.CREATED, 10, None,
                uow.clock.now(),
            )  # fmt: skip
        return [t.id for t in page.items]

    assert mine() == []
    later(world, 24 * HOUR)
    assert mine() == [task.id]
    _, history = stored(world, task.id)
    assert history[-1] == ("follow_up_due", None, "the follow-up date came")
    [notice] = published(world, "task.attention_needed")
    assert (notice["user_id"], notice["reason"]) == ("anna", "Wiedervorlage")


def test_a_process_task_completed_in_the_process_meets_its_deadline(engine: Engine) -> None:
    world = World(engine)
    world.deploy(DUE)
    instance_id = world.start("Due", variables={"due": world.clock.now() + 2 * HOUR})
    activated = world.task("Review")
    with world.kontor.bus.unit_of_work() as uow:
        found = TaskStore(uow.connection, TENANT).of_process_task(instance_id, activated.task_id)
    assert found is not None
    task = found[0]
    assert waiting_timers(world) == [f"task:{task.id}:completion"]

    world.handle(
        CompleteUserTask(tenant_id=TENANT, instance_id=instance_id, task_id=activated.task_id)
    )
    later(world, 4 * HOUR)
    done, history = stored(world, task.id)
    assert done.state == TaskState.OBSOLETE
    assert waiting_timers(world) == []
    assert "deadline_missed" not in [h[0] for h in history]
    with world.kontor.bus.unit_of_work() as uow:
        [deadline] = DeadlineStore(uow.connection, TENANT).of(task.id)
    assert (deadline.kind, deadline.met_at is not None, deadline.missed_at) == (
        "completion",
        True,
        None,
    )
