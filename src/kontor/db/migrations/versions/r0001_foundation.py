"""Foundation: tenants, message outbox and delivery ledger.

Revision ID: 0001_foundation
Revises:
Create Date: 2026-11-21
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from kontor.db.schema import JsonDocument, UtcDateTime

revision: str = "0001_foundation"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create the foundation tables."""
    op.create_table(
        "tenants",
        sa.Column("tenant_id", sa.String(64), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", name="pk_tenants"),
        comment="Tenants: each sees only its own rows",
    )
    op.create_table(
        "message_outbox",
        sa.Column(
            "position",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("message_id", sa.String(36), nullable=False),
        sa.Column("type_name", sa.String(200), nullable=False),
        sa.Column("schema_version", sa.Integer, nullable=False),
        sa.Column("tenant_id", sa.String(64), nullable=False),
        sa.Column("correlation_id", sa.String(64), nullable=False),
        sa.Column("causation_id", sa.String(64)),
        sa.Column("occurred_at", UtcDateTime, nullable=False),
        sa.Column("payload", JsonDocument, nullable=False),
        sa.Column(
            "dispatched_at", UtcDateTime, comment="all handlers ran or were scheduled (embedded)"
        ),
        sa.Column("published_at", UtcDateTime, comment="handed to the broker (scaled out)"),
        sa.PrimaryKeyConstraint("position", name="pk_message_outbox"),
        sa.UniqueConstraint("message_id", name="uq_message_outbox_message_id"),
        comment="Messages emitted in the same transaction as the state change that caused them",
    )
    op.create_index(
        "ix_message_outbox_undispatched",
        "message_outbox",
        ["position"],
        sqlite_where=sa.text("dispatched_at IS NULL"),
        postgresql_where=sa.text("dispatched_at IS NULL"),
    )
    op.create_index(
        "ix_message_outbox_unpublished",
        "message_outbox",
        ["position"],
        sqlite_where=sa.text("published_at IS NULL"),
        postgresql_where=sa.text("published_at IS NULL"),
    )
    op.create_table(
        "message_deliveries",
        sa.Column("message_id", sa.String(36), nullable=False),
        sa.Column("handler", sa.String(200), nullable=False),
        sa.Column("tenant_id", sa.String(64), nullable=False),
        sa.Column("status", sa.String(16), nullable=False, comment="done | retrying | dead"),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("last_error", sa.Text),
        sa.Column("next_attempt_at", UtcDateTime),
        sa.Column("updated_at", UtcDateTime, nullable=False),
        sa.PrimaryKeyConstraint("message_id", "handler", name="pk_message_deliveries"),
        comment="Inbox: one row per message and handler; 'done' rows make handlers idempotent",
    )
    op.create_index(
        "ix_message_deliveries_due", "message_deliveries", ["status", "next_attempt_at"]
    )


def downgrade() -> None:
    """Drop the foundation tables."""
    op.drop_table("message_deliveries")
    op.drop_table("message_outbox")
    op.drop_table("tenants")
