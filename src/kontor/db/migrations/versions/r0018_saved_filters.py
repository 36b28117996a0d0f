"""Saved filters: named condition trees per user and table, optionally shared to a group.

Revision ID: 0018_saved_filters
Revises: 0001_foundation
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from kontor.db.schema import JsonDocument, UtcDateTime

revision: str = "0018_saved_filters"
down_revision: str | None = "0001_foundation"
branch_labels: str | Sequence[str] | None = ("saved_filters",)
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create the saved filters table."""
    op.create_table(
        "platform_saved_filters",
        sa.Column("filter_id", sa.String(36), nullable=False, comment="time-ordered (UUIDv7)"),
        sa.Column("tenant_id", sa.String(64), nullable=False),
        sa.Column(
            "table_id", sa.String(100), nullable=False, comment="the table it filters (tasks, …)"
        ),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("owner", sa.String(36), nullable=False, comment="the user who saved it"),
        sa.Column(
            "shared_group", sa.String(64), comment="the group it is shared with; none: private"
        ),
        sa.Column("definition", JsonDocument, nullable=False, comment="the AND/OR condition tree"),
        sa.Column("sort", sa.String(100), comment="the table's sort order it opens with"),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("updated_at", UtcDateTime, nullable=False),
        sa.PrimaryKeyConstraint("filter_id", name="pk_platform_saved_filters"),
        sa.UniqueConstraint("tenant_id", "owner", "table_id", "name", name="uq_saved_filters_name"),
        comment="Named filters of work lists and tables, private or shared to a group",
    )
    op.create_index(
        "ix_saved_filters_shared", "platform_saved_filters", ["tenant_id", "shared_group"]
    )


def downgrade() -> None:
    """Drop the saved filters table."""
    op.drop_table("platform_saved_filters")
