"""Durable timers: messages to deliver through the bus at a due time.

Revision ID: 0016_scheduled_messages
Revises: 0001_foundation
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from kontor.db.schema import JsonDocument, UtcDateTime

revision: str = "0016_scheduled_messages"
down_revision: str | None = "0001_foundation"
branch_labels: str | Sequence[str] | None = ("scheduled",)
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create the scheduled messages table with its due-time index."""
    op.create_table(
        "scheduled_messages",
        sa.Column("schedule_id", sa.String(36), primary_key=True),
        sa.Column("tenant_id", sa.String(64), nullable=False),
        sa.Column(
            "schedule_key",
            sa.String(200),
            comment="cancels or replaces it (e.g. task:ID:deadline)",
        ),
        sa.Column(
            "message_id", sa.String(36), nullable=False, comment="the message's id when it fires"
        ),
        sa.Column("type_name", sa.String(200), nullable=False),
        sa.Column("correlation_id", sa.String(64), nullable=False),
        sa.Column("causation_id", sa.String(64)),
        sa.Column("payload", JsonDocument, nullable=False),
        sa.Column("due_at", UtcDateTime, nullable=False),
        sa.Column("claimed_by", sa.String(64), comment="the worker firing it"),
        sa.Column("claimed_until", UtcDateTime, comment="another worker may claim it after this"),
        sa.Column("attempt", sa.Integer, nullable=False, comment="how often it was claimed"),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.UniqueConstraint("tenant_id", "schedule_key", name="uq_scheduled_messages_key"),
        comment="Durable timers: commands and events to deliver through the bus at a due time",
    )
    op.create_index("ix_scheduled_messages_due", "scheduled_messages", ["due_at"])


def downgrade() -> None:
    """Drop the scheduled messages table."""
    op.drop_table("scheduled_messages")
