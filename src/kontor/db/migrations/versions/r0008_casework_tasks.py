"""Task system: tasks, their candidates and their history.

Revision ID: 0008_casework_tasks
Revises: 0001_foundation
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from kontor.db.schema import JsonDocument, UtcDateTime

revision: str = "0008_casework_tasks"
down_revision: str | None = "0001_foundation"
branch_labels: str | Sequence[str] | None = ("casework",)
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create the tasks, candidates and history tables with the work-list indexes."""
    op.create_table(
        "tasks",
        sa.Column("task_id", sa.String(36), primary_key=True),
        sa.Column("tenant_id", sa.String(64), nullable=False),
        sa.Column("name", sa.String(500), nullable=False),
        sa.Column("description", sa.Text),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("owner", sa.String(64)),
        sa.Column("assignee", sa.String(64)),
        sa.Column("priority", sa.Integer, nullable=False),
        sa.Column("due_at", UtcDateTime),
        sa.Column("follow_up_at", UtcDateTime),
        sa.Column("form_key", sa.String(500)),
        sa.Column("case_id", sa.String(64)),
        sa.Column("delegation", sa.String(16)),
        sa.Column("outcome", sa.String(16)),
        sa.Column("suspended_from", sa.String(16)),
        sa.Column("variables", JsonDocument, nullable=False),
        sa.Column("draft", JsonDocument, nullable=False),
        sa.Column("process_instance_id", sa.String(36)),
        sa.Column("process_task_id", sa.String(64)),
        sa.Column("created_by", sa.String(64)),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("updated_at", UtcDateTime, nullable=False),
        sa.Column(
            "revision", sa.BigInteger, nullable=False, comment="guards concurrent operations"
        ),
        sa.PrimaryKeyConstraint("task_id", name="pk_tasks"),
        sa.UniqueConstraint(
            "tenant_id", "process_instance_id", "process_task_id", name="uq_tasks_process_task"
        ),
        comment="Tasks for people: from process user tasks or created standalone",
    )
    op.create_index("ix_tasks_assignee", "tasks", ["tenant_id", "assignee", "state"])
    op.create_index("ix_tasks_owner", "tasks", ["tenant_id", "owner", "state"])
    op.create_index("ix_tasks_state_due", "tasks", ["tenant_id", "state", "due_at"])
    op.create_table(
        "task_candidates",
        sa.Column("task_id", sa.String(36), nullable=False),
        sa.Column("kind", sa.String(8), nullable=False, comment="user or group"),
        sa.Column("identity", sa.String(64), nullable=False, comment="the user or group id"),
        sa.Column("tenant_id", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("task_id", "kind", "identity", name="pk_task_candidates"),
        comment="Who may claim a task from the queue: candidate users and groups",
    )
    op.create_index(
        "ix_task_candidates_identity", "task_candidates", ["tenant_id", "kind", "identity"]
    )
    op.create_table(
        "task_history",
        sa.Column("entry_id", sa.String(36), nullable=False, comment="time-ordered"),
        sa.Column("task_id", sa.String(36), nullable=False),
        sa.Column("tenant_id", sa.String(64), nullable=False),
        sa.Column("operation", sa.String(32), nullable=False),
        sa.Column("actor", sa.String(64)),
        sa.Column("at", UtcDateTime, nullable=False),
        sa.Column(
            "state", sa.String(16), nullable=False, comment="the task's state after the operation"
        ),
        sa.Column("reason", sa.Text),
        sa.Column("details", JsonDocument, nullable=False),
        sa.PrimaryKeyConstraint("entry_id", name="pk_task_history"),
        comment="Append-only history of every operation on a task: who, when, what and why",
    )
    op.create_index("ix_task_history_task", "task_history", ["tenant_id", "task_id", "entry_id"])


def downgrade() -> None:
    """Drop the task system's tables."""
    op.drop_table("task_history")
    op.drop_table("task_candidates")
    op.drop_table("tasks")
