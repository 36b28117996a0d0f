"""The task system's service layer: commands and the process events it hears."""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from collections.abc import Mapping, Sequence
from functools import partial
from typing import Any

from kontor import contracts
from kontor.casework.forms.service import check_form_data, current_form_version
from kontor.casework.tasks.bulk import register_bulk
from kontor.casework.tasks.completion_rules import register_completion_rules
from kontor.casework.tasks.deadline_messages import DeadlineSpec
from kontor.casework.tasks.deadline_store import DeadlineStore
from kontor.casework.tasks.deadlines import after_change, after_create, settle
from kontor.casework.tasks.domain import (
    FINAL_STATES,
    SYSTEM,
    Actor,
    HistoryEntry,
    Task,
    TaskState,
    apply,
    initial_state,
)
from kontor.casework.tasks.escalation import register_escalation
from kontor.casework.tasks.messages import CreateTask, WorkOnTask
from kontor.casework.tasks.operations import MakeObsolete, operation_of
from kontor.casework.tasks.routing import TaskRouting
from kontor.casework.tasks.store import TaskStore
from kontor.casework.tasks.trail import TASK, change_on_task, subject_of
from kontor.db.ids import time_ordered_id
from kontor.messaging import Change, HandlerRegistry, UnitOfWork
from kontor.rules.deployment import RulesService

log = logging.getLogger(__name__)
_READ_AHEAD = "casework.has_process_task"  # read ahead per (tenant, instance, user task)
_OBSOLETE_AHEAD = "casework.obsolete_task"  # the task with its deadlines, read ahead
_Ended = contracts.UserTaskCancelled | contracts.UserTaskCompletedInProcess


class NewTasks:
    """Creates tasks, standalone or from process user tasks, and routes them by rule."""

    def __init__(self, routing: TaskRouting | None) -> None:
        self.routing = routing

    def create_task(self, command: CreateTask, uow: UnitOfWork) -> Task:
        """Create a standalone task: reserved for its assignee, else in its candidates' queue;
        then routed by the decision bound to ``task.created``, if any."""
        users, groups = tuple(command.candidate_users), tuple(command.candidate_groups)
        task = Task(
            id=command.task_id or time_ordered_id(),
            tenant_id=command.tenant_id,
            name=command.name,
            description=command.description,
            state=initial_state(command.assignee, users, groups),
            created_at=uow.clock.now(),
            assignee=command.assignee,
            created_by=command.actor,
            candidate_users=users,
            candidate_groups=groups,
            priority=command.priority,
            due_at=command.due_at,
            follow_up_at=command.follow_up_at,
            form_key=command.form_key,
            case_id=command.case_id,
            variables=command.variables,
        )
        deadlines = {"start": command.start_deadline, "completion": command.completion_deadline}
        return self._add(uow, task, command.actor, deadlines=deadlines)

    def _add(
        self,
        uow: UnitOfWork,
        task: Task,
        actor: str | None,
        deadlines: Mapping[str, DeadlineSpec | None] | None = None,
        **details: Any,
    ) -> Task:
        store = TaskStore(uow.connection, task.tenant_id)
        if task.form_key is not None:  # the form as it is now, whatever is deployed later
            version = current_form_version(uow.connection, task.tenant_id, task.form_key)
            task = dataclasses.replace(task, form_version=version)
        store.add(task, HistoryEntry("create", actor, task.created_at, task.state, details=details))
        routed = self.routing.route(uow, task) if self.routing is not None else None
        revision = 1
        if routed is not None:
            store.save(routed[0], 1, routed[1])
            task, revision = routed[0], 2
        # substitution, deadlines and follow-up date on the timer facility
        return after_create(uow, store, task, revision, deadlines or {})

    def read_ahead_activated(
        self, events: Sequence[contracts.UserTaskActivated], uow: UnitOfWork
    ) -> None:
        """Ask, with the other handlers' reads, which of the activated user tasks already have
        their task, and whether their tenants route new tasks by a decision."""
        by_tenant: dict[str, list[tuple[str, str]]] = {}
        for event in events:
            by_tenant.setdefault(event.tenant_id, []).append((event.instance_id, event.task_id))
        for tenant_id, wanted in by_tenant.items():
            store = TaskStore(uow.connection, tenant_id)
            keep = partial(_keep_existing, uow, store, wanted)
            uow.read_ahead(store.process_tasks_reads(wanted), keep)
            if self.routing is not None:
                self.routing.read_ahead(uow, tenant_id)

    def on_user_task_activated(self, event: contracts.UserTaskActivated, uow: UnitOfWork) -> None:
        """Create the task of a process user task (once, however often the event arrives)."""
        store = TaskStore(uow.connection, event.tenant_id)
        key = (_READ_AHEAD, event.tenant_id, event.instance_id, event.task_id)
        if uow.taken(key, lambda: store.has_process_task(event.instance_id, event.task_id)):
            return
        users, groups = tuple(event.candidate_users), tuple(event.candidate_groups)
        due, due_problem = _moment(event.due_date, "due date")
        follow_up, follow_up_problem = _moment(event.follow_up_date, "follow-up date")
        task = Task(
            id=time_ordered_id(),
            tenant_id=event.tenant_id,
            name=event.name or event.element_id,
            state=initial_state(event.assignee, users, groups),
            created_at=uow.clock.now(),
            assignee=event.assignee,
            candidate_users=users,
            candidate_groups=groups,
            priority=min(max(event.priority if event.priority is not None else 50, 0), 100),
            due_at=due,
            follow_up_at=follow_up,
            form_key=event.form_key,
            case_id=event.case_id,
            variables=event.variables,
            process_instance_id=event.instance_id,
            process_task_id=event.task_id,
        )
        problems = [p for p in (due_problem, follow_up_problem) if p]
        details: dict[str, Any] = {"process_key": event.process_key, "element_id": event.element_id}
        if problems:
            details["problems"] = problems
        self._add(uow, task, None, **details)


def work_on_task(command: WorkOnTask, uow: UnitOfWork) -> Task:
    """Do the operation on the task; a completion tells its source (``TaskCompleted``)."""
    operation = operation_of(command.operation, command.arguments)
    actor = Actor(command.actor, frozenset(command.actor_groups), command.as_manager)
    store = TaskStore(uow.connection, command.tenant_id)
    task, revision = store.get(command.task_id)
    step = apply(task, operation, actor, uow.clock.now())
    check_form_data(uow.connection, task, operation)  # 422 naming each field; nothing changes
    store.save(step.task, revision, step.entry)
    changed = after_change(uow, store, step.task, revision + 1, task, command.actor)
    if step.task.state == TaskState.COMPLETED:
        uow.emit(
            contracts.TaskCompleted(
                **command.caused(), task_id=task.id,
                process_instance_id=task.process_instance_id,
                process_task_id=task.process_task_id,
                variables=dict(step.task.variables), completed_by=command.actor,
            )
        )  # fmt: skip
    return changed


def _moment(text: str | None, what: str) -> tuple[dt.datetime | None, str | None]:
    # The process evaluated the expression; a value that is no ISO time leaves the date
    # empty and says so in the history rather than losing the task.
    if not text:
        return None, None
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        return None, f"{what} {text!r} is not an ISO 8601 date-time"
    return (moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)), None


def on_user_task_cancelled(event: contracts.UserTaskCancelled, uow: UnitOfWork) -> None:
    """Make the task of a withdrawn process user task obsolete."""
    _make_obsolete(uow, event.tenant_id, event.instance_id, event.task_id, "the activity ended")


def on_user_task_completed_in_process(
    event: contracts.UserTaskCompletedInProcess, uow: UnitOfWork
) -> None:
    """Make the task obsolete whose user task was completed through the process directly."""
    reason = f"completed in the process by {event.completed_by or 'Kontor'}"
    _make_obsolete(uow, event.tenant_id, event.instance_id, event.task_id, reason)


def _keep_existing(
    uow: UnitOfWork, store: TaskStore, wanted: list[tuple[str, str]], found: list[list[Any]]
) -> None:
    exist = store.process_tasks_found(wanted, found)
    uow.keep_ahead(
        {
            (_READ_AHEAD, store.tenant_id, *pair): known
            for pair, known in zip(wanted, exist, strict=True)
        }
    )


def _read_obsolete_ahead(events: Sequence[_Ended], uow: UnitOfWork) -> None:
    """Read the tasks that the events make obsolete, with their candidates and deadlines,
    together with the other handlers' reads."""
    for event in events:
        tenant_id, instance_id, task_id = event.tenant_id, event.instance_id, event.task_id
        reads = [
            *TaskStore(uow.connection, tenant_id).process_task_reads(instance_id, task_id),
            DeadlineStore(uow.connection, tenant_id).of_process_task_read(instance_id, task_id),
        ]
        key = (_OBSOLETE_AHEAD, tenant_id, instance_id, task_id)
        uow.read_ahead(reads, partial(_keep_obsolete, uow, key))


def _keep_obsolete(uow: UnitOfWork, key: tuple[str, ...], found: list[list[Any]]) -> None:
    task = TaskStore.found_with_candidates(found[:2])
    uow.keep_ahead({key: (task, DeadlineStore.of_rows(found[2]))})


def _make_obsolete(
    uow: UnitOfWork, tenant_id: str, instance_id: str, process_task_id: str, reason: str
) -> None:
    store = TaskStore(uow.connection, tenant_id)
    key = (_OBSOLETE_AHEAD, tenant_id, instance_id, process_task_id)
    found, deadlines = uow.taken(
        key, lambda: (store.of_process_task(instance_id, process_task_id), None)
    )
    if found is None:
        return
    task, revision = found
    if task.state in FINAL_STATES:
        return  # it ended before the process told us (or the event came again)
    step = apply(task, MakeObsolete(reason), SYSTEM, uow.clock.now())
    store.save(step.task, revision, step.entry)
    settle(uow, step.task, deadlines)


def task_created(command: CreateTask, task: Task) -> Change:
    """A standalone task was created."""
    after = {
        "name": task.name,
        "state": task.state.value,
        "assignee": task.assignee,
        "candidate_groups": list(task.candidate_groups),
        "priority": task.priority,
    }
    return Change(command.type_name, TASK, task.id, after=after, subject=subject_of(task))


def task_worked_on(command: WorkOnTask, task: Task) -> Change:
    """An operation changed a task: its state and assignee after it, with the arguments."""
    return change_on_task(command.operation, command.arguments, task)


def register(registry: HandlerRegistry, rules: RulesService | None = None) -> None:
    """Register the task commands, their audit descriptions and the process events heard;
    with ``rules``, new tasks are routed by the decision bound to ``task.created``."""
    new_tasks = NewTasks(TaskRouting(rules) if rules is not None else None)
    registry.register_command(CreateTask, new_tasks.create_task)
    registry.register_command(WorkOnTask, work_on_task)
    registry.describe_changes(CreateTask, task_created)
    registry.describe_changes(WorkOnTask, task_worked_on)
    register_bulk(registry)
    registry.subscribe(
        contracts.UserTaskActivated,
        new_tasks.on_user_task_activated,
        "casework.on_user_task_activated",
        read_ahead=new_tasks.read_ahead_activated,
    )
    registry.subscribe(
        contracts.UserTaskCancelled,
        on_user_task_cancelled,
        "casework.on_user_task_cancelled",
        read_ahead=_read_obsolete_ahead,
    )
    registry.subscribe(
        contracts.UserTaskCompletedInProcess,
        on_user_task_completed_in_process,
        "casework.on_user_task_completed_in_process",
        read_ahead=_read_obsolete_ahead,
    )
    register_escalation(registry, rules)  # deadlines, escalation, follow-up dates
    if rules is not None:
        register_completion_rules(registry, rules)
