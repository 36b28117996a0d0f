"""Deadlines on the timer facility: set with the task, met by its work, cancelled when met.

A task's start deadline is met once it is started (in progress) or ended; its completion
deadline once it ended. Each deadline is one scheduled ``CheckTaskDeadline`` under the key
``task:ID:kind``; a follow-up date is one ``CheckTaskFollowUp`` under ``task:ID:follow_up``.
"""

from __future__ import annotations

from collections.abc import Mapping

from kontor.casework.tasks.deadline_messages import (
    CheckTaskDeadline,
    CheckTaskFollowUp,
    DeadlineSpec,
)
from kontor.casework.tasks.deadline_store import Deadline, DeadlineStore
from kontor.casework.tasks.domain import FINAL_STATES, Task, TaskState
from kontor.casework.tasks.store import TaskStore
from kontor.casework.tasks.substitution import substitute_absent
from kontor.messaging import Schedule, UnitOfWork

START = "start"
COMPLETION = "completion"
KINDS = (START, COMPLETION)


def timer_key(task_id: str, kind: str) -> str:
    """The key a task's timer of ``kind`` (start, completion, follow_up) is scheduled under."""
    return f"task:{task_id}:{kind}"


def is_met(kind: str, task: Task) -> bool:
    """Whether the task did what the deadline of ``kind`` asks."""
    if task.state in FINAL_STATES:
        return True
    started = TaskState.IN_PROGRESS in (task.state, task.suspended_from)
    return kind == START and started


def set_deadline(uow: UnitOfWork, task: Task, kind: str, spec: DeadlineSpec | None) -> None:
    """Set, replace or (``None``) remove the task's deadline of ``kind`` and its timer."""
    store = DeadlineStore(uow.connection, task.tenant_id)
    schedule = Schedule.of(uow)
    if spec is None:
        store.remove(task.id, kind)
        schedule.drop(task.tenant_id, timer_key(task.id, kind))
        return
    deadline = store.put(task.id, kind, spec, uow.clock.now())
    if is_met(kind, task):  # already done: no timer (and none left from before)
        store.mark(task.id, kind, met_at=uow.clock.now())
        schedule.drop(task.tenant_id, timer_key(task.id, kind))
        return
    check = CheckTaskDeadline(
        tenant_id=task.tenant_id, task_id=task.id, kind=kind, due_at=deadline.due_at
    )
    schedule.at(deadline.due_at, check, key=timer_key(task.id, kind))


def settle(uow: UnitOfWork, task: Task, known: list[Deadline] | None = None) -> list[Deadline]:
    """Mark the task's pending deadlines it has met and cancel their timers; those met.
    ``known``: the task's deadlines, read ahead."""
    store = DeadlineStore(uow.connection, task.tenant_id)
    deadlines = store.of(task.id) if known is None else known
    met = [d for d in deadlines if d.pending and is_met(d.kind, task)]
    schedule = Schedule.of(uow)
    for deadline in met:
        store.mark(task.id, deadline.kind, met_at=uow.clock.now())
        schedule.drop(task.tenant_id, timer_key(task.id, deadline.kind))
    if task.state in FINAL_STATES:
        schedule.drop(task.tenant_id, timer_key(task.id, "follow_up"))
    return met


def settle_many(uow: UnitOfWork, tenant_id: str, changed: list[Task]) -> None:
    """``settle`` for many tasks of one tenant, in a few statements."""
    store = DeadlineStore(uow.connection, tenant_id)
    deadlines = store.of_many([task.id for task in changed]) if changed else {}
    keys = []
    for task in changed:
        for deadline in deadlines.get(task.id, []):
            if deadline.pending and is_met(deadline.kind, task):
                store.mark(task.id, deadline.kind, met_at=uow.clock.now())
                keys.append(timer_key(task.id, deadline.kind))
        if task.state in FINAL_STATES:
            keys.append(timer_key(task.id, "follow_up"))
    Schedule.of(uow).cancel_many(tenant_id, keys)


def schedule_follow_up(uow: UnitOfWork, task: Task) -> None:
    """Remind the assignee on the task's follow-up date, if it lies ahead."""
    if task.follow_up_at is None or task.follow_up_at <= uow.clock.now():
        return
    check = CheckTaskFollowUp(
        tenant_id=task.tenant_id, task_id=task.id, follow_up_at=task.follow_up_at
    )
    Schedule.of(uow).at(task.follow_up_at, check, key=timer_key(task.id, "follow_up"))


def after_create(
    uow: UnitOfWork,
    store: TaskStore,
    task: Task,
    revision: int,
    deadlines: Mapping[str, DeadlineSpec | None],
) -> Task:
    """A new task: substitute an absent assignee, set its deadlines and follow-up timer.

    Without an explicit completion deadline, a due date is one (escalated as the
    ``task.deadline_missed`` decision says).
    """
    task, _ = substitute_absent(uow, store, task, revision)
    wanted = dict(deadlines)
    if wanted.get(COMPLETION) is None and task.due_at is not None:
        wanted[COMPLETION] = DeadlineSpec(at=task.due_at)
    for kind in KINDS:
        if wanted.get(kind) is not None:
            set_deadline(uow, task, kind, wanted[kind])
    schedule_follow_up(uow, task)
    return task


def after_change(
    uow: UnitOfWork, store: TaskStore, task: Task, revision: int, before: Task, actor: str | None
) -> Task:
    """An operation changed the task: hand it on if it went to an absent user (not the one
    who took it), and settle the deadlines it met."""
    if task.assignee not in (before.assignee, actor):
        task, revision = substitute_absent(uow, store, task, revision)
    if task.state != before.state:
        settle(uow, task)
    return task
