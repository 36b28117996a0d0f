"""Task deadlines with their escalation, and the absences that substitution reads.

Revision ID: 0017_casework_deadlines
Revises: 0008_casework_tasks
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from kontor.db.schema import JsonDocument, UtcDateTime

revision: str = "0017_casework_deadlines"
down_revision: str | None = "0008_casework_tasks"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create the task deadlines and user absences tables."""
    op.create_table(
        "task_deadlines",
        sa.Column("task_id", sa.String(36), primary_key=True),
        sa.Column("kind", sa.String(16), primary_key=True, comment="start or completion"),
        sa.Column("tenant_id", sa.String(64), nullable=False),
        sa.Column("due_at", UtcDateTime, nullable=False),
        sa.Column(
            "escalation", JsonDocument, nullable=False, comment="the actions when it is missed"
        ),
        sa.Column("set_at", UtcDateTime, nullable=False),
        sa.Column("met_at", UtcDateTime, comment="the task was started (start) or ended in time"),
        sa.Column("missed_at", UtcDateTime, comment="it passed unmet and was escalated"),
        comment="Deadlines of tasks: when they must be started or done, and what happens if not",
    )
    op.create_index("ix_task_deadlines_task", "task_deadlines", ["tenant_id", "task_id"])
    op.create_table(
        "user_absences",
        sa.Column("absence_id", sa.String(36), primary_key=True),
        sa.Column("tenant_id", sa.String(64), nullable=False),
        sa.Column("user_id", sa.String(64), nullable=False, comment="the absent user"),
        sa.Column("starts_at", UtcDateTime, nullable=False),
        sa.Column("ends_at", UtcDateTime, nullable=False, comment="exclusive"),
        sa.Column("substitute_user_id", sa.String(64), comment="takes the absent user's tasks"),
        sa.Column(
            "substitute_group_id",
            sa.String(64),
            comment="else their tasks go to this group's queue",
        ),
        sa.Column("note", sa.String(500)),
        sa.Column("created_at", UtcDateTime, nullable=False),
        comment="Absences (Abwesenheiten) with the substitute their tasks go to",
    )
    op.create_index("ix_user_absences_user", "user_absences", ["tenant_id", "user_id", "ends_at"])


def downgrade() -> None:
    """Drop the task deadlines and user absences tables."""
    op.drop_table("user_absences")
    op.drop_table("task_deadlines")
