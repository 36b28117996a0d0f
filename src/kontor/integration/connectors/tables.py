"""The table of connector connections: where a REST connector calls and how it logs in."""

from __future__ import annotations

from sqlalchemy import Column, Index, String, Table, UniqueConstraint

from kontor.db.schema import JsonDocument, UtcDateTime, metadata, tenant_column_type

connector_connections = Table(
    "connector_connections",
    metadata,
    Column("connection_id", String(36), primary_key=True),
    Column("tenant_id", tenant_column_type(), nullable=False),
    Column("name", String(100), nullable=False),
    Column("auth", String(16), nullable=False),
    Column("settings", JsonDocument, nullable=False),
    Column("secret_encrypted", String(2000)),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    UniqueConstraint("tenant_id", "name", name="uq_connector_connections_name"),
    Index("ix_connector_connections_tenant", "tenant_id", "connection_id"),
)
