"""The notifications table: one row per recipient, so reading is per user."""

from __future__ import annotations

from sqlalchemy import Column, Index, String, Table

from kontor.db import JsonDocument, UtcDateTime, metadata, tenant_column_type

notifications = Table(
    "platform_notifications",
    metadata,
    Column("notification_id", String(36), primary_key=True, comment="time-ordered (UUIDv7)"),
    Column("tenant_id", tenant_column_type(), nullable=False),
    Column("user_id", String(36), nullable=False, comment="the recipient"),
    Column("kind", String(200), nullable=False, comment="the event type that caused it"),
    Column("subject", String(500), nullable=False),
    Column("data", JsonDocument, nullable=False, comment="references for the UI (ids, keys)"),
    Column("created_at", UtcDateTime, nullable=False),
    Column("read_at", UtcDateTime),
    Index("ix_platform_notifications_recipient", "tenant_id", "user_id", "notification_id"),
    Index("ix_platform_notifications_created_at", "created_at"),
    comment="Notifications (push messages) of status changes, kept a few days",
)
