"""Usage meter: billable transactions per tenant, month and action.

Revision ID: 0007_usage
Revises: 0006_audit
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007_usage"
down_revision: str | None = "0006_audit"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create the usage counters."""
    op.create_table(
        "usage_counters",
        sa.Column("tenant_id", sa.String(64), nullable=False),
        sa.Column("month", sa.String(7), nullable=False, comment="YYYY-MM in Europe/Berlin"),
        sa.Column("action", sa.String(200), nullable=False, comment="the command type counted"),
        sa.Column(
            "shard",
            sa.Integer,
            nullable=False,
            autoincrement=False,
            comment="spreads concurrent writers over rows; a query sums the shards",
        ),
        sa.Column("count", sa.BigInteger, nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "month", "action", "shard", name="pk_usage_counters"),
        comment="Usage meter: billable transactions per tenant and month (Transaktionskosten)",
    )


def downgrade() -> None:
    """Drop the usage counters."""
    op.drop_table("usage_counters")
