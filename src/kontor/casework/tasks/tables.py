"""Tables of the task system: tasks, their candidates (for work lists) and their history."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from kontor.casework.tasks.domain import FINAL_STATES, TaskState
from kontor.db import JsonDocument, UtcDateTime, metadata, tenant_column_type

tasks = Table(
    "tasks",
    metadata,
    Column("task_id", String(36), primary_key=True),
    Column("tenant_id", tenant_column_type(), nullable=False),
    Column("name", String(500), nullable=False),
    Column("description", Text),
    Column("state", String(16), nullable=False),
    Column("owner", String(64)),
    Column("assignee", String(64)),
    Column("priority", Integer, nullable=False),
    Column("due_at", UtcDateTime),
    Column("follow_up_at", UtcDateTime),
    Column("form_key", String(500)),
    Column("form_version", Integer, comment="the form's version when it was created"),
    Column("case_id", String(64)),
    Column("delegation", String(16)),
    Column("outcome", String(16)),
    Column("suspended_from", String(16)),
    Column("variables", JsonDocument, nullable=False),
    Column("draft", JsonDocument, nullable=False),
    Column("process_instance_id", String(36)),
    Column("process_task_id", String(64)),
    Column("created_by", String(64)),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Column("revision", BigInteger, nullable=False, comment="guards concurrent operations"),
    UniqueConstraint(
        "tenant_id", "process_instance_id", "process_task_id", name="uq_tasks_process_task"
    ),
    comment="Tasks for people: from process user tasks or created standalone",
)
Index("ix_tasks_assignee", tasks.c.tenant_id, tasks.c.assignee, tasks.c.state)
Index("ix_tasks_owner", tasks.c.tenant_id, tasks.c.owner, tasks.c.state)
Index("ix_tasks_state_due", tasks.c.tenant_id, tasks.c.state, tasks.c.due_at)
_OPEN = tasks.c.state.in_([state.value for state in TaskState if state not in FINAL_STATES])
Index(  # lists without a queue (all open tasks) read in due order from here
    "ix_tasks_open_due", tasks.c.tenant_id, tasks.c.due_at, tasks.c.task_id,
    postgresql_where=_OPEN, sqlite_where=_OPEN,
)  # fmt: skip

task_candidates = Table(
    "task_candidates",
    metadata,
    Column("task_id", String(36), primary_key=True),
    Column("kind", String(8), primary_key=True, comment="user or group"),
    Column("identity", String(64), primary_key=True, comment="the user or group id"),
    Column("tenant_id", tenant_column_type(), nullable=False),
    # The task's openness and sort keys, kept with every write of the task: a group's queue
    # is then read from one index in the list's order, without visiting the group's other tasks.
    Column("is_open", Boolean, comment="the task is not finished"),
    Column("due_key", UtcDateTime, comment="the task's due date, undated ones last"),
    Column("priority_order", Integer, comment="minus the task's priority"),
    Column("created_at", UtcDateTime),
    comment="Who may claim a task from the queue: candidate users and groups",
)
for _name, _key in (("due", "due_key"), ("priority", "priority_order"), ("created", "created_at")):
    Index(
        f"ix_task_candidates_{_name}",
        task_candidates.c.tenant_id,
        task_candidates.c.kind,
        task_candidates.c.identity,
        task_candidates.c.is_open,
        task_candidates.c[_key],
        task_candidates.c.task_id,
    )

task_history = Table(
    "task_history",
    metadata,
    Column("entry_id", String(36), primary_key=True, comment="time-ordered"),
    Column("task_id", String(36), nullable=False),
    Column("tenant_id", tenant_column_type(), nullable=False),
    Column("operation", String(32), nullable=False),
    Column("actor", String(64)),
    Column("at", UtcDateTime, nullable=False),
    Column("state", String(16), nullable=False, comment="the task's state after the operation"),
    Column("reason", Text),
    Column("details", JsonDocument, nullable=False),
    comment="Append-only history of every operation on a task: who, when, what and why",
)
Index(
    "ix_task_history_task",
    task_history.c.tenant_id,
    task_history.c.task_id,
    task_history.c.entry_id,
)
