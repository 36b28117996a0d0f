"""A task's history, step by step, in the timeline of the case it belongs to."""

from __future__ import annotations

from sqlalchemy import Connection

from kontor.casework.cases import CaseStore, Timeline
from kontor.casework.tasks.domain import HistoryEntry, Task

TASK_KIND_PREFIX = "task_"


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
