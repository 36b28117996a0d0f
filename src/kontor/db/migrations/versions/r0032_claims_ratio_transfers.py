"""Portfolio transfer: claims ratios a broker transferred (Übertragen) to its insurer.

Revision ID: 0032_claims_ratio_transfers
Revises: 0015_portfolio_transfer
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from kontor.db.schema import JsonDocument, UtcDateTime

revision: str = "0032_claims_ratio_transfers"
down_revision: str | None = "0015_portfolio_transfer"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create the table of transferred claims ratio lists."""
    op.create_table(
        "portfolio_transfer_ratio_transfers",
        sa.Column("transfer_id", sa.String(36), nullable=False),
        sa.Column("tenant_id", sa.String(64), nullable=False, comment="the broker's tenant"),
        sa.Column("insurer_tenant_id", sa.String(64), nullable=False),
        sa.Column("sent_at", UtcDateTime, nullable=False),
        sa.Column("sent_by", sa.String(64), nullable=False),
        sa.Column(
            "ratios", JsonDocument, nullable=False, comment="the whole list as it stood when sent"
        ),
        sa.PrimaryKeyConstraint("transfer_id", name="pk_portfolio_transfer_ratio_transfers"),
        comment=(
            "Claims ratios a broker transferred (Übertragen) to its insurer, one row per sending"
        ),
    )
    op.create_index(
        "ix_portfolio_transfer_ratio_transfers_insurer",
        "portfolio_transfer_ratio_transfers",
        ["insurer_tenant_id", "tenant_id", "sent_at"],
    )


def downgrade() -> None:
    """Drop the table of transferred claims ratio lists."""
    op.drop_table("portfolio_transfer_ratio_transfers")
