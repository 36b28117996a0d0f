"""The task lifecycle: a pure core over a serialisable task, returning the changed task.

States follow WS-HumanTask; owner and delegation follow Camunda 7: a delegated task keeps its
owner, the delegate resolves it and it returns to the owner. Every operation either returns the
changed task with one history entry or raises and changes nothing.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any

from kontor.casework.tasks.errors import InvalidTaskTransition, NotTaskWorker
from kontor.errors import InvalidInput


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


def _require(task: Task, operation: str, states: frozenset[TaskState], why: str = "") -> None:
    if task.state not in states:
        raise InvalidTaskTransition(operation, task.state, why)


def _require_reason(reason: str) -> None:
    if not reason.strip():
        raise InvalidInput("a reason is required", field="reason")


def _require_assignee(task: Task, actor: Actor, operation: str) -> None:
    if not actor.manager and actor.user_id != task.assignee:
        raise NotTaskWorker(f"only the assignee of task {task.id} may {operation} it")


def _require_owner(task: Task, actor: Actor, operation: str) -> None:
    if not actor.manager and actor.user_id not in (task.owner, task.created_by):
        raise NotTaskWorker(f"only the owner of task {task.id} or a manager may {operation} it")


def _to_queue(task: Task, groups: tuple[str, ...] | None = None) -> Task:
    groups = task.candidate_groups if groups is None else groups
    state = TaskState.READY if task.candidate_users or groups else TaskState.CREATED
    return replace(task, assignee=None, candidate_groups=groups, state=state)


@dataclass(frozen=True)
class Claim(Operation):
    """A candidate takes the task from the queue."""

    name = "claim"

    def apply(self, task: Task, actor: Actor) -> Task:
        _require(task, self.name, frozenset({TaskState.READY}))
        if actor.user_id is None or not (actor.manager or task.is_candidate(actor)):
            raise NotTaskWorker(f"user is not a candidate of task {task.id}")
        return replace(task, assignee=actor.user_id, state=TaskState.RESERVED)


@dataclass(frozen=True)
class Release(Operation):
    """The assignee puts the task back into the queue."""

    name = "release"

    def apply(self, task: Task, actor: Actor) -> Task:
        _require(task, self.name, WORKING_STATES)
        if task.delegation == PENDING:
            raise InvalidTaskTransition(self.name, task.state, "delegated: resolve it instead")
        _require_assignee(task, actor, self.name)
        return _to_queue(task)


@dataclass(frozen=True)
class Assign(Operation):
    """The owner or a manager gives the task to a user (``None``: back to the queue)."""

    name = "assign"
    user_id: str | None = None

    def apply(self, task: Task, actor: Actor) -> Task:
        _require(task, self.name, OPEN_STATES)
        _require_owner(task, actor, self.name)
        if self.user_id is None:
            return replace(_to_queue(task), delegation=None)
        return replace(task, assignee=self.user_id, state=TaskState.RESERVED, delegation=None)


@dataclass(frozen=True)
class Start(Operation):
    """The assignee (or a candidate, who claims it thereby) begins the work."""

    name = "start"

    def apply(self, task: Task, actor: Actor) -> Task:
        if task.state == TaskState.READY:
            task = Claim().apply(task, actor)
        _require(task, self.name, frozenset({TaskState.RESERVED}))
        _require_assignee(task, actor, self.name)
        return replace(task, state=TaskState.IN_PROGRESS)


@dataclass(frozen=True)
class Delegate(Operation):
    """The assignee hands the work to another user and stays (or becomes) its owner."""

    name = "delegate"
    user_id: str
    reason: str | None = None

    def apply(self, task: Task, actor: Actor) -> Task:
        _require(task, self.name, WORKING_STATES)
        if task.delegation == PENDING:
            raise InvalidTaskTransition(self.name, task.state, "already delegated")
        _require_assignee(task, actor, self.name)
        owner = task.owner or task.assignee
        return replace(
            task, owner=owner, assignee=self.user_id, delegation=PENDING, state=TaskState.RESERVED
        )


@dataclass(frozen=True)
class Resolve(Operation):
    """The delegate finished their part; the task returns to its owner with their data."""

    name = "resolve"
    data: Mapping[str, Any] = field(default_factory=dict)

    def apply(self, task: Task, actor: Actor) -> Task:
        _require(task, self.name, WORKING_STATES)
        if task.delegation != PENDING:
            raise InvalidTaskTransition(self.name, task.state, "not delegated")
        _require_assignee(task, actor, self.name)
        return replace(
            task,
            assignee=task.owner,
            delegation=RESOLVED,
            state=TaskState.RESERVED,
            draft={**task.draft, **self.data},
        )


@dataclass(frozen=True)
class Forward(Operation):
    """The assignee passes the task on for good: to a user, or into a group's queue."""

    name = "forward"
    user_id: str | None = None
    group_id: str | None = None
    reason: str | None = None

    def apply(self, task: Task, actor: Actor) -> Task:
        if not (self.user_id or self.group_id):
            raise InvalidInput("forward needs a user_id or a group_id", field="user_id")
        _require(task, self.name, WORKING_STATES)
        if task.delegation == PENDING:
            raise InvalidTaskTransition(self.name, task.state, "delegated: resolve it instead")
        _require_assignee(task, actor, self.name)
        return _hand_over(task, self.user_id, self.group_id)


def _hand_over(task: Task, user_id: str | None, group_id: str | None) -> Task:
    if user_id:
        return replace(task, assignee=user_id, state=TaskState.RESERVED, delegation=None)
    return replace(_to_queue(task, (group_id,) if group_id else None), delegation=None)


@dataclass(frozen=True)
class Reject(Operation):
    """The assignee declines with a reason: back to the owner, else to the candidate queue.

    With ``to_process`` a process task ends instead, handing the process the variables
    ``outcome`` (``"rejected"``) and ``rejection_reason`` for a gateway to branch on.
    """

    name = "reject"
    reason: str
    to_process: bool = False

    def apply(self, task: Task, actor: Actor) -> Task:
        _require_reason(self.reason)
        _require(task, self.name, WORKING_STATES)
        _require_assignee(task, actor, self.name)
        if self.to_process:
            return self._to_process(task)
        if task.owner and task.owner != task.assignee:
            returned = replace(task, assignee=task.owner, state=TaskState.RESERVED)
        else:
            returned = _to_queue(task)
        return replace(returned, delegation=None, outcome=REJECTED)

    def _to_process(self, task: Task) -> Task:
        if not task.from_process:
            raise InvalidInput("only a process task can go back to a process", field="to_process")
        if task.delegation == PENDING:
            raise InvalidTaskTransition(self.name, task.state, "delegated: the owner decides")
        variables = {**task.draft, "outcome": REJECTED, "rejection_reason": self.reason}
        return replace(
            task, state=TaskState.COMPLETED, outcome=REJECTED, variables=variables, draft={}
        )


@dataclass(frozen=True)
class Escalate(Operation):
    """The owner or a manager escalates to a user or group, raising the priority."""

    name = "escalate"
    reason: str
    user_id: str | None = None
    group_id: str | None = None
    priority: int | None = None

    def apply(self, task: Task, actor: Actor) -> Task:
        _require_reason(self.reason)
        _require(task, self.name, OPEN_STATES)
        _require_owner(task, actor, self.name)
        priority = max(task.priority, self.priority if self.priority is not None else 0)
        if self.user_id or self.group_id:
            task = _hand_over(task, self.user_id, self.group_id)
        return replace(task, priority=priority)  # no target: only more urgent


@dataclass(frozen=True)
class Suspend(Operation):
    """Hold the task: nobody works on it until it is resumed."""

    name = "suspend"
    reason: str | None = None

    def apply(self, task: Task, actor: Actor) -> Task:
        _require(task, self.name, OPEN_STATES)
        _require_owner(task, actor, self.name)
        return replace(task, state=TaskState.SUSPENDED, suspended_from=task.state)


@dataclass(frozen=True)
class Resume(Operation):
    """Let a suspended task go on where it was."""

    name = "resume"

    def apply(self, task: Task, actor: Actor) -> Task:
        _require(task, self.name, frozenset({TaskState.SUSPENDED}))
        _require_owner(task, actor, self.name)
        assert task.suspended_from is not None
        return replace(task, state=task.suspended_from, suspended_from=None)


@dataclass(frozen=True)
class SaveDraft(Operation):
    """The assignee keeps form data without completing."""

    name = "save_draft"
    data: Mapping[str, Any] = field(default_factory=dict)

    def apply(self, task: Task, actor: Actor) -> Task:
        _require(task, self.name, WORKING_STATES)
        _require_assignee(task, actor, self.name)
        return replace(task, draft={**task.draft, **self.data})


@dataclass(frozen=True)
class Complete(Operation):
    """The assignee finishes the task with its result data (over the saved draft)."""

    name = "complete"
    data: Mapping[str, Any] = field(default_factory=dict)

    def apply(self, task: Task, actor: Actor) -> Task:
        _require(task, self.name, WORKING_STATES)
        if task.delegation == PENDING:
            raise InvalidTaskTransition(self.name, task.state, "delegated: resolve it first")
        _require_assignee(task, actor, self.name)
        return replace(
            task,
            state=TaskState.COMPLETED,
            variables={**task.draft, **self.data},
            draft={},
            outcome="completed",
        )


@dataclass(frozen=True)
class Fail(Operation):
    """The assignee gives up a standalone task with a reason (a process task is rejected)."""

    name = "fail"
    reason: str

    def apply(self, task: Task, actor: Actor) -> Task:
        _require_reason(self.reason)
        _require(task, self.name, frozenset({TaskState.IN_PROGRESS}))
        if task.from_process:
            raise InvalidTaskTransition(self.name, task.state, "a process task can be rejected")
        _require_assignee(task, actor, self.name)
        return replace(task, state=TaskState.FAILED, outcome="failed")


@dataclass(frozen=True)
class Cancel(Operation):
    """The owner or a manager ends a standalone task (a process task ends with its activity)."""

    name = "cancel"
    reason: str | None = None

    def apply(self, task: Task, actor: Actor) -> Task:
        _require(task, self.name, OPEN_STATES | {TaskState.SUSPENDED})
        if task.from_process:
            raise InvalidTaskTransition(self.name, task.state, "it ends with its process activity")
        _require_owner(task, actor, self.name)
        return replace(task, state=TaskState.EXITED, suspended_from=None)


@dataclass(frozen=True)
class MakeObsolete(Operation):
    """The task's source withdrew it (its process activity ended)."""

    name = "obsolete"
    reason: str | None = None

    def apply(self, task: Task, actor: Actor) -> Task:
        _require(task, self.name, OPEN_STATES | {TaskState.SUSPENDED})
        if not actor.manager:
            raise NotTaskWorker(f"only the task's source may make task {task.id} obsolete")
        return replace(task, state=TaskState.OBSOLETE, suspended_from=None)


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


OPERATIONS: Mapping[str, type[Operation]] = {
    op.name: op
    for op in (
        Claim, Release, Assign, Start, Delegate, Resolve, Forward, Reject, Escalate,
        Suspend, Resume, SaveDraft, Complete, Fail, Cancel,
    )
}  # fmt: skip
"""The operations people may ask for by name (``obsolete`` is for the task's source only)."""


@dataclass(frozen=True)
class Route(Operation):
    """A rule decided who gets a new task and how urgent it is (fields it left out stay)."""

    name = "route"
    assignee: str | None = None
    candidate_users: tuple[str, ...] | None = None
    candidate_groups: tuple[str, ...] | None = None
    priority: int | None = None

    def apply(self, task: Task, actor: Actor) -> Task:
        _require(task, self.name, frozenset({TaskState.CREATED, TaskState.READY}))
        if not actor.manager:
            raise NotTaskWorker(f"only Kontor routes task {task.id}")
        if self.priority is not None and not 0 <= self.priority <= 100:
            raise InvalidInput(f"priority {self.priority} is not within 0..100", field="priority")
        users = task.candidate_users if self.candidate_users is None else self.candidate_users
        groups = task.candidate_groups if self.candidate_groups is None else self.candidate_groups
        assignee = self.assignee or task.assignee
        return replace(
            task,
            assignee=assignee,
            candidate_users=users,
            candidate_groups=groups,
            priority=task.priority if self.priority is None else self.priority,
            state=initial_state(assignee, users, groups),
        )
