"""What the process cockpit reads: definitions with their counts, instance rows, diagram marks."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Select, func, select

from kontor.process.store.tables import (
    process_activity_history,
    process_definitions,
    process_incidents,
    process_instances,
)

ACTIVE = "active"


@dataclass(frozen=True)
class DefinitionRow:
    """A deployed version with how many of its instances run and how many incidents are open."""

    process_key: str
    version: int
    name: str | None
    deployed_at: Any
    running: int
    incidents: int


def definition_overview(connection: Connection, tenant_id: str) -> list[DefinitionRow]:
    """Every deployed version of the tenant (newest first per key) with its counts."""
    table = process_definitions
    running = _count_by_definition(connection, tenant_id)
    incidents = _incidents_by_definition(connection, tenant_id)
    query = (
        select(
            table.c.definition_id,
            table.c.process_key,
            table.c.version,
            table.c.name,
            table.c.deployed_at,
        )
        .where(table.c.tenant_id == tenant_id)
        .order_by(table.c.process_key, table.c.version.desc())
    )
    return [
        DefinitionRow(
            row.process_key,
            row.version,
            row.name,
            row.deployed_at,
            running.get(row.definition_id, 0),
            incidents.get(row.definition_id, 0),
        )
        for row in connection.execute(query)
    ]


def _count_by_definition(connection: Connection, tenant_id: str) -> dict[str, int]:
    table = process_instances
    query = (
        select(table.c.definition_id, func.count())
        .where(table.c.tenant_id == tenant_id, table.c.status == ACTIVE)
        .group_by(table.c.definition_id)
    )
    return {row[0]: int(row[1]) for row in connection.execute(query)}


def _incidents_by_definition(connection: Connection, tenant_id: str) -> dict[str, int]:
    incident, instance = process_incidents, process_instances
    query = (
        select(instance.c.definition_id, func.count())
        .select_from(incident.join(instance, incident.c.instance_id == instance.c.instance_id))
        .where(
            incident.c.tenant_id == tenant_id,
            instance.c.tenant_id == tenant_id,
            incident.c.resolved_at.is_(None),
        )
        .group_by(instance.c.definition_id)
    )
    return {row[0]: int(row[1]) for row in connection.execute(query)}


@dataclass(frozen=True)
class DiagramMarks:
    """What the diagram marks: elements with tokens, open incidents and the path taken."""

    active: Mapping[str, int]
    incidents: Mapping[str, int]
    completed: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        """The marks as the page script reads them."""
        return {
            "active": dict(self.active),
            "incidents": dict(self.incidents),
            "completed": list(self.completed),
        }


def definition_marks(connection: Connection, tenant_id: str, definition_id: str) -> DiagramMarks:
    """Running activities and open incidents of every active instance of one version."""
    history, instance, incident = (
        process_activity_history, process_instances, process_incidents,
    )  # fmt: skip
    running = connection.execute(
        select(history.c.element_id, func.count())
        .select_from(history.join(instance, history.c.instance_id == instance.c.instance_id))
        .where(
            history.c.tenant_id == tenant_id,
            instance.c.tenant_id == tenant_id,
            instance.c.definition_id == definition_id,
            instance.c.status == ACTIVE,
            history.c.ended_at.is_(None),
        )
        .group_by(history.c.element_id)
    )
    problems = connection.execute(
        select(incident.c.element_id, func.count())
        .select_from(incident.join(instance, incident.c.instance_id == instance.c.instance_id))
        .where(
            incident.c.tenant_id == tenant_id,
            instance.c.tenant_id == tenant_id,
            instance.c.definition_id == definition_id,
            incident.c.resolved_at.is_(None),
        )
        .group_by(incident.c.element_id)
    )
    return DiagramMarks(
        {row[0]: int(row[1]) for row in running}, {row[0]: int(row[1]) for row in problems}
    )


def instance_marks(active: list[str], incidents: list[str], finished: list[str]) -> DiagramMarks:
    """The marks of one instance: its tokens, its open incidents, the elements it completed."""
    return DiagramMarks(
        Counter(active), Counter(incidents), tuple(sorted(set(finished) - set(active)))
    )


def definition_id_of(
    connection: Connection, tenant_id: str, process_key: str, version: int
) -> str | None:
    """The id of version ``version`` of ``process_key`` in the tenant, if deployed."""
    table = process_definitions
    query = select(table.c.definition_id).where(
        table.c.tenant_id == tenant_id,
        table.c.process_key == process_key,
        table.c.version == version,
    )
    found: str | None = connection.execute(query).scalar_one_or_none()
    return found


def instance_rows(tenant_id: str, filters: Mapping[str, str]) -> Select[Any]:
    """The tenant's instances as the instance list shows them, with their open incidents."""
    table, incident = process_instances, process_incidents
    open_incidents = (
        select(func.count())
        .where(
            incident.c.tenant_id == tenant_id,
            incident.c.instance_id == table.c.instance_id,
            incident.c.resolved_at.is_(None),
        )
        .scalar_subquery()
    )
    query = select(
        table.c.instance_id.label("id"),
        table.c.process_key,
        table.c.definition_version.label("version"),
        table.c.business_key,
        table.c.status,
        open_incidents.label("incidents"),
        table.c.started_at,
        table.c.ended_at,
    ).where(table.c.tenant_id == tenant_id)
    if filters.get("process_key"):
        query = query.where(table.c.process_key == filters["process_key"])
    return query


def process_keys(connection: Connection, tenant_id: str) -> list[str]:
    """The process keys the tenant deployed."""
    table = process_definitions
    query = (
        select(table.c.process_key)
        .where(table.c.tenant_id == tenant_id)
        .distinct()
        .order_by(table.c.process_key)
    )
    return [str(key) for key in connection.execute(query).scalars()]
