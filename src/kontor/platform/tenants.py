"""Tenants (broker systems, insurers): the root every business row hangs from."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from sqlalchemy import Column, Connection, String, Table, insert, select

from kontor.db import UtcDateTime, metadata, tenant_column_type
from kontor.errors import Conflict, InvalidInput, NotFound

tenants = Table(
    "tenants",
    metadata,
    Column("tenant_id", tenant_column_type(), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    comment="Tenants: each sees only its own rows",
)

_TENANT_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")


@dataclass(frozen=True)
class Tenant:
    """One tenant."""

    tenant_id: str
    name: str
    created_at: dt.datetime


class TenantStore:
    """Reads and writes tenants on the connection of a unit of work."""

    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def add(self, tenant_id: str, name: str, now: dt.datetime) -> Tenant:
        """Create a tenant; the id is lower-case letters, digits, '-' and '_'."""
        if not _TENANT_ID.match(tenant_id):
            raise InvalidInput(
                "tenant id must be 1-64 lower-case letters, digits, '-' or '_'",
                field="tenant_id",
                value=tenant_id,
            )
        if self.find(tenant_id) is not None:
            raise Conflict(f"tenant {tenant_id!r} exists already", tenant_id=tenant_id)
        self._connection.execute(
            insert(tenants).values(tenant_id=tenant_id, name=name, created_at=now)
        )
        return Tenant(tenant_id, name, now)

    def find(self, tenant_id: str) -> Tenant | None:
        """The tenant with ``tenant_id``, if any."""
        row = self._connection.execute(
            select(tenants).where(tenants.c.tenant_id == tenant_id)
        ).one_or_none()
        return Tenant(row.tenant_id, row.name, row.created_at) if row else None

    def get(self, tenant_id: str) -> Tenant:
        """The tenant with ``tenant_id``; raises ``NotFound`` otherwise."""
        tenant = self.find(tenant_id)
        if tenant is None:
            raise NotFound(f"tenant {tenant_id!r} not found", tenant_id=tenant_id)
        return tenant

    def list(self) -> list[Tenant]:
        """All tenants, by id."""
        rows = self._connection.execute(select(tenants).order_by(tenants.c.tenant_id))
        return [Tenant(r.tenant_id, r.name, r.created_at) for r in rows]
