"""Integration: outbound webhook subscriptions, deliveries and attempts; inbound endpoints and
receipts; REST connector connections.

Revision ID: 0023_integration_webhooks
Revises: 0022_integration_scheduler
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from kontor.db.schema import JsonDocument, UtcDateTime

revision: str = "0023_integration_webhooks"
down_revision: str | None = "0022_integration_scheduler"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TENANT = sa.String(64)


def upgrade() -> None:
    """Create the webhook and connector tables."""
    op.create_table(
        "webhook_subscriptions",
        sa.Column("subscription_id", sa.String(36), primary_key=True),
        sa.Column("tenant_id", TENANT, nullable=False),
        sa.Column("url", sa.String(2000), nullable=False),
        sa.Column("event_types", JsonDocument, nullable=False),
        sa.Column("filter", JsonDocument, nullable=False),
        sa.Column("description", sa.String(500), nullable=False),
        sa.Column("secrets", JsonDocument, nullable=False),
        sa.Column("enabled", sa.Boolean, nullable=False),
        sa.Column("disabled_reason", sa.String(500)),
        sa.Column("consecutive_failures", sa.Integer, nullable=False),
        sa.Column("next_sequence", sa.BigInteger, nullable=False),
        sa.Column("lease_until", UtcDateTime),
        sa.Column("created_at", UtcDateTime, nullable=False),
    )
    op.create_index(
        "ix_webhook_subscriptions_tenant", "webhook_subscriptions", ["tenant_id", "subscription_id"]
    )
    op.create_table(
        "webhook_deliveries",
        sa.Column("delivery_id", sa.String(36), primary_key=True),
        sa.Column("tenant_id", TENANT, nullable=False),
        sa.Column("subscription_id", sa.String(36), nullable=False),
        sa.Column("sequence", sa.BigInteger, nullable=False),
        sa.Column("event_id", sa.String(36), nullable=False),
        sa.Column("event_type", sa.String(200), nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("next_attempt_at", UtcDateTime, nullable=False),
        sa.Column("last_status_code", sa.Integer),
        sa.Column("last_error", sa.String(1000)),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("delivered_at", UtcDateTime),
        sa.UniqueConstraint("subscription_id", "sequence", name="uq_webhook_deliveries_sequence"),
    )
    op.create_index(
        "ix_webhook_deliveries_pending",
        "webhook_deliveries",
        ["status", "subscription_id", "sequence"],
    )
    op.create_index(
        "ix_webhook_deliveries_tenant",
        "webhook_deliveries",
        ["tenant_id", "subscription_id", "sequence"],
    )
    op.create_table(
        "webhook_attempts",
        sa.Column("attempt_id", sa.String(36), primary_key=True),
        sa.Column("tenant_id", TENANT, nullable=False),
        sa.Column("delivery_id", sa.String(36), nullable=False),
        sa.Column("attempted_at", UtcDateTime, nullable=False),
        sa.Column("status_code", sa.Integer),
        sa.Column("error", sa.String(1000)),
        sa.Column("seconds", sa.Float, nullable=False),
    )
    op.create_index(
        "ix_webhook_attempts_delivery",
        "webhook_attempts",
        ["tenant_id", "delivery_id", "attempted_at"],
    )
    op.create_table(
        "webhook_endpoints",
        sa.Column("endpoint_id", sa.String(36), primary_key=True),
        sa.Column("tenant_id", TENANT, nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("scheme", sa.String(16), nullable=False),
        sa.Column("signature_header", sa.String(100), nullable=False),
        sa.Column("secret_encrypted", sa.String(500), nullable=False),
        sa.Column("tolerance_seconds", sa.Integer, nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("mapping", sa.Text, nullable=False),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.UniqueConstraint("tenant_id", "name", name="uq_webhook_endpoints_name"),
    )
    op.create_table(
        "webhook_receipts",
        sa.Column("tenant_id", TENANT, nullable=False),
        sa.Column("endpoint_id", sa.String(36), primary_key=True),
        sa.Column("webhook_id", sa.String(200), primary_key=True),
        sa.Column("received_at", UtcDateTime, nullable=False),
        sa.Column("message_id", sa.String(36), nullable=False),
    )
    op.create_index(
        "ix_webhook_receipts_tenant",
        "webhook_receipts",
        ["tenant_id", "endpoint_id", "received_at"],
    )
    op.create_table(
        "connector_connections",
        sa.Column("connection_id", sa.String(36), primary_key=True),
        sa.Column("tenant_id", TENANT, nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("auth", sa.String(16), nullable=False),
        sa.Column("settings", JsonDocument, nullable=False),
        sa.Column("secret_encrypted", sa.String(2000)),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("updated_at", UtcDateTime, nullable=False),
        sa.UniqueConstraint("tenant_id", "name", name="uq_connector_connections_name"),
    )
    op.create_index(
        "ix_connector_connections_tenant", "connector_connections", ["tenant_id", "connection_id"]
    )


def downgrade() -> None:
    """Drop the webhook and connector tables."""
    for table in (
        "connector_connections",
        "webhook_receipts",
        "webhook_endpoints",
        "webhook_attempts",
        "webhook_deliveries",
        "webhook_subscriptions",
    ):
        op.drop_table(table)
