"""Rows derived from an instance's state: jobs, timers, subscriptions, incidents and history.

A step knows the state before and after; only the difference is written, so no step reads
these rows back.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Sequence
from typing import Any

from sqlalchemy import Connection, Table, bindparam, delete, insert, update

from kontor.db.fast import FastStatement
from kontor.db.ids import time_ordered_id
from kontor.messaging.tracing import current_trace_parent
from kontor.messaging.wakeups import announce_due_work
from kontor.process.runtime import Effect, InstanceState
from kontor.process.runtime.timers import parse_date
from kontor.process.store.history import HistoryLevel, record_history
from kontor.process.store.tables import (
    process_incidents,
    process_jobs,
    process_subscriptions,
)

JOB = "job"
TIMER = "timer"

_EMPTY = InstanceState(instance_id="", process_id="")


def _owned_row(table: Table) -> FastStatement:
    return FastStatement(
        delete(table).where(
            table.c.tenant_id == bindparam("b_tenant"),
            table.c.instance_id == bindparam("b_instance"),
            table.c.local_id == bindparam("b_local_id"),
        )
    )


# Built once: a step executes them with parameters and skips statement construction.
_DELETE = {table: _owned_row(table) for table in (process_jobs, process_subscriptions)}
_INSERT_JOBS = FastStatement(insert(process_jobs))
_INSERT_SUBSCRIPTIONS = FastStatement(insert(process_subscriptions))
_INSERT_INCIDENTS = FastStatement(insert(process_incidents))
_UPDATE_JOB = FastStatement(
    update(process_jobs).where(process_jobs.c.idempotency_key == bindparam("b_key"))
)
_RESOLVE_INCIDENTS = (
    update(process_incidents)
    .where(
        process_incidents.c.tenant_id == bindparam("b_tenant"),
        process_incidents.c.instance_id == bindparam("b_instance"),
        process_incidents.c.local_id.in_(bindparam("b_local_ids", expanding=True)),
    )
    .values(resolved_at=bindparam("b_now"))
)


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
    history_level: HistoryLevel = HistoryLevel.FULL,
) -> None:
    """Write the jobs, subscriptions, incidents and history that changed from before to after."""
    old = before or _EMPTY
    owner = {"tenant_id": tenant_id, "instance_id": after.instance_id}
    # queued (PostgreSQL): sent with the transaction's next statement or its commit
    _sync_jobs(connection, owner, old, after, now)
    _sync_subscriptions(connection, owner, old, after, now)
    _sync_incidents(connection, owner, old, after, now)
    record_history(connection, tenant_id, before, after, effects, now, history_level)


def _job_rows(state: InstanceState, now: dt.datetime) -> dict[str, dict[str, Any]]:
    parked = {incident.job_id for incident in state.incidents.values()}
    rows = {
        job.id: {
            "kind": JOB,
            "type": job.type,
            "element_id": job.element_id,
            "retries": job.retries,
            "priority": job.priority,
            "due_at": None if state.suspended or job.id in parked else now,
        }
        for job in state.jobs.values()
    }
    for timer in state.timers.values():
        rows[timer.id] = {
            "kind": TIMER,
            "type": timer.kind,
            "element_id": timer.element_id,
            "retries": 0,
            "priority": 0,
            "due_at": None if state.suspended else parse_date(timer.due),
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
    trace_parent = current_trace_parent()  # the worker running the job continues this trace
    added = [
        {
            **owner,
            **row,
            "job_id": time_ordered_id(),
            "local_id": local_id,
            "idempotency_key": idempotency_key(owner["instance_id"], local_id),
            "created_at": now,
            "trace_parent": trace_parent,
        }
        for local_id, row in new.items()
        if local_id not in old
    ]
    _INSERT_JOBS.execute_later(connection, added)
    if any(row["due_at"] is not None and row["due_at"] <= now for row in added):
        announce_due_work(connection)  # executors run it as soon as this commits
    for local_id in old.keys() & new.keys():
        changes = _job_changes(old[local_id], new[local_id])
        if changes:
            key = idempotency_key(owner["instance_id"], local_id)
            _UPDATE_JOB.execute_later(connection, [{"b_key": key, **changes}])


def _job_changes(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    changes: dict[str, Any] = {}
    for name in ("retries", "element_id"):
        if old[name] != new[name]:
            changes[name] = new[name]
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
            "subscription_id": time_ordered_id(),
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
    _INSERT_SUBSCRIPTIONS.execute_later(connection, added)


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
            _RESOLVE_INCIDENTS,
            {
                "b_tenant": owner["tenant_id"],
                "b_instance": owner["instance_id"],
                "b_local_ids": list(resolved),
                "b_now": now,
            },
        )
    added = [
        {
            **owner,
            "incident_id": time_ordered_id(),
            "local_id": row.id,
            "element_id": row.element_id,
            "reason": row.reason,
            "job_local_id": row.job_id,
            "created_at": now,
        }
        for row in after.incidents.values()
        if row.id not in before.incidents
    ]
    _INSERT_INCIDENTS.execute_later(connection, added)


def _delete_missing(
    connection: Connection, table: Table, owner: dict[str, str], gone: Collection[str]
) -> None:
    rows = [
        {"b_tenant": owner["tenant_id"], "b_instance": owner["instance_id"], "b_local_id": local_id}
        for local_id in gone
    ]
    _DELETE[table].execute_later(connection, rows)
