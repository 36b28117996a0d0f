"""The hook points ``task.completed`` and ``case.status_changed``: bound decisions create
follow-up tasks, tell people and hint at the next status; the task history and the case
timeline record each decision with its explanation, and a rebinding counts from the next one."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import Engine, select

from kontor.casework.cases import Case, CaseStore, ChangeCaseStatus, OpenCase, Timeline
from kontor.casework.tasks import CreateTask, Task, TaskStore, WorkOnTask
from kontor.messaging import outbox
from support.backends import BACKENDS
from support.cases import case_types
from support.decisions import bind, decision_table
from support.process_world import TENANT, World

pytestmark = pytest.mark.parametrize("database_url", BACKENDS, indirect=True)


def follow_up_rules(key: str, follow_up: str) -> bytes:
    """After a task called 'Antrag prüfen', a follow-up task ``follow_up`` for the desk."""
    return decision_table(
        key, "Folgeaufgabe", "name", "string",
        [("followUp", "context")],
        [('"Antrag prüfen"', [f'{{name: "{follow_up}", candidateGroups: "desk"}}']),
         ("-", ["null"])],
    )  # fmt: skip


def open_case(world: World) -> Case:
    case: Case = world.handle(
        OpenCase(tenant_id=TENANT, actor="clerk", case_type="claim", business_key="S-1",
                 title="Sturm", data={"claim_number": "S-1"})
    )  # fmt: skip
    return case


def done(world: World, case_id: str) -> Task:
    task: Task = world.handle(
        CreateTask(tenant_id=TENANT, actor="clerk", name="Antrag prüfen", assignee="anna",
                   case_id=case_id)
    )  # fmt: skip
    world.handle(
        WorkOnTask(tenant_id=TENANT, actor="anna", task_id=task.id, operation="complete",
                   arguments={"data": {"ok": True}})
    )  # fmt: skip
    return task


def tasks_of_case(world: World, case_id: str) -> list[tuple[str, tuple[str, ...]]]:
    from kontor.casework.tasks.tables import tasks

    with world.kontor.engine.connect() as connection:
        ids = connection.execute(
            select(tasks.c.task_id).where(tasks.c.case_id == case_id).order_by(tasks.c.created_at,
                                                                               tasks.c.task_id)
        ).scalars().all()  # fmt: skip
    with world.kontor.bus.unit_of_work() as uow:
        found = TaskStore(uow.connection, TENANT).many(list(ids))
    return [(t.name, t.candidate_groups) for t in found]


def test_the_task_completed_decision_creates_follow_ups_and_a_rebinding_the_next_ones(
    engine: Engine,
) -> None:
    world = World(engine, case_types=case_types())
    case = open_case(world)
    bind(world.kontor, TENANT, "task.completed", "after_review", "Folgeaufgabe",
         follow_up_rules("after_review", "Police versenden"))  # fmt: skip
    first = done(world, case.case_id)
    with world.kontor.bus.unit_of_work() as uow:
        decision = TaskStore(uow.connection, TENANT).history(first.id)[-1]
    assert (decision.operation, decision.reason) == ("completion_decision", "Folgeaufgabe")
    assert decision.details["follow_ups"] == ["Police versenden"]
    assert decision.details["explanation"]

    bind(world.kontor, TENANT, "task.completed", "after_review_2", "Folgeaufgabe",
         follow_up_rules("after_review_2", "Kunde anrufen"))  # fmt: skip
    done(world, case.case_id)
    assert tasks_of_case(world, case.case_id) == [
        ("Antrag prüfen", ()),
        ("Police versenden", ("desk",)),
        ("Antrag prüfen", ()),
        ("Kunde anrufen", ("desk",)),
    ]


def status_rules(next_status: str) -> bytes:
    return decision_table(
        "on_status", "Statusregel", "toStatus", "string",
        [("notify", "string"), ("nextStatus", "string")],
        [('"in_review"', ['"chef"', f'"{next_status}"']), ("-", ["null", "null"])],
    )  # fmt: skip


def timeline_decisions(world: World, case_id: str) -> list[dict[str, Any]]:
    with world.kontor.bus.unit_of_work() as uow:
        entries = Timeline(uow.connection, TENANT).entries(case_id)
    return [dict(e.details) for e in entries if e.kind == "decision"]


def test_the_case_status_changed_decision_notifies_and_hints_in_the_timeline(
    engine: Engine,
) -> None:
    world = World(engine, case_types=case_types())
    bind(world.kontor, TENANT, "case.status_changed", "on_status", "Statusregel",
         status_rules("settled"))  # fmt: skip
    case = open_case(world)
    world.handle(ChangeCaseStatus(tenant_id=TENANT, actor="clerk", case_id=case.case_id,
                                  status="in_review"))  # fmt: skip
    [decision] = timeline_decisions(world, case.case_id)
    assert (decision["decision"], decision["notify"], decision["next_status"]) == (
        "Statusregel",
        ["chef"],
        "settled",
    )
    assert decision["explanation"]
    with world.kontor.engine.connect() as connection:
        [notice] = connection.execute(
            select(outbox.c.payload).where(outbox.c.type_name == "case.attention_needed")
        ).scalars()  # fmt: skip
    assert (notice["user_id"], notice["case_id"]) == ("chef", case.case_id)
    with world.kontor.bus.unit_of_work() as uow:
        assert CaseStore(uow.connection, TENANT).get(case.case_id).status == "in_review"


def test_a_next_status_the_case_type_does_not_allow_is_named_as_the_problem(
    engine: Engine,
) -> None:
    world = World(engine, case_types=case_types())
    bind(world.kontor, TENANT, "case.status_changed", "on_status", "Statusregel",
         status_rules("reported"))  # fmt: skip
    case = open_case(world)
    world.handle(ChangeCaseStatus(tenant_id=TENANT, actor="clerk", case_id=case.case_id,
                                  status="in_review"))  # fmt: skip
    [decision] = timeline_decisions(world, case.case_id)
    assert decision["problem"] == "in_review -> reported is no transition of claim"
    assert decision["notify"] == []
