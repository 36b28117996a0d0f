"""Read-side queries for people and the API: definition lists, instance lists and overviews."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, fields
from typing import Any

from sqlalchemy import Connection, Row, Select, func, select

from kontor.process.errors import InstanceNotFound, ProcessNotFound
from kontor.process.store.definitions import DeployedDefinition
from kontor.process.store.tables import process_definitions, process_instances


@dataclass(frozen=True)
class DefinitionSummary:
    """A deployed version of a process without its XML."""

    definition_id: str
    process_key: str
    version: int
    name: str | None
    content_sha256: str
    deployed_at: dt.datetime


@dataclass(frozen=True)
class InstanceSummary:
    """A process instance as lists show it."""

    instance_id: str
    process_key: str
    definition_version: int
    business_key: str | None
    case_id: str | None
    status: str
    started_at: dt.datetime
    ended_at: dt.datetime | None
    parent_instance_id: str | None


@dataclass(frozen=True)
class InstanceFilter:
    """Which instances a list shows; ``None`` fields do not filter."""

    process_key: str | None = None
    status: str | None = None
    business_key: str | None = None
    case_id: str | None = None


@dataclass(frozen=True)
class Page:
    """One page of instances and how many match in all."""

    items: list[InstanceSummary]
    total: int


_DEFINITION_COLUMNS = [process_definitions.c[field.name] for field in fields(DefinitionSummary)]
_INSTANCE_COLUMNS = [process_instances.c[field.name] for field in fields(InstanceSummary)]


class ProcessQueries:
    """Reads one tenant's definitions and instances for lists and detail views."""

    def __init__(self, connection: Connection, tenant_id: str) -> None:
        self._connection = connection
        self._tenant_id = tenant_id

    def definitions(
        self, process_key: str | None = None, *, latest_only: bool = False
    ) -> list[DefinitionSummary]:
        """Deployed versions by key and version, optionally of one key or only the newest."""
        table = process_definitions
        query = select(*_DEFINITION_COLUMNS).where(table.c.tenant_id == self._tenant_id)
        if process_key is not None:
            query = query.where(table.c.process_key == process_key)
        if latest_only:
            newest = (
                select(table.c.process_key, func.max(table.c.version).label("version"))
                .where(table.c.tenant_id == self._tenant_id)
                .group_by(table.c.process_key)
                .subquery()
            )
            query = query.join(
                newest,
                (newest.c.process_key == table.c.process_key)
                & (newest.c.version == table.c.version),
            )
        rows = self._connection.execute(query.order_by(table.c.process_key, table.c.version))
        return [DefinitionSummary(**row._asdict()) for row in rows]

    def definition(self, process_key: str, version: int) -> DeployedDefinition:
        """Version ``version`` of ``process_key`` with its XML."""
        table = process_definitions
        row = self._connection.execute(
            select(table).where(
                table.c.tenant_id == self._tenant_id,
                table.c.process_key == process_key,
                table.c.version == version,
            )
        ).one_or_none()
        if row is None:
            raise ProcessNotFound(
                f"process {process_key!r} has no version {version}", key=process_key
            )
        return DeployedDefinition(**row._asdict())

    def definitions_with_content(self, digest: str) -> set[str]:
        """Ids of the definitions deployed from XML with sha256 ``digest``."""
        table = process_definitions
        query = select(table.c.definition_id).where(
            table.c.tenant_id == self._tenant_id, table.c.content_sha256 == digest
        )
        return set(self._connection.execute(query).scalars())

    def instances(self, wanted: InstanceFilter, limit: int, offset: int) -> Page:
        """A page of matching instances, newest first, and how many match."""
        query = self._instances(wanted)
        total = self._connection.execute(
            select(func.count()).select_from(query.subquery())
        ).scalar_one()
        table = process_instances
        rows = self._connection.execute(
            query.order_by(table.c.started_at.desc(), table.c.instance_id)
            .limit(limit)
            .offset(offset)
        )
        return Page([_summary(row) for row in rows], total)

    def instance(self, instance_id: str) -> InstanceSummary:
        """The summary of instance ``instance_id``."""
        query = select(*_INSTANCE_COLUMNS).where(
            process_instances.c.tenant_id == self._tenant_id,
            process_instances.c.instance_id == instance_id,
        )
        row = self._connection.execute(query).one_or_none()
        if row is None:
            raise InstanceNotFound(f"process instance {instance_id!r} not found", id=instance_id)
        return _summary(row)

    def _instances(self, wanted: InstanceFilter) -> Select[Any]:
        table = process_instances
        query = select(*_INSTANCE_COLUMNS).where(table.c.tenant_id == self._tenant_id)
        for column, value in (
            (table.c.process_key, wanted.process_key),
            (table.c.status, wanted.status),
            (table.c.business_key, wanted.business_key),
            (table.c.case_id, wanted.case_id),
        ):
            if value is not None:
                query = query.where(column == value)
        return query


def _summary(row: Row[Any]) -> InstanceSummary:
    return InstanceSummary(**row._asdict())
