"""Portfolio transfer: transfer requests and their protocol.

Revision ID: 0015_portfolio_transfer
Revises: 0001_foundation
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from kontor.db.schema import JsonDocument, UtcDateTime

revision: str = "0015_portfolio_transfer"
down_revision: str | None = "0001_foundation"
branch_labels: str | Sequence[str] | None = ("portfolio_transfer",)
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create the transfer request and protocol tables."""
    op.create_table(
        "portfolio_transfer_requests",
        sa.Column("request_id", sa.String(36), nullable=False),
        sa.Column("tenant_id", sa.String(64), nullable=False, comment="the broker's tenant"),
        sa.Column("insurer_tenant_id", sa.String(64), nullable=False),
        sa.Column("contract_id", sa.String(64), nullable=False, comment="the broker's contract"),
        sa.Column("insurer_contract_id", sa.String(64), comment="the copy in the insurer's tenant"),
        sa.Column("label", sa.String(300), nullable=False),
        sa.Column("line_of_business", sa.String(32), nullable=False),
        sa.Column("status", sa.String(64), nullable=False),
        sa.Column(
            "case_status", sa.String(64), comment="technical status of the underwriting case"
        ),
        sa.Column("forwarded", sa.Boolean, nullable=False, comment="visible to the insurer"),
        sa.Column("remark", sa.Text, comment="Bemerkung: the underwriter's note the broker sees"),
        sa.Column(
            "condition_override", sa.String(16), comment="the underwriter's condition in percent"
        ),
        sa.Column("calculation", JsonDocument, comment="premiums and condition (Decimal, exact)"),
        sa.Column("provider_messages", JsonDocument, nullable=False),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("updated_at", UtcDateTime, nullable=False),
        sa.PrimaryKeyConstraint("request_id", name="pk_portfolio_transfer_requests"),
        sa.UniqueConstraint(
            "tenant_id", "contract_id", name="uq_portfolio_transfer_requests_contract"
        ),
        comment=(
            "Transfer requests (Umdeckungsanfragen): the broker's, shown to its insurer "
            "once forwarded"
        ),
    )
    op.create_index(
        "ix_portfolio_transfer_requests_status",
        "portfolio_transfer_requests",
        ["tenant_id", "status"],
    )
    op.create_index(
        "ix_portfolio_transfer_requests_insurer",
        "portfolio_transfer_requests",
        ["insurer_tenant_id", "forwarded", "status"],
    )
    op.create_index(
        "ix_portfolio_transfer_requests_case_status",
        "portfolio_transfer_requests",
        ["insurer_tenant_id", "case_status"],
    )
    op.create_table(
        "portfolio_transfer_protocol",
        sa.Column("entry_id", sa.Integer, nullable=False, autoincrement=True),
        sa.Column("request_id", sa.String(36), nullable=False),
        sa.Column("tenant_id", sa.String(64), nullable=False, comment="the broker's tenant"),
        sa.Column("insurer_tenant_id", sa.String(64), nullable=False),
        sa.Column("at", UtcDateTime, nullable=False),
        sa.Column("actor", sa.String(64), comment="the user; empty when Kontor itself acted"),
        sa.Column(
            "kind",
            sa.String(32),
            nullable=False,
            comment="status, case_status, calculation, order, remark, decision",
        ),
        sa.Column("broker_sees", sa.Boolean, nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("data", JsonDocument, nullable=False),
        sa.PrimaryKeyConstraint("entry_id", name="pk_portfolio_transfer_protocol"),
        comment="Protocol (Vorgangsprotokoll) of each transfer request, append-only",
    )
    op.create_index(
        "ix_portfolio_transfer_protocol_request", "portfolio_transfer_protocol", ["request_id"]
    )
    op.create_index(
        "ix_portfolio_transfer_protocol_insurer",
        "portfolio_transfer_protocol",
        ["insurer_tenant_id"],
    )


def downgrade() -> None:
    """Drop the transfer tables."""
    op.drop_table("portfolio_transfer_protocol")
    op.drop_table("portfolio_transfer_requests")
