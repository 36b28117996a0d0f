"""Attachments: files kept with a case (its documents) or with a task.

Revision ID: 0034_case_attachments
Revises: 0033_open_tasks_by_due
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from kontor.db.schema import UtcDateTime

revision: str = "0034_case_attachments"
down_revision: str | None = "0033_open_tasks_by_due"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create the attachments table with its lookups by case and by task."""
    op.create_table(
        "case_attachments",
        sa.Column("attachment_id", sa.String(36), nullable=False),
        sa.Column("tenant_id", sa.String(64), nullable=False),
        sa.Column(
            "case_id", sa.String(64),
            comment="the case it belongs to (a task's: the task's case)",
        ),
        sa.Column(
            "task_id", sa.String(36),
            comment="the task it was attached to; empty: the case's own",
        ),
        sa.Column("file_name", sa.String(255), nullable=False),
        sa.Column("media_type", sa.String(100), nullable=False),
        sa.Column("size", sa.BigInteger, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("blob_key", sa.String(200), nullable=False, comment="where the file is stored"),
        sa.Column("added_at", UtcDateTime, nullable=False),
        sa.Column("added_by", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("attachment_id", name="pk_case_attachments"),
        comment="Files kept with a case (documents) or a task (attachments): name, size, checksum",
    )  # fmt: skip
    op.create_index("ix_case_attachments_case", "case_attachments", ["tenant_id", "case_id"])
    op.create_index("ix_case_attachments_task", "case_attachments", ["tenant_id", "task_id"])


def downgrade() -> None:
    """Drop the attachments table."""
    op.drop_table("case_attachments")
