"""Portfolio: the plan of a GDV import run (what step 6 decided per contract).

Revision ID: 0014_portfolio_import
Revises: 0012_portfolio
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from kontor.db.schema import JsonDocument

revision: str = "0014_portfolio_import"
down_revision: str | None = "0012_portfolio"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create the table of import plans."""
    op.create_table(
        "portfolio_import_plans",
        sa.Column("run_id", sa.String(36), nullable=False),
        sa.Column("item_no", sa.Integer, nullable=False, comment="the contract's item of the run"),
        sa.Column("tenant_id", sa.String(64), nullable=False),
        sa.Column(
            "action", sa.String(20), nullable=False, comment="create, update, unchanged, kept, …"
        ),
        sa.Column("contract_id", sa.String(36), nullable=False),
        sa.Column("customer_id", sa.String(36), nullable=False),
        sa.Column("validity_date", sa.Date, comment="the file's validity date of the contract"),
        sa.Column("details", JsonDocument, comment="the checked line-of-business details to load"),
        sa.Column(
            "has_details", sa.Boolean, nullable=False, comment="whether the file gave details"
        ),
        sa.PrimaryKeyConstraint("run_id", "item_no", name="pk_portfolio_import_plans"),
        comment="What a GDV import does with each contract of its file (made once, in step 6)",
    )
    op.create_index(
        "ix_portfolio_import_plans_tenant", "portfolio_import_plans", ["tenant_id", "run_id"]
    )


def downgrade() -> None:
    """Drop the table of import plans."""
    op.drop_table("portfolio_import_plans")
