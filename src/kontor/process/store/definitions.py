"""Deployed process definitions: versioned per tenant and process key, deduplicated by content."""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Connection, Row, Select, bindparam, insert, select

from kontor.db.fast import FastStatement
from kontor.process.errors import ProcessNotFound
from kontor.process.store.tables import process_definitions as table


@dataclass(frozen=True)
class DeployedDefinition:
    """One version of one process of one tenant, with the BPMN XML it came from."""

    definition_id: str
    tenant_id: str
    process_key: str
    version: int
    name: str | None
    content_sha256: str
    bpmn_xml: str
    deployed_at: dt.datetime
    history_ttl_days: int | None = None


def content_hash(bpmn_xml: str) -> str:
    """The sha256 of a model's XML, the identity of its content."""
    return hashlib.sha256(bpmn_xml.encode("utf-8")).hexdigest()


class DefinitionStore:
    """Reads and writes one tenant's process definitions on a unit of work's connection."""

    def __init__(self, connection: Connection, tenant_id: str) -> None:
        self._connection = connection
        self._tenant_id = tenant_id

    def deploy(
        self,
        process_key: str,
        name: str | None,
        bpmn_xml: str,
        now: dt.datetime,
        *,
        history_ttl_days: int | None = None,
    ) -> tuple[DeployedDefinition, bool]:
        """Store a new version unless the latest has identical content; say whether it was new.

        Only the latest version counts: redeploying an earlier version's XML rolls back to it.
        """
        digest = content_hash(bpmn_xml)
        latest = self._one(
            select(table).where(*self._key(process_key)).order_by(table.c.version.desc()).limit(1)
        )
        if latest is not None and latest.content_sha256 == digest:
            return latest, False
        newest = latest.version if latest is not None else None
        definition = DeployedDefinition(
            str(uuid.uuid4()),
            self._tenant_id,
            process_key,
            (newest or 0) + 1,
            name,
            digest,
            bpmn_xml,
            now,
            history_ttl_days,
        )
        self._connection.execute(insert(table).values(**definition.__dict__))
        return definition, True

    def latest(self, process_key: str) -> DeployedDefinition:
        """The newest version of ``process_key``."""
        return self.get(self.latest_id(process_key))

    def latest_id(self, process_key: str) -> str:
        """The definition id of the newest version of ``process_key``."""
        found = _LATEST_ID.first_value(
            self._connection, {"b_tenant": self._tenant_id, "b_key": process_key}
        )
        if found is None:
            raise ProcessNotFound(f"process {process_key!r} is not deployed", key=process_key)
        return str(found)

    def get(self, definition_id: str) -> DeployedDefinition:
        """The definition with ``definition_id`` (of this tenant)."""
        found = self._one(
            select(table).where(
                table.c.tenant_id == self._tenant_id, table.c.definition_id == definition_id
            )
        )
        if found is None:
            raise ProcessNotFound(f"definition {definition_id!r} not found", id=definition_id)
        return found

    def versions(self, process_key: str) -> list[DeployedDefinition]:
        """Every version of ``process_key``, oldest first."""
        query = select(table).where(*self._key(process_key)).order_by(table.c.version)
        return [_definition(row) for row in self._connection.execute(query)]

    def _key(self, process_key: str) -> tuple[ColumnElement[bool], ...]:
        return (table.c.tenant_id == self._tenant_id, table.c.process_key == process_key)

    def _one(self, query: Select[Any]) -> DeployedDefinition | None:
        row = self._connection.execute(query).one_or_none()
        return _definition(row) if row is not None else None


_LATEST_ID = FastStatement(  # built once: every start asks for it
    select(table.c.definition_id)
    .where(table.c.tenant_id == bindparam("b_tenant"), table.c.process_key == bindparam("b_key"))
    .order_by(table.c.version.desc())
    .limit(1)
)


def _definition(row: Row[Any]) -> DeployedDefinition:
    return DeployedDefinition(**row._asdict())
