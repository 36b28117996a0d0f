"""Commands the task system handles (its own; what crosses to processes is in contracts)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, Field

from kontor.casework.tasks.deadline_messages import DeadlineSpec
from kontor.messaging import Command


class NewTaskFields(BaseModel):
    """What a new standalone task carries: one source for the command and the API body."""

    name: str = Field(min_length=1, max_length=500)
    description: str | None = None
    assignee: str | None = None
    candidate_users: list[str] = Field(default_factory=list)
    candidate_groups: list[str] = Field(default_factory=list)
    priority: int = Field(default=50, ge=0, le=100)
    due_at: dt.datetime | None = None
    follow_up_at: dt.datetime | None = None
    form_key: str | None = None
    case_id: str | None = None
    variables: dict[str, Any] = Field(default_factory=dict)
    start_deadline: DeadlineSpec | None = None
    completion_deadline: DeadlineSpec | None = None  # none: the due date, if any, is one


class CreateTask(Command, NewTaskFields, type_name="casework.create_task"):
    """Create a standalone task (by a person, a rule or an application)."""

    task_id: str | None = None


class WorkOnTask(Command, type_name="casework.work_on_task"):
    """Do one lifecycle operation (claim, delegate, complete, ...) on a task for ``actor``.

    ``arguments`` are the operation's own (``user_id``, ``reason``, ``data``, ...);
    ``actor_groups`` make the actor a candidate; ``as_manager`` lets them act on others' tasks.
    """

    task_id: str
    operation: str
    arguments: dict[str, Any] = Field(default_factory=dict)
    actor_groups: list[str] = Field(default_factory=list)
    as_manager: bool = False


class WorkOnTasks(Command, type_name="casework.work_on_tasks"):
    """Do one operation on many tasks together (a bulk action): one transaction, a result per
    task; a task that refuses is left as it was."""

    task_ids: list[str] = Field(min_length=1)
    operation: str
    arguments: dict[str, Any] = Field(default_factory=dict)
    actor_groups: list[str] = Field(default_factory=list)
    as_manager: bool = False
