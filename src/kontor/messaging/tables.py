"""Tables of the messaging backbone: the outbox of emitted messages and the delivery ledger."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Index, Integer, String, Table, Text

from kontor.db.schema import JsonDocument, UtcDateTime, metadata, tenant_column_type

outbox = Table(
    "message_outbox",
    metadata,
    Column(
        "position",
        BigInteger().with_variant(Integer(), "sqlite"),
        primary_key=True,
        autoincrement=True,
    ),
    Column("message_id", String(36), nullable=False, unique=True),
    Column("type_name", String(200), nullable=False),
    Column("schema_version", Integer, nullable=False),
    Column("tenant_id", tenant_column_type(), nullable=False),
    Column("correlation_id", String(64), nullable=False),
    Column("causation_id", String(64)),
    Column("occurred_at", UtcDateTime, nullable=False),
    Column("payload", JsonDocument, nullable=False),
    Column("dispatched_at", UtcDateTime, comment="all handlers ran or were scheduled (embedded)"),
    Column("published_at", UtcDateTime, comment="handed to the broker (scaled out)"),
    comment="Messages emitted in the same transaction as the state change that caused them",
)
Index(
    "ix_message_outbox_undispatched",
    outbox.c.position,
    sqlite_where=outbox.c.dispatched_at.is_(None),
    postgresql_where=outbox.c.dispatched_at.is_(None),
)
Index(
    "ix_message_outbox_unpublished",
    outbox.c.position,
    sqlite_where=outbox.c.published_at.is_(None),
    postgresql_where=outbox.c.published_at.is_(None),
)

deliveries = Table(
    "message_deliveries",
    metadata,
    Column("message_id", String(36), primary_key=True),
    Column("handler", String(200), primary_key=True),
    Column("tenant_id", tenant_column_type(), nullable=False),
    Column("status", String(16), nullable=False, comment="done | retrying | dead"),
    Column("attempts", Integer, nullable=False),
    Column("last_error", Text),
    Column("next_attempt_at", UtcDateTime),
    Column("updated_at", UtcDateTime, nullable=False),
    comment="Inbox: one row per message and handler; 'done' rows make handlers idempotent",
)
Index("ix_message_deliveries_due", deliveries.c.status, deliveries.c.next_attempt_at)
