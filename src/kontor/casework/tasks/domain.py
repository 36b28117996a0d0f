"""The task lifecycle: a pure core over a serialisable task, returning the changed task.

States follow WS-HumanTask; owner and delegation follow Camunda 7: a delegated task keeps its
owner, the delegate resolves it and it returns to the owner. Every operation either returns the
changed task with one history entry or raises and changes nothing.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class TaskState(StrEnum):
    """Where a task is in its life (WS-HumanTask)."""

    CREATED = "created"  # nobody may work on it yet: no candidates, no assignee
    READY = "ready"  # waits in its candidates' queue
    RESERVED = "reserved"  # assigned to one person
    IN_PROGRESS = "in_progress"
    SUSPENDED = "suspended"
    COMPLETED = "completed"
    FAILED = "failed"
    EXITED = "exited"  # cancelled by a person
    OBSOLETE = "obsolete"  # withdrawn by its source (the process activity ended)


FINAL_STATES = frozenset(
    {TaskState.COMPLETED, TaskState.FAILED, TaskState.EXITED, TaskState.OBSOLETE}
)
OPEN_STATES = frozenset(
    {TaskState.CREATED, TaskState.READY, TaskState.RESERVED, TaskState.IN_PROGRESS}
)
WORKING_STATES = frozenset({TaskState.RESERVED, TaskState.IN_PROGRESS})

PENDING = "pending"  # delegated: the delegate works on it and resolves
RESOLVED = "resolved"  # the delegate resolved; the owner has it back
REJECTED = "rejected"  # the outcome a rejection leaves for the process to branch on


@dataclass(frozen=True)
class Actor:
    """Who does an operation: a user with their groups; ``manager`` may act on others' tasks."""

    user_id: str | None
    groups: frozenset[str] = frozenset()
    manager: bool = False


SYSTEM = Actor(None, manager=True)
"""Kontor itself (a process withdrawing its task)."""


@dataclass(frozen=True)
class HistoryEntry:
    """One operation on a task: who, when, what, why, and what it set."""

    operation: str
    actor: str | None
    at: dt.datetime
    state: TaskState
    reason: str | None = None
    details: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Task:
    """A task's current data; the store keeps it as one row."""

    id: str
    tenant_id: str
    name: str
    state: TaskState
    created_at: dt.datetime
    description: str | None = None
    owner: str | None = None
    assignee: str | None = None
    candidate_users: tuple[str, ...] = ()
    candidate_groups: tuple[str, ...] = ()
    priority: int = 50
    due_at: dt.datetime | None = None
    follow_up_at: dt.datetime | None = None
    form_key: str | None = None
    form_version: int | None = None  # the form's version when the task was created
    case_id: str | None = None
    delegation: str | None = None
    outcome: str | None = None
    suspended_from: TaskState | None = None
    variables: Mapping[str, Any] = field(default_factory=dict)
    draft: Mapping[str, Any] = field(default_factory=dict)
    process_instance_id: str | None = None
    process_task_id: str | None = None
    created_by: str | None = None

    @property
    def from_process(self) -> bool:
        """Whether a process user task created this task (its activity decides its end)."""
        return self.process_task_id is not None

    def is_candidate(self, actor: Actor) -> bool:
        """Whether the actor may take the task from its queue."""
        return actor.user_id in self.candidate_users or bool(
            actor.groups.intersection(self.candidate_groups)
        )


def initial_state(
    assignee: str | None, users: tuple[str, ...], groups: tuple[str, ...]
) -> TaskState:
    """The state a new task starts in: reserved for its assignee, else in its queue."""
    if assignee:
        return TaskState.RESERVED
    return TaskState.READY if users or groups else TaskState.CREATED


@dataclass(frozen=True)
class Operation:
    """Something a person (or Kontor) does to a task; ``name`` is its API verb."""

    name = ""

    def apply(self, task: Task, actor: Actor) -> Task:
        """The changed task; raises and changes nothing when not allowed."""
        raise NotImplementedError

    def details(self) -> dict[str, Any]:
        """What the history records besides the reason."""
        return {
            f.name: getattr(self, f.name)
            for f in dataclasses.fields(self)
            if f.name != "reason" and getattr(self, f.name) not in (None, {}, ())
        }

    @property
    def reason_of(self) -> str | None:
        """The reason the actor gave, if the operation takes one."""
        return getattr(self, "reason", None)


@dataclass(frozen=True)
class Step:
    """The task after an operation and the history entry that records it."""

    task: Task
    entry: HistoryEntry


def apply(task: Task, operation: Operation, actor: Actor, now: dt.datetime) -> Step:
    """Do ``operation`` on ``task`` for ``actor``: the changed task and its history entry."""
    changed = operation.apply(task, actor)
    entry = HistoryEntry(
        operation.name, actor.user_id, now, changed.state, operation.reason_of, operation.details()
    )
    return Step(changed, entry)
