"""External tasks: job rows that workers outside Kontor lock by topic and report on.

A lock belongs to one worker until it expires; then another worker may fetch the task. On
PostgreSQL fetches use ``FOR UPDATE SKIP LOCKED`` so workers never wait for each other.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Connection, Row, or_, select, update

from kontor.process.errors import ExternalTaskNotFound, ExternalTaskNotLocked
from kontor.process.store.derived import JOB
from kontor.process.store.tables import process_jobs as table


@dataclass(frozen=True)
class ExternalTaskRow:
    """A job row as a worker sees it: which instance and element, its topic, lock and retries."""

    job_id: str
    instance_id: str
    local_id: str
    topic: str
    element_id: str
    retries: int
    idempotency_key: str
    lock_owner: str | None
    locked_until: dt.datetime | None


class ExternalTaskQueue:
    """Locks, checks and reschedules one tenant's external tasks on a unit of work's connection."""

    def __init__(self, connection: Connection, tenant_id: str) -> None:
        self._connection = connection
        self._tenant_id = tenant_id

    def lock(
        self,
        worker_id: str,
        lock_for: Mapping[str, dt.timedelta],
        limit: int,
        now: dt.datetime,
        in_process: Collection[str],
        by_priority: bool = False,
    ) -> list[ExternalTaskRow]:
        """Lock up to ``limit`` due, unlocked tasks of the topics in ``lock_for``, oldest first
        (with ``by_priority`` the highest priority first, the oldest among equal ones).

        Topics in ``in_process`` belong to the job executor and are never offered.
        """
        topics = [topic for topic in lock_for if topic not in in_process]
        if not topics:
            return []
        order: list[ColumnElement[Any]] = [table.c.due_at, table.c.job_id]
        if by_priority:
            order.insert(0, table.c.priority.desc())
        query = (
            select(table)
            .where(
                table.c.tenant_id == self._tenant_id,
                table.c.kind == JOB,
                table.c.type.in_(topics),
                table.c.due_at <= now,
                or_(table.c.locked_until.is_(None), table.c.locked_until <= now),
            )
            .order_by(*order)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        rows = self._connection.execute(query).all()
        until = {row.type: now + lock_for[row.type] for row in rows}
        for topic, moment in until.items():
            ids = [row.job_id for row in rows if row.type == topic]
            self._connection.execute(
                update(table)
                .where(table.c.job_id.in_(ids))
                .values(lock_owner=worker_id, locked_until=moment)
            )
        return [_task(row, lock_owner=worker_id, locked_until=until[row.type]) for row in rows]

    def held(self, job_id: str, worker_id: str, now: dt.datetime) -> ExternalTaskRow:
        """The task ``job_id`` if ``worker_id`` holds an unexpired lock on it (row locked)."""
        row = self._connection.execute(
            select(table)
            .where(table.c.tenant_id == self._tenant_id, table.c.job_id == job_id)
            .with_for_update()
        ).one_or_none()
        if row is None or row.kind != JOB:
            raise ExternalTaskNotFound(f"external task {job_id!r} not found", job_id=job_id)
        if row.lock_owner != worker_id or row.locked_until is None or row.locked_until <= now:
            raise ExternalTaskNotLocked(
                f"worker {worker_id!r} holds no lock on external task {job_id!r} "
                "(its lock expired or another worker holds it); fetch it again",
                job_id=job_id,
                worker_id=worker_id,
            )
        return _task(row)

    def extend(self, job_id: str, until: dt.datetime) -> None:
        """Keep the task locked for its current worker until ``until``."""
        self._update(job_id, locked_until=until)

    def unlock(self, job_id: str) -> None:
        """Release the task's lock (whoever holds it); 404 if there is no such open task."""
        found = self._connection.execute(
            update(table)
            .where(
                table.c.tenant_id == self._tenant_id,
                table.c.job_id == job_id,
                table.c.kind == JOB,
            )
            .values(lock_owner=None, locked_until=None)
        )
        if found.rowcount == 0:
            raise ExternalTaskNotFound(f"external task {job_id!r} not found", job_id=job_id)

    def retry_later(self, job_id: str, due_at: dt.datetime, error_message: str) -> None:
        """Release the task and offer it again from ``due_at``, remembering why it failed."""
        self._update(
            job_id, due_at=due_at, lock_owner=None, locked_until=None, error_message=error_message
        )

    def record_error(self, job_id: str, error_message: str) -> None:
        """Remember why the task failed (it stays as the runtime left it)."""
        self._update(job_id, error_message=error_message)

    def _update(self, job_id: str, **values: Any) -> None:
        self._connection.execute(
            update(table)
            .where(table.c.tenant_id == self._tenant_id, table.c.job_id == job_id)
            .values(**values)
        )


def _task(row: Row[Any], **overrides: Any) -> ExternalTaskRow:
    values = {
        "job_id": row.job_id,
        "instance_id": row.instance_id,
        "local_id": row.local_id,
        "topic": row.type,
        "element_id": row.element_id,
        "retries": row.retries,
        "idempotency_key": row.idempotency_key,
        "lock_owner": row.lock_owner,
        "locked_until": row.locked_until,
    }
    return ExternalTaskRow(**{**values, **overrides})
