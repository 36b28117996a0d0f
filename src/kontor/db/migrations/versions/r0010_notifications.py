"""Notifications: status changes for the users concerned, one row per recipient.

Revision ID: 0010_notifications
Revises: 0001_foundation
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from kontor.db.schema import JsonDocument, UtcDateTime

revision: str = "0010_notifications"
down_revision: str | None = "0001_foundation"
branch_labels: str | Sequence[str] | None = ("notifications",)
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create the notifications table."""
    op.create_table(
        "platform_notifications",
        sa.Column(
            "notification_id", sa.String(36), nullable=False, comment="time-ordered (UUIDv7)"
        ),
        sa.Column("tenant_id", sa.String(64), nullable=False),
        sa.Column("user_id", sa.String(36), nullable=False, comment="the recipient"),
        sa.Column("kind", sa.String(200), nullable=False, comment="the event type that caused it"),
        sa.Column("subject", sa.String(500), nullable=False),
        sa.Column(
            "data", JsonDocument, nullable=False, comment="references for the UI (ids, keys)"
        ),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("read_at", UtcDateTime),
        sa.PrimaryKeyConstraint("notification_id", name="pk_platform_notifications"),
        comment="Notifications (push messages) of status changes, kept a few days",
    )
    op.create_index(
        "ix_platform_notifications_recipient",
        "platform_notifications",
        ["tenant_id", "user_id", "notification_id"],
    )
    op.create_index(
        "ix_platform_notifications_created_at", "platform_notifications", ["created_at"]
    )


def downgrade() -> None:
    """Drop the notifications table."""
    op.drop_table("platform_notifications")
