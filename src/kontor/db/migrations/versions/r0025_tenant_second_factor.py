"""Platform: a tenant-wide switch that requires a second factor of every user.

Revision ID: 0025_tenant_second_factor
Revises: 0020_second_factor
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0025_tenant_second_factor"
down_revision: str | None = "0020_second_factor"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add the tenants' second-factor requirement (off for existing tenants)."""
    with op.batch_alter_table("tenants") as batch:
        batch.add_column(
            sa.Column(
                "second_factor_required",
                sa.Boolean,
                nullable=False,
                server_default=sa.false(),
                comment="every user without a confirmed second factor keeps only platform:account",
            )
        )


def downgrade() -> None:
    """Remove the tenants' second-factor requirement."""
    with op.batch_alter_table("tenants") as batch:
        batch.drop_column("second_factor_required")
