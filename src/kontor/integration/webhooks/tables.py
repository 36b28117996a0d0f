"""Tables of webhooks: outbound subscriptions with their deliveries and attempts, inbound
endpoints with their receipts."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Float,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from kontor.db.schema import JsonDocument, UtcDateTime, metadata, tenant_column_type

webhook_subscriptions = Table(
    "webhook_subscriptions",
    metadata,
    Column("subscription_id", String(36), primary_key=True),
    Column("tenant_id", tenant_column_type(), nullable=False),
    Column("url", String(2000), nullable=False),
    Column("event_types", JsonDocument, nullable=False),
    Column("filter", JsonDocument, nullable=False),
    Column("description", String(500), nullable=False),
    Column("secrets", JsonDocument, nullable=False),
    Column("enabled", Boolean, nullable=False),
    Column("disabled_reason", String(500)),
    Column("consecutive_failures", Integer, nullable=False),
    Column("next_sequence", BigInteger, nullable=False),
    Column("lease_until", UtcDateTime),
    Column("created_at", UtcDateTime, nullable=False),
    Index("ix_webhook_subscriptions_tenant", "tenant_id", "subscription_id"),
)

webhook_deliveries = Table(
    "webhook_deliveries",
    metadata,
    Column("delivery_id", String(36), primary_key=True),
    Column("tenant_id", tenant_column_type(), nullable=False),
    Column("subscription_id", String(36), nullable=False),
    Column("sequence", BigInteger, nullable=False),
    Column("event_id", String(36), nullable=False),
    Column("event_type", String(200), nullable=False),
    Column("body", Text, nullable=False),
    Column("status", String(16), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("next_attempt_at", UtcDateTime, nullable=False),
    Column("last_status_code", Integer),
    Column("last_error", String(1000)),
    Column("created_at", UtcDateTime, nullable=False),
    Column("delivered_at", UtcDateTime),
    UniqueConstraint("subscription_id", "sequence", name="uq_webhook_deliveries_sequence"),
    Index("ix_webhook_deliveries_pending", "status", "subscription_id", "sequence"),
    Index("ix_webhook_deliveries_tenant", "tenant_id", "subscription_id", "sequence"),
)

webhook_attempts = Table(
    "webhook_attempts",
    metadata,
    Column("attempt_id", String(36), primary_key=True),
    Column("tenant_id", tenant_column_type(), nullable=False),
    Column("delivery_id", String(36), nullable=False),
    Column("attempted_at", UtcDateTime, nullable=False),
    Column("status_code", Integer),
    Column("error", String(1000)),
    Column("seconds", Float, nullable=False),
    Index("ix_webhook_attempts_delivery", "tenant_id", "delivery_id", "attempted_at"),
)

webhook_endpoints = Table(
    "webhook_endpoints",
    metadata,
    Column("endpoint_id", String(36), primary_key=True),
    Column("tenant_id", tenant_column_type(), nullable=False),
    Column("name", String(100), nullable=False),
    Column("scheme", String(16), nullable=False),
    Column("signature_header", String(100), nullable=False),
    Column("secret_encrypted", String(500), nullable=False),
    Column("tolerance_seconds", Integer, nullable=False),
    Column("action", String(32), nullable=False),
    Column("mapping", Text, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    UniqueConstraint("tenant_id", "name", name="uq_webhook_endpoints_name"),
)

webhook_receipts = Table(
    "webhook_receipts",
    metadata,
    Column("tenant_id", tenant_column_type(), nullable=False),
    Column("endpoint_id", String(36), primary_key=True),
    Column("webhook_id", String(200), primary_key=True),
    Column("received_at", UtcDateTime, nullable=False),
    Column("message_id", String(36), nullable=False),
    Index("ix_webhook_receipts_tenant", "tenant_id", "endpoint_id", "received_at"),
)
