"""Substitution through the bus: a task delegated to an absent user, or returned to an absent
owner, goes to the substitute; whoever takes a task themselves keeps it."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import Engine

from kontor.casework.tasks import CreateTask, Task, TaskStore, WorkOnTask
from kontor.platform import Absences
from support.backends import BACKENDS
from support.process_world import TENANT, World

pytestmark = pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
WEEK = dt.timedelta(days=7)


def away(world: World, user: str, substitute: str) -> None:
    now = world.clock.now()
    with world.kontor.bus.unit_of_work() as uow:
        Absences(uow.connection, TENANT).record(
            user, now, now + WEEK, now, substitute_user_id=substitute
        )
        uow.commit()


def work(world: World, task_id: str, operation: str, actor: str, **arguments: Any) -> Task:
    task: Task = world.handle(
        WorkOnTask(tenant_id=TENANT, actor=actor, actor_groups=["desk"], task_id=task_id,
                   operation=operation, arguments=arguments)
    )  # fmt: skip
    return task


def operations(world: World, task_id: str) -> list[tuple[str, str | None]]:
    with world.kontor.bus.unit_of_work() as uow:
        return [(e.operation, e.actor) for e in TaskStore(uow.connection, TENANT).history(task_id)]


def test_delegation_and_its_return_follow_the_absences(engine: Engine) -> None:
    world = World(engine)
    task: Task = world.handle(
        CreateTask(tenant_id=TENANT, actor="clerk", name="Gutachten", candidate_groups=["desk"])
    )
    away(world, "ben", "carl")
    work(world, task.id, "claim", "anna")
    delegated = work(world, task.id, "delegate", "anna", user_id="ben", reason="Fachfrage")
    assert (delegated.assignee, delegated.owner, delegated.delegation) == (
        "carl",
        "anna",
        "pending",
    )

    away(world, "anna", "dora")  # anna leaves while carl works on it
    resolved = work(world, task.id, "resolve", "carl", data={"ok": True})
    assert (resolved.assignee, resolved.owner) == ("dora", "anna")
    assert operations(world, task.id) == [
        ("create", "clerk"),
        ("claim", "anna"),
        ("delegate", "anna"),
        ("substitute", None),
        ("resolve", "carl"),
        ("substitute", None),
    ]


def test_an_absent_user_who_claims_a_task_keeps_it(engine: Engine) -> None:
    world = World(engine)
    away(world, "anna", "ben")
    task: Task = world.handle(
        CreateTask(tenant_id=TENANT, actor="clerk", name="Rückruf", candidate_groups=["desk"])
    )
    claimed = work(world, task.id, "claim", "anna")
    assert claimed.assignee == "anna"
