"""Reading casework tasks as Camunda's ``/task`` lists them: open tasks with their process keys."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, Connection, Select, and_, exists, func, or_, select

from kontor.casework.tasks import Task, TaskState, TaskStore
from kontor.casework.tasks.domain import FINAL_STATES
from kontor.casework.tasks.tables import task_candidates, task_history, tasks
from kontor.process.store.tables import process_instances as instances

OPEN = [state.value for state in TaskState if state not in FINAL_STATES]
"""Camunda's runtime tasks: every task that has not ended (suspended ones too)."""


@dataclass(frozen=True)
class UserTaskFilter:
    """Camunda's task query criteria that Kontor answers; None (or empty) does not filter."""

    task_id: str | None = None
    process_instance_id: str | None = None
    process_instance_business_key: str | None = None
    process_definition_id: str | None = None
    process_definition_key: str | None = None
    assignee: str | None = None
    owner: str | None = None
    unassigned: bool = False
    assigned: bool = False
    candidate_user: str | None = None
    candidate_user_groups: frozenset[str] = frozenset()
    candidate_groups: Sequence[str] = ()
    task_definition_key: str | None = None
    name: str | None = None
    name_like: str | None = None
    due_before: dt.datetime | None = None
    due_after: dt.datetime | None = None
    priority: int | None = None
    sorting: Sequence[tuple[str, bool]] = field(default_factory=tuple)
    """Pairs of (Camunda ``sortBy``, descending)."""


@dataclass(frozen=True)
class UserTaskRow:
    """A casework task with what Camunda shows besides: its process keys and element."""

    task: Task
    updated_at: dt.datetime
    definition_id: str | None
    process_key: str | None
    element_id: str | None


def element_of_task() -> Any:
    """The process element (``taskDefinitionKey``) a task was created for, from its history."""
    return (
        select(task_history.c.details["element_id"].as_string())
        .where(
            task_history.c.tenant_id == tasks.c.tenant_id,
            task_history.c.task_id == tasks.c.task_id,
            task_history.c.operation == "create",
        )
        .limit(1)
        .scalar_subquery()
    )


SORT_KEYS: dict[str, Any] = {
    "id": tasks.c.task_id,
    "name": tasks.c.name,
    "nameCaseInsensitive": func.lower(tasks.c.name),
    "description": tasks.c.description,
    "assignee": tasks.c.assignee,
    "priority": tasks.c.priority,
    "created": tasks.c.created_at,
    "lastUpdated": tasks.c.updated_at,
    "dueDate": tasks.c.due_at,
    "followUpDate": tasks.c.follow_up_at,
    "instanceId": tasks.c.process_instance_id,
    "processInstanceId": tasks.c.process_instance_id,
    "executionId": tasks.c.process_task_id,
}
"""Camunda's ``sortBy`` values Kontor sorts tasks by."""


class UserTaskRows:
    """One tenant's open tasks on a connection."""

    def __init__(self, connection: Connection, tenant_id: str) -> None:
        self._connection = connection
        self._tenant_id = tenant_id

    def find(self, wanted: UserTaskFilter, first: int, limit: int) -> list[UserTaskRow]:
        """The tasks matching ``wanted`` in its order (else oldest first), a page of them."""
        element = element_of_task().label("element_id")
        query = self._select(wanted, element)
        order = [
            SORT_KEYS[name].desc() if descending else SORT_KEYS[name].asc()
            for name, descending in wanted.sorting
        ]
        query = query.order_by(*order, tasks.c.created_at, tasks.c.task_id)
        rows = self._connection.execute(query.offset(first).limit(limit)).all()
        found = TaskStore(self._connection, self._tenant_id).many([r.task_id for r in rows])
        by_id = {task.id: task for task in found}
        return [
            UserTaskRow(by_id[r.task_id], r.updated_at, r.definition_id, r.process_key,
                        r.element_id)
            for r in rows
            if r.task_id in by_id
        ]  # fmt: skip

    def count(self, wanted: UserTaskFilter) -> int:
        """How many tasks match ``wanted``."""
        inner = self._select(wanted, element_of_task(), counting=True).subquery()
        return int(self._connection.execute(select(func.count()).select_from(inner)).scalar_one())

    def one(self, task_id: str) -> UserTaskRow | None:
        """One task of the tenant, open or ended, with its process keys; None if unknown."""
        found = self.find(UserTaskFilter(task_id=task_id), 0, 1)
        return found[0] if found else None

    def _select(self, wanted: UserTaskFilter, element: Any, counting: bool = False) -> Select[Any]:
        shown = [] if counting else [tasks.c.updated_at, instances.c.definition_id,
                                     instances.c.process_key, element]  # fmt: skip
        query = (
            select(tasks.c.task_id, *shown)
            .select_from(tasks.outerjoin(
                instances,
                and_(instances.c.instance_id == tasks.c.process_instance_id,
                     instances.c.tenant_id == tasks.c.tenant_id),
            ))
            .where(tasks.c.tenant_id == self._tenant_id)
        )  # fmt: skip
        if wanted.task_id is None:  # one task by id is shown whatever its state
            query = query.where(tasks.c.state.in_(OPEN))
        return query.where(*_conditions(wanted, element))


def _conditions(wanted: UserTaskFilter, element: Any) -> list[ColumnElement[bool]]:
    equal = {
        tasks.c.task_id: wanted.task_id,
        tasks.c.process_instance_id: wanted.process_instance_id,
        instances.c.business_key: wanted.process_instance_business_key,
        instances.c.definition_id: wanted.process_definition_id,
        instances.c.process_key: wanted.process_definition_key,
        tasks.c.assignee: wanted.assignee,
        tasks.c.owner: wanted.owner,
        tasks.c.name: wanted.name,
        tasks.c.priority: wanted.priority,
    }
    conditions: list[ColumnElement[bool]] = [
        column == value for column, value in equal.items() if value is not None
    ]
    if wanted.task_definition_key is not None:
        conditions.append(element == wanted.task_definition_key)
    if wanted.name_like is not None:
        conditions.append(tasks.c.name.like(wanted.name_like))
    if wanted.due_before is not None:
        conditions.append(tasks.c.due_at < wanted.due_before)
    if wanted.due_after is not None:
        conditions.append(tasks.c.due_at > wanted.due_after)
    if wanted.unassigned:
        conditions.append(tasks.c.assignee.is_(None))
    if wanted.assigned:
        conditions.append(tasks.c.assignee.is_not(None))
    if wanted.candidate_user is not None:  # offered to the user or a group of theirs, unclaimed
        offered = [_candidate("user", [wanted.candidate_user])]
        if wanted.candidate_user_groups:
            offered.append(_candidate("group", sorted(wanted.candidate_user_groups)))
        conditions += [or_(*offered), tasks.c.assignee.is_(None)]
    if wanted.candidate_groups:
        conditions += [_candidate("group", list(wanted.candidate_groups)),
                       tasks.c.assignee.is_(None)]  # fmt: skip
    return conditions


def _candidate(kind: str, identities: list[str]) -> ColumnElement[bool]:
    return exists().where(
        task_candidates.c.tenant_id == tasks.c.tenant_id,
        task_candidates.c.task_id == tasks.c.task_id,
        task_candidates.c.kind == kind,
        task_candidates.c.identity.in_(identities),
    )
