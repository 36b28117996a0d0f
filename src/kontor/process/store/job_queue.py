"""The job queue: due timers and jobs claimed by executors, across tenants.

On PostgreSQL claims use ``FOR UPDATE SKIP LOCKED`` so executors never wait for each other;
SQLite has one writer at a time anyway (the unit of work takes the write lock at BEGIN).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    Boolean,
    Connection,
    and_,
    bindparam,
    or_,
    select,
    update,
)

from kontor.db.fast import FastStatement
from kontor.db.lists import any_of_parameter
from kontor.process.store.derived import TIMER
from kontor.process.store.tables import process_jobs

_DUE = (
    select(process_jobs.c.job_id)
    .where(
        process_jobs.c.due_at <= bindparam("b_now"),
        or_(
            process_jobs.c.locked_until.is_(None),
            process_jobs.c.locked_until <= bindparam("b_now"),
        ),
        or_(
            bindparam("b_all_types", type_=Boolean),
            process_jobs.c.kind == TIMER,
            any_of_parameter(process_jobs.c.type, "b_types"),
        ),
    )
    .order_by(process_jobs.c.due_at, process_jobs.c.job_id)
    .limit(bindparam("b_limit"))
    .with_for_update(skip_locked=True)
    .scalar_subquery()
)
_CLAIM = FastStatement(
    update(process_jobs)
    .where(process_jobs.c.job_id.in_(_DUE))
    .values(lock_owner=bindparam("b_owner"), locked_until=bindparam("b_until"))
    .returning(*process_jobs.c)
)
"""PostgreSQL: lock the earliest due, unlocked jobs (all types, or timers and jobs of the
given types) in one statement; executors skip each other's rows instead of waiting."""


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
        until = now + lock_for
        if self._connection.dialect.name == "postgresql":
            rows = _CLAIM.all_rows(
                self._connection,
                {
                    "b_now": now, "b_owner": owner, "b_until": until, "b_limit": limit,
                    "b_all_types": job_types is None, "b_types": list(job_types or ()),
                },
            )  # fmt: skip
            rows.sort(key=lambda row: (row.due_at, row.job_id))  # RETURNING keeps no order
        else:
            rows = self._claim_one_by_one(now, owner, until, limit, job_types)
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

    def _claim_one_by_one(
        self,
        now: dt.datetime,
        owner: str,
        until: dt.datetime,
        limit: int,
        job_types: Collection[str] | None,
    ) -> list[Any]:
        """SQLite: the due rows, then their lock (the write transaction is alone anyway)."""
        table = process_jobs
        conditions = [
            table.c.due_at <= now,
            or_(table.c.locked_until.is_(None), table.c.locked_until <= now),
        ]
        if job_types is not None:
            conditions.append(or_(table.c.kind == TIMER, table.c.type.in_(list(job_types))))
        query = (
            select(table).where(and_(*conditions)).order_by(table.c.due_at, table.c.job_id)
        ).limit(limit)
        rows = self._connection.execute(query).all()
        if rows:
            self._connection.execute(
                update(table)
                .where(table.c.job_id.in_([row.job_id for row in rows]))
                .values(lock_owner=owner, locked_until=until)
            )
        return list(rows)

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
