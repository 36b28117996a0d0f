"""Work lists in index order: a candidate row carries its task's sort keys and openness, so a
group's queue is read in due, priority or creation order; a task pins its form's version.

Revision ID: 0021_worklist_order
Revises: 0019_casework_forms
Create Date: 2026-12-02
"""

import datetime as dt
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

from kontor.db.schema import UtcDateTime

revision: str = "0021_worklist_order"
down_revision: str | None = "0019_casework_forms"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_OPEN = ("created", "ready", "reserved", "in_progress", "suspended")
_QUEUE = ["tenant_id", "kind", "identity", "is_open"]


def upgrade() -> None:
    """Add the sort keys to the candidates (filled from their tasks) and the form version."""
    op.add_column(
        "tasks",
        sa.Column("form_version", sa.Integer, comment="the form's version when it was created"),
    )
    op.add_column(
        "task_candidates",
        sa.Column("is_open", sa.Boolean, comment="the task is not finished"),
    )
    op.add_column(
        "task_candidates",
        sa.Column("due_key", UtcDateTime, comment="the task's due date, undated ones last"),
    )
    op.add_column(
        "task_candidates",
        sa.Column("priority_order", sa.Integer, comment="minus the task's priority"),
    )
    op.add_column("task_candidates", sa.Column("created_at", UtcDateTime))
    candidate = sa.table(
        "task_candidates",
        sa.column("task_id"),
        sa.column("is_open"),
        sa.column("due_key"),
        sa.column("priority_order"),
        sa.column("created_at"),
    )
    task = sa.table(
        "tasks",
        sa.column("task_id"),
        sa.column("state"),
        sa.column("due_at"),
        sa.column("priority"),
        sa.column("created_at"),
    )

    def of_task(value: sa.ColumnElement[Any]) -> sa.ScalarSelect[Any]:
        return sa.select(value).where(task.c.task_id == candidate.c.task_id).scalar_subquery()

    last = sa.literal(dt.datetime(9999, 12, 31, tzinfo=dt.UTC), UtcDateTime)
    op.execute(
        candidate.update().values(
            is_open=of_task(task.c.state.in_(_OPEN)),
            due_key=of_task(sa.func.coalesce(task.c.due_at, last)),
            priority_order=of_task(-task.c.priority),
            created_at=of_task(task.c.created_at),
        )
    )
    op.drop_index("ix_task_candidates_identity", "task_candidates")
    for name, key in (
        ("due", "due_key"),
        ("priority", "priority_order"),
        ("created", "created_at"),
    ):
        op.create_index(f"ix_task_candidates_{name}", "task_candidates", [*_QUEUE, key, "task_id"])


def downgrade() -> None:
    """Drop the sort keys and the form version."""
    for name in ("due", "priority", "created"):
        op.drop_index(f"ix_task_candidates_{name}", "task_candidates")
    op.create_index(
        "ix_task_candidates_identity", "task_candidates", ["tenant_id", "kind", "identity"]
    )
    for column in ("created_at", "priority_order", "due_key", "is_open"):
        op.drop_column("task_candidates", column)
    op.drop_column("tasks", "form_version")
