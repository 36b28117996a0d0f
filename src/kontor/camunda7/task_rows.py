"""Reading external tasks as Camunda lists them: open job rows with their instance's keys."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Select, and_, func, or_, select

from kontor.process.store.derived import JOB
from kontor.process.store.tables import process_instances as instances
from kontor.process.store.tables import process_jobs as jobs


@dataclass(frozen=True)
class TaskRow:
    """An open external task with what Camunda shows of it."""

    job_id: str
    instance_id: str
    definition_id: str
    process_key: str
    business_key: str | None
    topic: str
    element_id: str
    retries: int
    error_message: str | None
    lock_owner: str | None
    locked_until: dt.datetime | None
    due_at: dt.datetime | None
    created_at: dt.datetime
    priority: int = 0


@dataclass(frozen=True)
class TaskFilter:
    """Camunda's external-task query parameters that Kontor answers; None does not filter."""

    external_task_id: str | None = None
    topic_name: str | None = None
    worker_id: str | None = None
    process_instance_id: str | None = None
    process_definition_id: str | None = None
    activity_id: str | None = None
    locked: bool | None = None
    not_locked: bool | None = None
    with_retries_left: bool | None = None
    no_retries_left: bool | None = None


class TaskRows:
    """One tenant's external tasks on a connection."""

    def __init__(self, connection: Connection, tenant_id: str, engine_types: Collection[str]):
        self._connection = connection
        self._tenant_id = tenant_id
        self._engine_types = list(engine_types)

    def find(
        self, wanted: TaskFilter, now: dt.datetime, first: int = 0, limit: int | None = None
    ) -> list[TaskRow]:
        """The tasks matching ``wanted``, oldest first."""
        query = self._select(wanted, now).order_by(jobs.c.created_at, jobs.c.job_id).offset(first)
        if limit is not None:
            query = query.limit(limit)
        return [_row(row) for row in self._connection.execute(query)]

    def count(self, wanted: TaskFilter, now: dt.datetime) -> int:
        """How many tasks match ``wanted``."""
        inner = self._select(wanted, now).subquery()
        return int(self._connection.execute(select(func.count()).select_from(inner)).scalar_one())

    def by_ids(self, job_ids: Collection[str]) -> dict[str, TaskRow]:
        """The tasks of ``job_ids`` (just locked ones) by id."""
        query = self._select(TaskFilter(), None).where(jobs.c.job_id.in_(list(job_ids)))
        return {row.job_id: _row(row) for row in self._connection.execute(query)}

    def _select(self, wanted: TaskFilter, now: dt.datetime | None) -> Select[Any]:
        query = (
            select(
                jobs, instances.c.definition_id, instances.c.process_key,
                instances.c.business_key,
            )
            .join(instances, instances.c.instance_id == jobs.c.instance_id)
            .where(
                jobs.c.tenant_id == self._tenant_id,
                instances.c.tenant_id == self._tenant_id,
                jobs.c.kind == JOB,
                jobs.c.type.is_not(None),
                jobs.c.type.not_in(self._engine_types),
            )
        )  # fmt: skip
        equal = {
            jobs.c.job_id: wanted.external_task_id,
            jobs.c.type: wanted.topic_name,
            jobs.c.lock_owner: wanted.worker_id,
            jobs.c.instance_id: wanted.process_instance_id,
            instances.c.definition_id: wanted.process_definition_id,
            jobs.c.element_id: wanted.activity_id,
        }
        for column, value in equal.items():
            if value is not None:
                query = query.where(column == value)
        if now is not None and wanted.locked:
            query = query.where(jobs.c.locked_until > now)
        if now is not None and wanted.not_locked:
            query = query.where(or_(jobs.c.locked_until.is_(None), jobs.c.locked_until <= now))
        if wanted.with_retries_left:
            query = query.where(or_(jobs.c.retries > 0, jobs.c.error_message.is_(None)))
        if wanted.no_retries_left:
            query = query.where(and_(jobs.c.retries == 0, jobs.c.error_message.is_not(None)))
        return query


def _row(row: Any) -> TaskRow:
    return TaskRow(
        job_id=row.job_id, instance_id=row.instance_id, definition_id=row.definition_id,
        process_key=row.process_key, business_key=row.business_key, topic=row.type,
        element_id=row.element_id, retries=row.retries, error_message=row.error_message,
        lock_owner=row.lock_owner, locked_until=row.locked_until, due_at=row.due_at,
        created_at=row.created_at, priority=row.priority,
    )  # fmt: skip
