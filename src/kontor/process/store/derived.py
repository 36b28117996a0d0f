"""Rows derived from an instance's state: jobs, timers, subscriptions, incidents and history.

A step knows the state before and after; only the difference is written, so no step reads
these rows back.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Collection, Sequence
from typing import Any

from sqlalchemy import ColumnElement, Connection, Table, and_, delete, insert, update

from kontor.process.runtime import (
    ActivityCompleted,
    ActivityStarted,
    ActivityTerminated,
    Effect,
    InstanceState,
)
from kontor.process.runtime.timers import parse_date
from kontor.process.store.tables import (
    process_activity_history,
    process_incidents,
    process_jobs,
    process_subscriptions,
)

JOB = "job"
TIMER = "timer"

_EMPTY = InstanceState(instance_id="", process_id="")


def idempotency_key(instance_id: str, local_id: str) -> str:
    """The key that names one job of one instance across retries and redeliveries."""
    return f"{instance_id}/{local_id}"


def sync_rows(
    connection: Connection,
    tenant_id: str,
    before: InstanceState | None,
    after: InstanceState,
    effects: Sequence[Effect],
    now: dt.datetime,
) -> None:
    """Write the jobs, subscriptions, incidents and history that changed from before to after."""
    old = before or _EMPTY
    owner = {"tenant_id": tenant_id, "instance_id": after.instance_id}
    _sync_jobs(connection, owner, old, after, now)
    _sync_subscriptions(connection, owner, old, after, now)
    _sync_incidents(connection, owner, old, after, now)
    _record_history(connection, owner, effects)


def _job_rows(state: InstanceState, now: dt.datetime) -> dict[str, dict[str, Any]]:
    parked = {incident.job_id for incident in state.incidents.values()}
    rows = {
        job.id: {
            "kind": JOB,
            "type": job.type,
            "element_id": job.element_id,
            "retries": job.retries,
            "due_at": None if job.id in parked else now,
        }
        for job in state.jobs.values()
    }
    for timer in state.timers.values():
        rows[timer.id] = {
            "kind": TIMER,
            "type": timer.kind,
            "element_id": timer.element_id,
            "retries": 0,
            "due_at": parse_date(timer.due),
        }
    return rows


def _sync_jobs(
    connection: Connection,
    owner: dict[str, str],
    before: InstanceState,
    after: InstanceState,
    now: dt.datetime,
) -> None:
    old, new = _job_rows(before, now), _job_rows(after, now)
    _delete_missing(connection, process_jobs, owner, old.keys() - new.keys())
    added = [
        {
            **owner,
            **row,
            "job_id": str(uuid.uuid4()),
            "local_id": local_id,
            "idempotency_key": idempotency_key(owner["instance_id"], local_id),
            "created_at": now,
        }
        for local_id, row in new.items()
        if local_id not in old
    ]
    if added:
        connection.execute(insert(process_jobs), added)
    for local_id in old.keys() & new.keys():
        changes = _job_changes(old[local_id], new[local_id])
        if changes:
            connection.execute(
                update(process_jobs)
                .where(
                    process_jobs.c.idempotency_key
                    == idempotency_key(owner["instance_id"], local_id)
                )
                .values(**changes)
            )


def _job_changes(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    changes: dict[str, Any] = {}
    if old["retries"] != new["retries"]:
        changes["retries"] = new["retries"]
    parked_changed = (old["due_at"] is None) != (new["due_at"] is None)
    timer_moved = new["kind"] == TIMER and old["due_at"] != new["due_at"]
    if parked_changed or timer_moved:
        changes.update(due_at=new["due_at"], lock_owner=None, locked_until=None)
    return changes


def _sync_subscriptions(
    connection: Connection,
    owner: dict[str, str],
    before: InstanceState,
    after: InstanceState,
    now: dt.datetime,
) -> None:
    gone = before.subscriptions.keys() - after.subscriptions.keys()
    _delete_missing(connection, process_subscriptions, owner, gone)
    added = [
        {
            **owner,
            "subscription_id": str(uuid.uuid4()),
            "local_id": row.id,
            "event": row.event,
            "name": row.name,
            "correlation_key": row.correlation_key,
            "element_id": row.element_id,
            "created_at": now,
        }
        for row in after.subscriptions.values()
        if row.id not in before.subscriptions
    ]
    if added:
        connection.execute(insert(process_subscriptions), added)


def _sync_incidents(
    connection: Connection,
    owner: dict[str, str],
    before: InstanceState,
    after: InstanceState,
    now: dt.datetime,
) -> None:
    resolved = before.incidents.keys() - after.incidents.keys()
    if resolved:
        connection.execute(
            update(process_incidents)
            .where(_owned(process_incidents, owner), process_incidents.c.local_id.in_(resolved))
            .values(resolved_at=now)
        )
    added = [
        {
            **owner,
            "incident_id": str(uuid.uuid4()),
            "local_id": row.id,
            "element_id": row.element_id,
            "reason": row.reason,
            "job_local_id": row.job_id,
            "created_at": now,
        }
        for row in after.incidents.values()
        if row.id not in before.incidents
    ]
    if added:
        connection.execute(insert(process_incidents), added)


def _record_history(
    connection: Connection, owner: dict[str, str], effects: Sequence[Effect]
) -> None:
    # Activities that start and end within one step become one row; only activities that
    # waited across steps need an update of their open row.
    opened: dict[tuple[str, str], dict[str, Any]] = {}
    rows: list[dict[str, Any]] = []
    for effect in effects:
        if isinstance(effect, ActivityStarted):
            row = {
                **owner,
                "element_id": effect.element_id,
                "element_kind": effect.element_kind,
                "token_id": effect.token_id,
                "started_at": dt.datetime.fromisoformat(effect.at),
                "ended_at": None,
                "outcome": None,
            }
            opened[(effect.token_id, effect.element_id)] = row
            rows.append(row)
        elif isinstance(effect, ActivityCompleted | ActivityTerminated):
            ended = dt.datetime.fromisoformat(effect.at)
            outcome = "completed" if isinstance(effect, ActivityCompleted) else "terminated"
            row_open = opened.pop((effect.token_id, effect.element_id), None)
            if row_open is not None:
                row_open.update(ended_at=ended, outcome=outcome)
                continue
            connection.execute(
                update(process_activity_history)
                .where(
                    _owned(process_activity_history, owner),
                    process_activity_history.c.token_id == effect.token_id,
                    process_activity_history.c.element_id == effect.element_id,
                    process_activity_history.c.ended_at.is_(None),
                )
                .values(ended_at=ended, outcome=outcome)
            )
    if rows:
        connection.execute(insert(process_activity_history), rows)


def _owned(table: Table, owner: dict[str, str]) -> ColumnElement[bool]:
    return and_(
        table.c.tenant_id == owner["tenant_id"], table.c.instance_id == owner["instance_id"]
    )


def _delete_missing(
    connection: Connection, table: Table, owner: dict[str, str], gone: Collection[str]
) -> None:
    if gone:
        connection.execute(delete(table).where(_owned(table, owner), table.c.local_id.in_(gone)))
