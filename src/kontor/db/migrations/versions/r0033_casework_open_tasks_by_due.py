"""Work lists without a queue (all open tasks, overdue) in due order: a partial index of the open
tasks by tenant and due date, so that the first page is read from the index, not sorted.

Revision ID: 0033_open_tasks_by_due
Revises: 0021_worklist_order
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0033_open_tasks_by_due"
down_revision: str | None = "0021_worklist_order"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_OPEN = sa.text("state IN ('created', 'ready', 'reserved', 'in_progress', 'suspended')")


def upgrade() -> None:
    """Index the open tasks by tenant, due date and id."""
    op.create_index(
        "ix_tasks_open_due", "tasks", ["tenant_id", "due_at", "task_id"],
        postgresql_where=_OPEN, sqlite_where=_OPEN,
    )  # fmt: skip


def downgrade() -> None:
    """Drop the index."""
    op.drop_index("ix_tasks_open_due", table_name="tasks")
