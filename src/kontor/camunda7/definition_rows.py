"""Reading deployed processes as Camunda shows them (by Kontor's definition id or by key)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, func, select

from kontor.camunda7.variables import camunda_date
from kontor.process.errors import ProcessNotFound
from kontor.process.store import DeployedDefinition
from kontor.process.store.tables import process_definitions as table


def definition_by_id(
    connection: Connection, tenant_id: str, definition_id: str
) -> DeployedDefinition:
    """The tenant's definition ``definition_id``; 404 if there is none."""
    row = connection.execute(
        select(table).where(table.c.tenant_id == tenant_id, table.c.definition_id == definition_id)
    ).one_or_none()
    if row is None:
        raise ProcessNotFound(f"No matching definition with id {definition_id}")
    return DeployedDefinition(**row._asdict())


def latest_by_key(connection: Connection, tenant_id: str, key: str) -> DeployedDefinition:
    """The newest version of process ``key``; 404 if none is deployed."""
    newest = (
        select(func.max(table.c.version))
        .where(table.c.tenant_id == tenant_id, table.c.process_key == key)
        .scalar_subquery()
    )
    row = connection.execute(
        select(table).where(
            table.c.tenant_id == tenant_id, table.c.process_key == key, table.c.version == newest
        )
    ).one_or_none()
    if row is None:
        raise ProcessNotFound(f"No matching process definition with key: {key} and no tenant-id")
    return DeployedDefinition(**row._asdict())


def definition_dto(definition: DeployedDefinition) -> dict[str, Any]:
    """Camunda's ProcessDefinitionDto of ``definition``."""
    return {
        "id": definition.definition_id,
        "key": definition.process_key,
        "category": "http://bpmn.io/schema/bpmn",
        "description": None,
        "name": definition.name,
        "version": definition.version,
        "resource": f"{definition.process_key}.bpmn",
        "deploymentId": definition.definition_id,
        "diagram": None,
        "suspended": False,
        "tenantId": definition.tenant_id,
        "versionTag": None,
        "historyTimeToLive": definition.history_ttl_days,
        "startableInTasklist": True,
        "deployedAt": camunda_date(definition.deployed_at),
    }
