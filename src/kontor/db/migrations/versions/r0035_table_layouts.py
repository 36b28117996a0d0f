"""Each user's column layout of a table: which columns show, in which order.

Revision ID: 0035_table_layouts
Revises: 0018_saved_filters
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from kontor.db.schema import JsonDocument, UtcDateTime

revision: str = "0035_table_layouts"
down_revision: str | None = "0018_saved_filters"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create the layouts table."""
    op.create_table(
        "platform_table_layouts",
        sa.Column("tenant_id", sa.String(64), nullable=False),
        sa.Column("user_id", sa.String(36), nullable=False),
        sa.Column(
            "table_id", sa.String(100), nullable=False, comment="the table it arranges (tasks, …)"
        ),
        sa.Column(
            "columns", JsonDocument, nullable=False, comment="the shown column keys, in order"
        ),
        sa.Column("updated_at", UtcDateTime, nullable=False),
        sa.PrimaryKeyConstraint(
            "tenant_id", "user_id", "table_id", name="pk_platform_table_layouts"
        ),
        comment="Each user's column layout of a table: which columns show, in which order",
    )


def downgrade() -> None:
    """Drop the layouts table."""
    op.drop_table("platform_table_layouts")
