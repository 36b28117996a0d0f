"""The deadline store: a task's start and completion deadlines, on the caller's connection."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, bindparam, delete, insert, select, update

from kontor.casework.tasks.deadline_messages import DeadlineSpec, EscalationAction
from kontor.casework.tasks.deadline_tables import task_deadlines
from kontor.casework.tasks.tables import tasks
from kontor.db.fast import FastStatement, Read

_OF_TASK = FastStatement(  # every change of a task's state asks it
    select(task_deadlines)
    .where(
        task_deadlines.c.tenant_id == bindparam("b_tenant"),
        task_deadlines.c.task_id == bindparam("b_task"),
    )
    .order_by(task_deadlines.c.kind.desc())
)

_OF_PROCESS_TASK = FastStatement(  # a process user task's end asks it with the task
    select(task_deadlines)
    .where(
        task_deadlines.c.tenant_id == bindparam("b_tenant"),
        task_deadlines.c.task_id
        == select(tasks.c.task_id)
        .where(
            tasks.c.tenant_id == bindparam("b_tenant"),
            tasks.c.process_instance_id == bindparam("b_instance"),
            tasks.c.process_task_id == bindparam("b_process_task"),
        )
        .scalar_subquery(),
    )
    .order_by(task_deadlines.c.kind.desc())
)


@dataclass(frozen=True)
class Deadline:
    """One deadline of a task and whether it was met or missed."""

    task_id: str
    kind: str
    due_at: dt.datetime
    escalation: tuple[EscalationAction, ...]
    set_at: dt.datetime
    met_at: dt.datetime | None = None
    missed_at: dt.datetime | None = None

    @property
    def pending(self) -> bool:
        """Neither met nor missed yet."""
        return self.met_at is None and self.missed_at is None


class DeadlineStore:
    """Reads and writes the task deadlines of ``tenant_id``."""

    def __init__(self, connection: Connection, tenant_id: str) -> None:
        self._connection = connection
        self._tenant_id = tenant_id

    def put(self, task_id: str, kind: str, spec: DeadlineSpec, now: dt.datetime) -> Deadline:
        """Set (or replace) the task's deadline of ``kind``."""
        self.remove(task_id, kind)
        escalation = [action.model_dump(exclude_none=True) for action in spec.escalation]
        self._connection.execute(
            insert(task_deadlines).values(
                task_id=task_id, kind=kind, tenant_id=self._tenant_id, due_at=spec.at,
                escalation=escalation, set_at=now,
            )
        )  # fmt: skip
        return Deadline(task_id, kind, spec.at, tuple(spec.escalation), now)

    def remove(self, task_id: str, kind: str) -> bool:
        """Drop the task's deadline of ``kind``; whether it had one."""
        result = self._connection.execute(
            delete(task_deadlines).where(
                task_deadlines.c.tenant_id == self._tenant_id,
                task_deadlines.c.task_id == task_id,
                task_deadlines.c.kind == kind,
            )
        )
        return bool(result.rowcount)

    def of(self, task_id: str) -> list[Deadline]:
        """The task's deadlines, start before completion."""
        rows = _OF_TASK.all_rows(self._connection, {"b_tenant": self._tenant_id, "b_task": task_id})
        return [_deadline(row) for row in rows]

    def of_process_task_read(self, instance_id: str, process_task_id: str) -> Read:
        """The read of the deadlines of the task created for a process user task (``of_rows``)."""
        params = {"b_tenant": self._tenant_id, "b_instance": instance_id}
        return _OF_PROCESS_TASK, {**params, "b_process_task": process_task_id}

    @staticmethod
    def of_rows(rows: list[Any]) -> list[Deadline]:
        """The deadlines in the rows a read of them returned."""
        return [_deadline(row) for row in rows]

    def of_many(self, task_ids: list[str]) -> dict[str, list[Deadline]]:
        """The deadlines of these tasks, by task, start before completion."""
        rows = self._connection.execute(
            select(task_deadlines)
            .where(
                task_deadlines.c.tenant_id == self._tenant_id,
                task_deadlines.c.task_id.in_(task_ids),
            )
            .order_by(task_deadlines.c.task_id, task_deadlines.c.kind.desc())
        )
        found: dict[str, list[Deadline]] = {}
        for row in rows:
            found.setdefault(row.task_id, []).append(_deadline(row))
        return found

    def get(self, task_id: str, kind: str) -> Deadline | None:
        """The task's deadline of ``kind``, if it has one."""
        return next((d for d in self.of(task_id) if d.kind == kind), None)

    def mark(self, task_id: str, kind: str, **moment: dt.datetime) -> None:
        """Record that the deadline was met (``met_at``) or missed (``missed_at``)."""
        self._connection.execute(
            update(task_deadlines)
            .where(
                task_deadlines.c.tenant_id == self._tenant_id,
                task_deadlines.c.task_id == task_id,
                task_deadlines.c.kind == kind,
            )
            .values(**moment)
        )


def _deadline(row: Any) -> Deadline:
    actions = tuple(EscalationAction.model_validate(action) for action in row.escalation)
    return Deadline(
        row.task_id, row.kind, row.due_at, actions, row.set_at, row.met_at, row.missed_at
    )
