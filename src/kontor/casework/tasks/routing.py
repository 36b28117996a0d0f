"""The ``task.created`` hook point: a bound decision routes each new task at run time.

Administrators bind a deployed decision to ``task.created`` per tenant; rebinding takes effect
for the next task. The decision gets the task's data and returns a context with any of
``assignee``, ``candidateGroups``, ``candidateUsers`` (a name or a list) and ``priority``.
"""

from __future__ import annotations

import logging
from decimal import Decimal
from typing import Any

from kontor.casework.decisions import ask, declare, read_bound_ahead
from kontor.casework.tasks.domain import SYSTEM, HistoryEntry, Task, apply
from kontor.casework.tasks.operations import Route
from kontor.errors import InvalidInput, KontorError
from kontor.messaging import UnitOfWork
from kontor.rules.deployment import HookPoint, RulesService

log = logging.getLogger(__name__)

TASK_CREATED = HookPoint(
    "task.created", "a task was created: decides its candidate groups, assignee and priority"
)


class TaskRouting:
    """Asks the decision bound to ``task.created`` where a new task goes."""

    def __init__(self, rules: RulesService) -> None:
        self._rules = rules
        declare(rules, TASK_CREATED)

    def read_ahead(self, uow: UnitOfWork, tenant_id: str) -> None:
        """Ask whether the tenant bound a decision with the reads ahead (``route`` asks it)."""
        read_bound_ahead(uow, TASK_CREATED, tenant_id)

    def route(self, uow: UnitOfWork, task: Task) -> tuple[Task, HistoryEntry] | None:
        """The task as the bound decision routes it with the history entry; None if unbound.

        A decision that fails or answers nonsense leaves the task as it was and says why in
        the entry: the task is never lost over a rule.
        """
        decided = ask(self._rules, uow, TASK_CREATED, task.tenant_id, _inputs(task))
        if decided is None:
            return None
        details = decided.details
        now = uow.clock.now()
        try:
            step = apply(task, _route_of(decided.value), SYSTEM, now)
        except KontorError as error:
            log.warning("task.created decision for task %s not applied: %s", task.id, error)
            entry = HistoryEntry("route", None, now, task.state, error.message, details)
            return task, entry
        entry = HistoryEntry("route", None, now, step.task.state, decided.decision, details)
        return step.task, entry


def _inputs(task: Task) -> dict[str, Any]:
    return {
        "name": task.name,
        "priority": task.priority,
        "assignee": task.assignee,
        "candidateGroups": list(task.candidate_groups),
        "candidateUsers": list(task.candidate_users),
        "caseId": task.case_id,
        "formKey": task.form_key,
        "fromProcess": task.from_process,
        "variables": dict(task.variables),
    }


def _route_of(value: Any) -> Route:
    if not isinstance(value, dict):
        raise InvalidInput(f"the decision answered {value!r}, not a context", field="output")
    priority = value.get("priority")
    if priority is not None and not isinstance(priority, int | Decimal):
        raise InvalidInput(f"priority {priority!r} is no number", field="priority")
    if isinstance(priority, Decimal) and priority != priority.to_integral_value():
        raise InvalidInput(f"priority {priority} is no whole number", field="priority")
    assignee = value.get("assignee")
    return Route(
        assignee=str(assignee) if assignee else None,
        candidate_users=_names(value.get("candidateUsers")),
        candidate_groups=_names(value.get("candidateGroups")),
        priority=None if priority is None else int(priority),
    )


def _names(value: Any) -> tuple[str, ...] | None:
    if value is None:
        return None
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(value)
    raise InvalidInput(f"{value!r} is no name or list of names", field="output")
