"""Tables of the messaging backbone: the outbox, the delivery ledger and scheduled messages."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Index, Integer, String, Table, Text, UniqueConstraint

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
    Column("trace_parent", String(64), comment="W3C traceparent of the span that emitted it"),
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

scheduled_messages = Table(
    "scheduled_messages",
    metadata,
    Column("schedule_id", String(36), primary_key=True),
    Column("tenant_id", tenant_column_type(), nullable=False),
    Column("schedule_key", String(200), comment="cancels or replaces it (e.g. task:ID:deadline)"),
    Column("message_id", String(36), nullable=False, comment="the message's id when it fires"),
    Column("type_name", String(200), nullable=False),
    Column("correlation_id", String(64), nullable=False),
    Column("causation_id", String(64)),
    Column("payload", JsonDocument, nullable=False),
    Column("due_at", UtcDateTime, nullable=False),
    Column("claimed_by", String(64), comment="the worker firing it"),
    Column("claimed_until", UtcDateTime, comment="another worker may claim it after this"),
    Column("attempt", Integer, nullable=False, comment="how often it was claimed"),
    Column("created_at", UtcDateTime, nullable=False),
    UniqueConstraint("tenant_id", "schedule_key", name="uq_scheduled_messages_key"),
    comment="Durable timers: commands and events to deliver through the bus at a due time",
)
Index("ix_scheduled_messages_due", scheduled_messages.c.due_at)
