"""Queries and row updates for runtime control: called instances, versions, migration."""

from __future__ import annotations

from collections.abc import Collection, Mapping

from sqlalchemy import ColumnElement, Connection, Table, case, select, update

from kontor.process.runtime import InstanceStatus
from kontor.process.store.tables import (
    process_activity_history,
    process_incidents,
    process_instances,
    process_jobs,
    process_subscriptions,
)

_ACTIVE = InstanceStatus.ACTIVE.value


def active_children(
    connection: Connection, tenant_id: str, parent_id: str, token_id: str | None = None
) -> list[str]:
    """Ids of the running instances ``parent_id`` called (through token ``token_id`` if given)."""
    table = process_instances
    called = [table.c.parent_instance_id == parent_id]
    if token_id is not None:
        called.append(table.c.parent_token_id == token_id)
    return _active(connection, tenant_id, *called)


def active_instances_of_version(
    connection: Connection, tenant_id: str, process_key: str, version: int
) -> list[str]:
    """Ids of the running instances of one version of a process, oldest first."""
    table = process_instances
    return _active(
        connection, tenant_id, table.c.process_key == process_key,
        table.c.definition_version == version,
    )  # fmt: skip


def active_instances_by_business_key(
    connection: Connection, tenant_id: str, process_key: str, business_keys: Collection[str]
) -> list[str]:
    """Ids of the running instances of a process carrying one of ``business_keys``."""
    table = process_instances
    return _active(
        connection, tenant_id, table.c.process_key == process_key,
        table.c.business_key.in_(list(business_keys)),
    )  # fmt: skip


def _active(connection: Connection, tenant_id: str, *conditions: ColumnElement[bool]) -> list[str]:
    """Ids of the tenant's running instances that meet ``conditions``, oldest first."""
    table = process_instances
    rows = connection.execute(
        select(table.c.instance_id)
        .where(table.c.tenant_id == tenant_id, table.c.status == _ACTIVE, *conditions)
        .order_by(table.c.started_at, table.c.instance_id)
    )
    return list(rows.scalars())


def move_to_definition(
    connection: Connection,
    tenant_id: str,
    instance_id: str,
    definition_id: str,
    version: int,
    renamed: Mapping[str, str],
) -> None:
    """Point a migrated instance at its new definition and rename elements in its open rows.

    Jobs, timers, subscriptions, open incidents and open activity instances keep their ids;
    only the element they belong to changes, so workers, tasks and history stay linked.
    """
    table = process_instances
    connection.execute(
        update(table)
        .where(table.c.tenant_id == tenant_id, table.c.instance_id == instance_id)
        .values(definition_id=definition_id, definition_version=version)
    )
    if not renamed:
        return
    open_rows: list[tuple[Table, bool]] = [
        (process_jobs, False),
        (process_subscriptions, False),
        (process_incidents, True),
        (process_activity_history, True),
    ]
    for rows, only_open in open_rows:
        condition = [
            rows.c.tenant_id == tenant_id,
            rows.c.instance_id == instance_id,
            rows.c.element_id.in_(list(renamed)),
        ]
        if only_open:
            ended = rows.c.resolved_at if rows is process_incidents else rows.c.ended_at
            condition.append(ended.is_(None))
        # One CASE per table, so swapped ids (a→b, b→a) cannot collide.
        renaming = case(dict(renamed), value=rows.c.element_id, else_=rows.c.element_id)
        connection.execute(update(rows).where(*condition).values(element_id=renaming))
