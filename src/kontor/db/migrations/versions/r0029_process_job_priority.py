"""External tasks get a priority (``camunda:taskPriority``); workers may fetch the highest first.

Revision ID: 0029_process_job_priority
Revises: 0024_exact_variable_history
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0029_process_job_priority"
down_revision: str | None = "0024_exact_variable_history"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add process_jobs.priority, 0 for every job there is."""
    with op.batch_alter_table("process_jobs") as batch:
        batch.add_column(
            sa.Column(
                "priority", sa.Integer(), nullable=False, server_default="0",
                comment="external tasks: fetched highest first when the worker asks",
            )
        )  # fmt: skip


def downgrade() -> None:
    """Drop process_jobs.priority."""
    with op.batch_alter_table("process_jobs") as batch:
        batch.drop_column("priority")
