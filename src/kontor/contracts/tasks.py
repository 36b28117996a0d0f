"""Events between the process engine and the task system: user tasks out, completions back."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import Field

from kontor.messaging import Event


class TaskCompleted(Event, type_name="task.completed"):
    """A person completed a task; tasks that came from a process carry its references.

    The task system publishes this; the process engine only reacts to tasks with
    ``process_instance_id`` and ``process_task_id``.
    """

    task_id: str
    process_instance_id: str | None = None
    process_task_id: str | None = None
    variables: dict[str, Any] = Field(default_factory=dict)
    completed_by: str | None = None


class UserTaskActivated(Event, type_name="process.user_task_activated"):
    """A user task waits for a person; the task system creates its task from this."""

    instance_id: str
    process_key: str
    task_id: str
    element_id: str
    name: str | None = None
    assignee: str | None = None
    candidate_groups: list[str] = Field(default_factory=list)
    candidate_users: list[str] = Field(default_factory=list)
    due_date: str | None = None
    follow_up_date: str | None = None
    priority: int | None = None
    form_key: str | None = None
    case_id: str | None = None
    business_key: str | None = None
    variables: dict[str, Any] = Field(default_factory=dict)


class UserTaskCancelled(Event, type_name="process.user_task_cancelled"):
    """An open user task was withdrawn because its activity was interrupted."""

    instance_id: str
    task_id: str
    element_id: str
    case_id: str | None = None


class UserTaskCompletedInProcess(Event, type_name="process.user_task_completed_in_process"):
    """A user task was completed through the process engine directly, not the task system."""

    instance_id: str
    task_id: str
    case_id: str | None = None
    completed_by: str | None = None


class TaskDeadlineMissed(Event, type_name="task.deadline_missed"):
    """A task was not started (``kind`` start) or not done (completion) by its deadline.

    Published after its escalation: ``assignee``, ``candidate_groups`` and ``priority`` are the
    task's afterwards; ``notify`` names the users the escalation told.
    """

    task_id: str
    kind: str
    due_at: dt.datetime
    name: str
    case_id: str | None = None
    process_instance_id: str | None = None
    assignee: str | None = None
    candidate_groups: list[str] = Field(default_factory=list)
    priority: int = 50
    notify: list[str] = Field(default_factory=list)


class TaskAttentionNeeded(Event, type_name="task.attention_needed"):
    """One user should look at a task: an escalation told them, or its follow-up date came."""

    task_id: str
    user_id: str
    name: str
    reason: str
    case_id: str | None = None
