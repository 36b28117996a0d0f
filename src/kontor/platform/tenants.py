"""Tenants (operator, insurer, broker systems): the root every business row hangs from."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    Connection,
    Row,
    String,
    Table,
    false,
    insert,
    select,
    update,
)

from kontor.db import UtcDateTime, metadata, tenant_column_type
from kontor.errors import Conflict, InvalidInput, NotFound
from kontor.platform.permissions import TenantKind

tenants = Table(
    "tenants",
    metadata,
    Column("tenant_id", tenant_column_type(), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("kind", String(16), nullable=False, server_default=TenantKind.BROKER.value),
    Column("parent_tenant_id", tenant_column_type(), comment="who created this broker system"),
    Column(
        "allows_sub_brokers",
        Boolean,
        nullable=False,
        server_default=false(),
        comment="the operator lets this broker system hold broker systems of its own",
    ),
    Column(
        "second_factor_required",
        Boolean,
        nullable=False,
        server_default=false(),
        comment="every user without a confirmed second factor keeps only platform:account",
    ),
    comment="Tenants: each sees only its own rows",
)

_TENANT_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")


@dataclass(frozen=True)
class Tenant:
    """One tenant."""

    tenant_id: str
    name: str
    created_at: dt.datetime
    kind: TenantKind = TenantKind.BROKER
    parent_tenant_id: str | None = None
    allows_sub_brokers: bool = False
    second_factor_required: bool = False


class TenantStore:
    """Reads and writes tenants on the connection of a unit of work."""

    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def add(
        self,
        tenant_id: str,
        name: str,
        now: dt.datetime,
        *,
        kind: TenantKind = TenantKind.BROKER,
        parent_tenant_id: str | None = None,
        allows_sub_brokers: bool = False,
    ) -> Tenant:
        """Create a tenant; the id is lower-case letters, digits, '-' and '_'."""
        if not _TENANT_ID.match(tenant_id):
            raise InvalidInput(
                "tenant id must be 1-64 lower-case letters, digits, '-' or '_'",
                field="tenant_id",
                value=tenant_id,
            )
        if self.find(tenant_id) is not None:
            raise Conflict(f"tenant {tenant_id!r} exists already", tenant_id=tenant_id)
        tenant = Tenant(tenant_id, name, now, kind, parent_tenant_id, allows_sub_brokers)
        self._connection.execute(insert(tenants).values(**tenant.__dict__))
        return tenant

    def find(self, tenant_id: str) -> Tenant | None:
        """The tenant with ``tenant_id``, if any."""
        row = self._connection.execute(
            select(tenants).where(tenants.c.tenant_id == tenant_id)
        ).one_or_none()
        return _tenant(row) if row else None

    def get(self, tenant_id: str) -> Tenant:
        """The tenant with ``tenant_id``; raises ``NotFound`` otherwise."""
        tenant = self.find(tenant_id)
        if tenant is None:
            raise NotFound(f"tenant {tenant_id!r} not found", tenant_id=tenant_id)
        return tenant

    def list(self, *, parent_tenant_id: str | None = None) -> list[Tenant]:
        """All tenants (or the broker systems under ``parent_tenant_id``), by id."""
        query = select(tenants).order_by(tenants.c.tenant_id)
        if parent_tenant_id is not None:
            query = query.where(tenants.c.parent_tenant_id == parent_tenant_id)
        return [_tenant(row) for row in self._connection.execute(query)]

    def allow_sub_brokers(self, tenant_id: str, allowed: bool) -> Tenant:
        """Let a broker system hold broker systems of its own (or stop it)."""
        tenant = self.get(tenant_id)
        if tenant.kind is not TenantKind.BROKER:
            raise InvalidInput(
                f"tenant {tenant_id!r} is no broker system", field="allows_sub_brokers"
            )
        self._connection.execute(
            update(tenants)
            .where(tenants.c.tenant_id == tenant_id)
            .values(allows_sub_brokers=allowed)
        )
        return self.get(tenant_id)

    def require_second_factor(self, tenant_id: str, required: bool) -> Tenant:
        """Require a second factor of every user of the tenant (or leave it to the groups)."""
        self.get(tenant_id)
        self._connection.execute(
            update(tenants)
            .where(tenants.c.tenant_id == tenant_id)
            .values(second_factor_required=required)
        )
        return self.get(tenant_id)


def _tenant(row: Row[Any]) -> Tenant:
    return Tenant(
        row.tenant_id,
        row.name,
        row.created_at,
        TenantKind(row.kind),
        row.parent_tenant_id,
        bool(row.allows_sub_brokers),
        bool(row.second_factor_required),
    )
