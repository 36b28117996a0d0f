"""The operations on a task: what each one may do, from which states, for whom.

Each returns the changed task or raises and changes nothing (see ``domain.apply``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from kontor.casework.tasks.domain import (
    OPEN_STATES,
    PENDING,
    REJECTED,
    RESOLVED,
    WORKING_STATES,
    Actor,
    Operation,
    Task,
    TaskState,
    initial_state,
)
from kontor.casework.tasks.errors import InvalidTaskTransition, NotTaskWorker
from kontor.errors import InvalidInput


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


def _withdrawn(task: Task, state: TaskState) -> Task:
    """The task ended from outside its work: a pending delegation ends with it."""
    delegation = None if task.delegation == PENDING else task.delegation
    return replace(task, state=state, suspended_from=None, delegation=delegation)


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
        if task.delegation == PENDING:
            raise InvalidTaskTransition(self.name, task.state, "the delegate resolves or rejects")
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
        return _withdrawn(task, TaskState.EXITED)


@dataclass(frozen=True)
class MakeObsolete(Operation):
    """The task's source withdrew it (its process activity ended)."""

    name = "obsolete"
    reason: str | None = None

    def apply(self, task: Task, actor: Actor) -> Task:
        _require(task, self.name, OPEN_STATES | {TaskState.SUSPENDED})
        if not actor.manager:
            raise NotTaskWorker(f"only the task's source may make task {task.id} obsolete")
        return _withdrawn(task, TaskState.OBSOLETE)


@dataclass(frozen=True)
class Comment(Operation):
    """Someone who may work on tasks notes a remark on the task; nothing else changes."""

    name = "comment"
    message: str

    def apply(self, task: Task, actor: Actor) -> Task:
        if not self.message.strip():
            raise InvalidInput("a comment needs a message", field="message")
        return task


OPERATIONS: Mapping[str, type[Operation]] = {
    op.name: op
    for op in (
        Claim, Release, Assign, Start, Delegate, Resolve, Forward, Reject, Escalate,
        Suspend, Resume, SaveDraft, Complete, Fail, Cancel, Comment,
    )
}  # fmt: skip
"""The operations people may ask for by name (``obsolete`` is for the task's source only)."""


def operation_of(name: str, arguments: Mapping[str, Any]) -> Operation:
    """The operation called ``name`` with ``arguments``; 422 naming an unknown or missing one."""
    kind = OPERATIONS.get(name)
    if kind is None:
        raise InvalidInput(
            f"unknown task operation {name!r}; known: {', '.join(OPERATIONS)}", field="operation"
        )
    fields = {f.name: f for f in dataclasses.fields(kind)}
    unknown = sorted(set(arguments) - set(fields))
    if unknown:
        raise InvalidInput(f"{name} takes no {', '.join(unknown)}", field=unknown[0])
    missing = [n for n, f in fields.items() if _required(f) and arguments.get(n) is None]
    if missing:
        raise InvalidInput(f"{name} needs {', '.join(missing)}", field=missing[0])
    return kind(**arguments)


def _required(field: dataclasses.Field[Any]) -> bool:
    return field.default is dataclasses.MISSING and field.default_factory is dataclasses.MISSING


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
