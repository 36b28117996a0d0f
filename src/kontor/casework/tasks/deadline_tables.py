"""Table of task deadlines: a start and a completion deadline per task, with their escalation."""

from __future__ import annotations

from sqlalchemy import Column, Index, String, Table

from kontor.db import JsonDocument, UtcDateTime, metadata, tenant_column_type

task_deadlines = Table(
    "task_deadlines",
    metadata,
    Column("task_id", String(36), primary_key=True),
    Column("kind", String(16), primary_key=True, comment="start or completion"),
    Column("tenant_id", tenant_column_type(), nullable=False),
    Column("due_at", UtcDateTime, nullable=False),
    Column("escalation", JsonDocument, nullable=False, comment="the actions when it is missed"),
    Column("set_at", UtcDateTime, nullable=False),
    Column("met_at", UtcDateTime, comment="the task was started (start) or ended in time"),
    Column("missed_at", UtcDateTime, comment="it passed unmet and was escalated"),
    comment="Deadlines of tasks: when they must be started or done, and what happens if not",
)
Index("ix_task_deadlines_task", task_deadlines.c.tenant_id, task_deadlines.c.task_id)
