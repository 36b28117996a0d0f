"""The job queue: due timers and jobs claimed by executors, across tenants.

On PostgreSQL claims use ``FOR UPDATE SKIP LOCKED`` so executors never wait for each other;
SQLite has one writer at a time anyway (the unit of work takes the write lock at BEGIN).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass

from sqlalchemy import Connection, and_, or_, select, update

from kontor.process.store.derived import TIMER
from kontor.process.store.tables import process_jobs


@dataclass(frozen=True)
class ClaimedJob:
    """A due job or timer locked for one executor until ``locked_until``."""

    job_id: str
    tenant_id: str
    instance_id: str
    local_id: str
    kind: str
    type: str | None
    element_id: str
    retries: int
    idempotency_key: str
    locked_until: dt.datetime
    trace_parent: str | None = None


class JobQueue:
    """Claims and reschedules job rows on a unit of work's connection."""

    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def claim_due(
        self,
        now: dt.datetime,
        owner: str,
        lock_for: dt.timedelta,
        limit: int = 50,
        job_types: Collection[str] | None = None,
    ) -> list[ClaimedJob]:
        """Lock up to ``limit`` due, unlocked timers and jobs for ``owner``, earliest due first.

        With ``job_types``, only jobs of those types are claimed (timers always are); the
        others are left to external workers.
        """
        table = process_jobs
        conditions = [
            table.c.due_at <= now,
            or_(table.c.locked_until.is_(None), table.c.locked_until <= now),
        ]
        if job_types is not None:
            conditions.append(or_(table.c.kind == TIMER, table.c.type.in_(list(job_types))))
        query = (
            select(table)
            .where(and_(*conditions))
            .order_by(table.c.due_at, table.c.job_id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        rows = self._connection.execute(query).all()
        if not rows:
            return []
        until = now + lock_for
        self._connection.execute(
            update(table)
            .where(table.c.job_id.in_([row.job_id for row in rows]))
            .values(lock_owner=owner, locked_until=until)
        )
        return [
            ClaimedJob(
                r.job_id,
                r.tenant_id,
                r.instance_id,
                r.local_id,
                r.kind,
                r.type,
                r.element_id,
                r.retries,
                r.idempotency_key,
                until,
                r.trace_parent,
            )
            for r in rows
        ]

    def reschedule(self, job_id: str, due_at: dt.datetime | None) -> None:
        """Release a job's lock and make it due at ``due_at`` (``None``: parked)."""
        self._connection.execute(
            update(process_jobs)
            .where(process_jobs.c.job_id == job_id)
            .values(due_at=due_at, lock_owner=None, locked_until=None)
        )

    def next_due_at(self) -> dt.datetime | None:
        """When the earliest job or timer is due, if any is scheduled."""
        return self._connection.execute(
            select(process_jobs.c.due_at)
            .where(process_jobs.c.due_at.is_not(None))
            .order_by(process_jobs.c.due_at)
            .limit(1)
        ).scalar_one_or_none()
