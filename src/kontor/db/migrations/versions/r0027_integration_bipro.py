"""Integration: the BiPRO document inbox — portal accesses, shipments, documents, business events.

Revision ID: 0027_integration_bipro
Revises: 0023_integration_webhooks
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from kontor.db.schema import UtcDateTime

revision: str = "0027_integration_bipro"
down_revision: str | None = "0023_integration_webhooks"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TENANT = sa.String(64)


def upgrade() -> None:
    """Create the inbox tables."""
    op.create_table(
        "bipro_portal_accesses",
        sa.Column("access_id", sa.String(36), primary_key=True),
        sa.Column("tenant_id", TENANT, nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column(
            "insurer", sa.String(200), nullable=False, comment="the insurer (Gesellschaft) polled"
        ),
        sa.Column("sts_url", sa.String(2000), nullable=False),
        sa.Column("transfer_url", sa.String(2000), nullable=False),
        sa.Column("username", sa.String(200), nullable=False),
        sa.Column("password_encrypted", sa.String(2000), nullable=False),
        sa.Column(
            "owner_id", sa.String(36), nullable=False, comment="the user notified of new shipments"
        ),
        sa.Column(
            "on_new", sa.String(16), nullable=False, comment="notify | start_process | create_task"
        ),
        sa.Column("process_key", sa.String(200)),
        sa.Column(
            "task_group", sa.String(100), comment="candidate group of the task a shipment creates"
        ),
        sa.Column("poll_cron", sa.String(200), nullable=False),
        sa.Column("last_polled_at", UtcDateTime),
        sa.Column("last_outcome", sa.String(16), comment="ok | failed"),
        sa.Column("last_error", sa.String(1000)),
        sa.Column(
            "poll_requested_at", UtcDateTime, comment="set by a scheduled poll, cleared once run"
        ),
        sa.Column("lease_until", UtcDateTime, comment="while one process polls this access"),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("updated_at", UtcDateTime, nullable=False),
        sa.UniqueConstraint("tenant_id", "name", name="uq_bipro_portal_accesses_name"),
        comment="BiPRO portal accesses (Portalzugänge): a broker's login at an insurer's portal",
    )
    op.create_index(
        "ix_bipro_portal_accesses_tenant", "bipro_portal_accesses", ["tenant_id", "access_id"]
    )
    op.create_table(
        "bipro_shipments",
        sa.Column("inbox_id", sa.String(36), primary_key=True),
        sa.Column("tenant_id", TENANT, nullable=False),
        sa.Column("access_id", sa.String(36), nullable=False),
        sa.Column(
            "shipment_id", sa.String(200), nullable=False, comment="the provider's Lieferung ID"
        ),
        sa.Column("category", sa.String(50), nullable=False),
        sa.Column("provided_at", UtcDateTime),
        sa.Column("received_at", UtcDateTime, nullable=False),
        sa.Column(
            "acknowledged_at", UtcDateTime, comment="null: stored, acknowledgement outstanding"
        ),
        sa.UniqueConstraint(
            "tenant_id", "access_id", "shipment_id", name="uq_bipro_shipments_once"
        ),
        comment="The document inbox (Posteingang): each shipment of a portal access once",
    )
    op.create_index("ix_bipro_shipments_tenant", "bipro_shipments", ["tenant_id", "received_at"])
    op.create_table(
        "bipro_shipment_documents",
        sa.Column("document_id", sa.String(36), primary_key=True),
        sa.Column("tenant_id", TENANT, nullable=False),
        sa.Column("inbox_id", sa.String(36), nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("name", sa.String(500), nullable=False),
        sa.Column("media_type", sa.String(200), nullable=False),
        sa.Column("size", sa.Integer, nullable=False),
        sa.Column("content", sa.LargeBinary, nullable=False),
        comment="Documents of inbox shipments, stored as blobs",
    )
    op.create_index(
        "ix_bipro_shipment_documents_inbox", "bipro_shipment_documents", ["tenant_id", "inbox_id"]
    )
    op.create_table(
        "bipro_shipment_events",
        sa.Column("event_id", sa.String(36), primary_key=True),
        sa.Column("tenant_id", TENANT, nullable=False),
        sa.Column("inbox_id", sa.String(36), nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("kind", sa.String(200), nullable=False, comment="the Geschaeftsvorfall's kind"),
        sa.Column("contract_number", sa.String(100), nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        comment="Business events (Geschäftsvorfälle) of inbox shipments",
    )
    op.create_index(
        "ix_bipro_shipment_events_inbox", "bipro_shipment_events", ["tenant_id", "inbox_id"]
    )


def downgrade() -> None:
    """Drop the inbox tables."""
    for table in (
        "bipro_shipment_events",
        "bipro_shipment_documents",
        "bipro_shipments",
        "bipro_portal_accesses",
    ):
        op.drop_table(table)
