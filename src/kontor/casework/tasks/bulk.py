"""Bulk actions: one operation on many tasks in one transaction, in a few statements.

The tasks are loaded together (locked against other writers), the operation is applied to each
in memory, and the changed tasks, their candidates, history entries, met deadlines and timers
are written with one statement each for all tasks. A task that refuses (unknown, not its
state, not the actor's, form data wrong) is reported in its place and left as it was; the
others are changed, each with its audit entry and, once completed, its ``TaskCompleted``.
"""

from __future__ import annotations

from kontor import contracts
from kontor.casework.forms.service import check_form_data
from kontor.casework.tasks.deadlines import settle_many
from kontor.casework.tasks.domain import Actor, HistoryEntry, Task, TaskState, apply
from kontor.casework.tasks.errors import TaskNotFound
from kontor.casework.tasks.messages import WorkOnTasks
from kontor.casework.tasks.operations import operation_of
from kontor.casework.tasks.store import TaskStore
from kontor.casework.tasks.substitution import substitute_absent
from kontor.casework.tasks.trail import change_on_task
from kontor.errors import KontorError
from kontor.messaging import Change, HandlerRegistry, UnitOfWork

Outcome = Task | KontorError
"""A task after the operation, or why it refused."""


def work_on_tasks(command: WorkOnTasks, uow: UnitOfWork) -> list[Outcome]:
    """Do the operation on every task; the outcomes in the order of ``task_ids``."""
    operation = operation_of(command.operation, command.arguments)
    actor = Actor(command.actor, frozenset(command.actor_groups), command.as_manager)
    store = TaskStore(uow.connection, command.tenant_id)
    task_ids = list(dict.fromkeys(command.task_ids))
    found = store.with_revisions(task_ids, lock=True)
    now = uow.clock.now()
    outcomes: dict[str, Outcome] = {}
    changed: list[tuple[Task, int, HistoryEntry]] = []
    before: dict[str, Task] = {}
    for task_id in task_ids:
        try:
            if task_id not in found:
                raise TaskNotFound(f"task {task_id} not found", task_id=task_id)
            task, revision = found[task_id]
            step = apply(task, operation, actor, now)
            check_form_data(uow.connection, task, operation)
        except KontorError as error:  # this task refuses; the others go on
            outcomes[task_id] = error
            continue
        changed.append((step.task, revision, step.entry))
        before[task_id] = task
    store.save_many(changed)
    settle_many(uow, command.tenant_id, [t for t, _, _ in changed if t.state != before[t.id].state])
    for task, revision, _ in changed:
        if task.assignee not in (before[task.id].assignee, command.actor):
            task, _ = substitute_absent(uow, store, task, revision + 1)
        outcomes[task.id] = task
        uow.record(
            change_on_task(command.operation, command.arguments, task),
            command.tenant_id,
            command.actor,
        )
        if task.state == TaskState.COMPLETED:
            uow.emit(
                contracts.TaskCompleted(
                    **command.caused(), task_id=task.id,
                    process_instance_id=task.process_instance_id,
                    process_task_id=task.process_task_id,
                    variables=dict(task.variables), completed_by=command.actor,
                )
            )  # fmt: skip
    return [outcomes[task_id] for task_id in command.task_ids]


def bulk_worked(command: WorkOnTasks, outcomes: list[Outcome]) -> Change:
    """The bulk action itself in the audit log (each task has its own entry besides)."""
    succeeded = sum(1 for outcome in outcomes if isinstance(outcome, Task))
    after = {"operation": command.operation, "tasks": len(outcomes), "succeeded": succeeded}
    return Change("casework.task.bulk", "task_bulk", command.message_id, after=after)


def register_bulk(registry: HandlerRegistry) -> None:
    """Register the bulk command and its audit description."""
    registry.register_command(WorkOnTasks, work_on_tasks)
    registry.describe_changes(WorkOnTasks, bulk_worked)
