"""Substitution: a task given to an absent user goes to their substitute, and says why."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from kontor.casework.tasks.domain import (
    PENDING,
    SYSTEM,
    WORKING_STATES,
    Actor,
    Operation,
    Task,
    TaskState,
    apply,
)
from kontor.casework.tasks.errors import InvalidTaskTransition, NotTaskWorker
from kontor.casework.tasks.store import TaskStore
from kontor.messaging import UnitOfWork
from kontor.platform import Absences


@dataclass(frozen=True)
class Substitute(Operation):
    """Kontor hands an absent assignee's task to their substitute user or group."""

    name = "substitute"
    absent: str
    reason: str
    user_id: str | None = None
    group_id: str | None = None
    absences: tuple[dict[str, Any], ...] = ()

    def apply(self, task: Task, actor: Actor) -> Task:
        if task.state not in WORKING_STATES:
            raise InvalidTaskTransition(self.name, task.state)
        if not actor.manager:
            raise NotTaskWorker(f"only Kontor substitutes on task {task.id}")
        if self.user_id:
            return replace(task, assignee=self.user_id, state=TaskState.RESERVED)
        if task.delegation == PENDING:
            raise InvalidTaskTransition(self.name, task.state, "delegated: the owner decides")
        groups = (self.group_id,) if self.group_id else task.candidate_groups
        return replace(
            task, assignee=None, candidate_groups=groups, state=TaskState.READY, delegation=None
        )


def substitute_absent(
    uow: UnitOfWork, store: TaskStore, task: Task, revision: int
) -> tuple[Task, int]:
    """The task handed on if its assignee is away now, with its new revision."""
    if task.assignee is None or task.state not in WORKING_STATES:
        return task, revision
    now = uow.clock.now()
    found = Absences(uow.connection, task.tenant_id).substitute_for(task.assignee, now)
    if found is None:
        return task, revision
    first = found.chain[0]
    taker = found.user_id or f"the queue of {found.group_id}"
    reason = f"{task.assignee} is absent until {first.ends_at.isoformat()}: {taker} stands in"
    chain = tuple(
        {"absence_id": a.absence_id, "user_id": a.user_id, "until": a.ends_at.isoformat()}
        for a in found.chain
    )
    operation = Substitute(task.assignee, reason, found.user_id, found.group_id, chain)
    try:
        step = apply(task, operation, SYSTEM, now)
    except InvalidTaskTransition:
        return task, revision  # a delegated task does not go to a group's queue
    store.save(step.task, revision, step.entry)
    return step.task, revision + 1
