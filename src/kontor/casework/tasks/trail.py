"""A task's history, step by step, in the timeline of the case it belongs to and the audit log."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection

from kontor.casework.cases import CaseStore, Timeline
from kontor.casework.tasks.domain import HistoryEntry, Task
from kontor.messaging import Change

TASK_KIND_PREFIX = "task_"
TASK = "task"


def to_case_timeline(connection: Connection, task: Task, entry: HistoryEntry) -> None:
    """Append ``entry`` to the timeline of the task's case (if it has one that exists)."""
    if task.case_id is None or not CaseStore(connection, task.tenant_id).exists(task.case_id):
        return
    details = {
        "task_id": task.id, "task_name": task.name, "state": entry.state.value,
        "reason": entry.reason, **dict(entry.details),
    }  # fmt: skip
    Timeline(connection, task.tenant_id).append(
        task.case_id, f"{TASK_KIND_PREFIX}{entry.operation}", entry.actor, entry.at, details
    )


def change_on_task(operation: str, arguments: Mapping[str, Any], task: Task) -> Change:
    """The audit log's entry of an operation on a task: its state and assignee after it, with
    the arguments."""
    after = {"state": task.state.value, "assignee": task.assignee, **arguments}
    return Change(
        f"casework.task.{operation}", TASK, task.id, after=after, subject=subject_of(task)
    )


def subject_of(task: Task) -> str:
    """Whose personal data the task's entries hold: its case's, else its own."""
    # Form data and variables hold the case's personal values: erasing the case finds them.
    return f"case:{task.case_id}" if task.case_id else f"{TASK}:{task.id}"
