"""A bulk action through the bus: one command, one transaction, a result per task; a task that
refuses stays as it was, every changed task has its history, audit entry and event."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import Engine, select

from kontor.bootstrap import Kontor
from kontor.casework.forms import FormKind, InvalidFormData, deploy_form
from kontor.casework.tasks import (
    CreateTask,
    InvalidTaskTransition,
    Task,
    TaskNotFound,
    TaskState,
    TaskStore,
    WorkOnTasks,
)
from kontor.messaging import FakeClock, outbox
from kontor.platform.audit.store import AuditQuery, query_entries
from support.backends import BACKENDS
from support.kontor_app import kontor_on

pytestmark = pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
NOW = dt.datetime(2026, 3, 2, 8, 0, tzinfo=dt.UTC)
TENANT = "t"


@pytest.fixture
def kontor(engine: Engine) -> Kontor:
    return kontor_on(engine, FakeClock(NOW), audit_log_enabled=True)


def create(kontor: Kontor, name: str, **fields: object) -> Task:
    task: Task = kontor.bus.handle(
        CreateTask(tenant_id=TENANT, actor="clerk", name=name, assignee="anna", **fields)
    )
    return task


def test_each_task_is_completed_or_refused_in_its_place_and_audited(kontor: Kontor) -> None:
    with kontor.bus.unit_of_work() as uow:
        strict = {"type": "object", "required": ["ok"], "properties": {"ok": {"type": "boolean"}}}
        deploy_form(uow, TENANT, "lead", FormKind.JSON_SCHEMA, strict, form_key="freigabe")
        uow.commit()
    first, second = create(kontor, "Brief 1"), create(kontor, "Brief 2")
    with_form = create(kontor, "Freigabe", form_key="freigabe")
    done = create(kontor, "Erledigt")
    kontor.bus.handle(
        WorkOnTasks(tenant_id=TENANT, actor="anna", task_ids=[done.id], operation="complete")
    )
    ids = [first.id, with_form.id, "unbekannt", done.id, second.id]
    outcomes = kontor.bus.handle(
        WorkOnTasks(tenant_id=TENANT, actor="anna", task_ids=ids, operation="complete",
                    arguments={"data": {"erledigt": True}})
    )  # fmt: skip
    assert [type(o) for o in outcomes] == [
        Task, InvalidFormData, TaskNotFound, InvalidTaskTransition, Task
    ]  # fmt: skip
    with kontor.bus.reading() as uow:
        store = TaskStore(uow.connection, TENANT)
        states = {t.name: t.state for t in store.many(ids)}
        history = [e.operation for e in store.history(first.id)]
        audited = [
            (e.action, e.entity_id)
            for e in query_entries(uow.connection, TENANT, AuditQuery(entity_type="task"))
            if e.action == "casework.task.complete"
        ]
        completed = uow.connection.execute(
            select(outbox.c.payload).where(outbox.c.type_name == "task.completed")
        ).all()
    assert states == {
        "Brief 1": TaskState.COMPLETED, "Freigabe": TaskState.RESERVED,
        "Erledigt": TaskState.COMPLETED, "Brief 2": TaskState.COMPLETED,
    }  # fmt: skip
    assert history == ["create", "complete"]
    assert sorted(audited) == sorted(
        ("casework.task.complete", t.id) for t in (done, first, second)
    )
    assert len(completed) == 3  # the earlier one and the two of the bulk
