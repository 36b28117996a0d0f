"""History retention: ended instances older than their time to live go with all their rows."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import ColumnElement, Connection, Select, delete, select

from kontor.process.store.tables import (
    process_activity_history,
    process_definitions,
    process_incidents,
    process_instances,
    process_jobs,
    process_operation_log,
    process_subscriptions,
    process_variable_history,
)

_INSTANCE_ROWS = (
    process_activity_history,
    process_variable_history,
    process_incidents,
    process_operation_log,
    process_jobs,
    process_subscriptions,
)


def purge_expired_history(
    connection: Connection, now: dt.datetime, ttl: dt.timedelta | None, batch: int
) -> int:
    """Delete up to ``batch`` instances that ended more than their time to live ago.

    A process's own time to live (``camunda:historyTimeToLive``) beats ``ttl``; ``ttl`` None
    keeps the history of processes without one forever. Runs across all tenants: retention is
    operations' business, not a tenant's. Returns how many instances were deleted.
    """
    expired: list[str] = []
    for query in _expired_queries(connection, now, ttl):
        if len(expired) >= batch:
            break
        rows = connection.execute(query.limit(batch - len(expired)))
        expired += [row.instance_id for row in rows]
    if expired:
        for table in _INSTANCE_ROWS:
            connection.execute(delete(table).where(table.c.instance_id.in_(expired)))
        connection.execute(
            delete(process_instances).where(process_instances.c.instance_id.in_(expired))
        )
    return len(expired)


def _expired_queries(
    connection: Connection, now: dt.datetime, ttl: dt.timedelta | None
) -> list[Select[Any]]:
    definitions = process_definitions
    own_ttls = connection.execute(
        select(definitions.c.history_ttl_days)
        .where(definitions.c.history_ttl_days.is_not(None))
        .distinct()
    ).scalars()
    queries = [
        _ended_before(now - dt.timedelta(days=days), definitions.c.history_ttl_days == days)
        for days in own_ttls
    ]
    if ttl is not None:
        queries.append(_ended_before(now - ttl, definitions.c.history_ttl_days.is_(None)))
    return queries


def _ended_before(cutoff: dt.datetime, definition_filter: ColumnElement[bool]) -> Select[Any]:
    instances, definitions = process_instances, process_definitions
    return (
        select(instances.c.instance_id)
        .join(definitions, definitions.c.definition_id == instances.c.definition_id)
        .where(instances.c.ended_at < cutoff, definition_filter)
        .order_by(instances.c.ended_at)
    )
