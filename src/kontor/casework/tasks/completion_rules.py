"""The ``task.completed`` hook point: a bound decision may ask for follow-up tasks.

The decision gets the completed task (name, outcome, who completed it, its data) and answers
a context whose ``followUp`` is a task name, a context (``name``, ``assignee``,
``candidateGroups``, ``priority``) or a list of either (a table whose single output is
``followUp`` answers that value itself). The completed task's history records
the decision and why; the follow-ups are created through the bus, in the same case.
"""

from __future__ import annotations

import logging
from typing import Any

from kontor import contracts
from kontor.casework.decisions import FollowUp, ask, context_of, declare, follow_ups, is_bound
from kontor.casework.tasks.domain import HistoryEntry, Task
from kontor.casework.tasks.errors import TaskNotFound
from kontor.casework.tasks.messages import CreateTask
from kontor.casework.tasks.store import TaskStore
from kontor.errors import KontorError
from kontor.messaging import HandlerRegistry, UnitOfWork
from kontor.rules.deployment import HookPoint, RulesService

log = logging.getLogger(__name__)

TASK_COMPLETED = HookPoint(
    "task.completed", "a task was completed: may create follow-up tasks (followUp)"
)


class CompletionRules:
    """Asks the decision bound to ``task.completed`` about each completed task."""

    def __init__(self, rules: RulesService) -> None:
        self._rules = rules
        declare(rules, TASK_COMPLETED)

    def on_task_completed(self, event: contracts.TaskCompleted, uow: UnitOfWork) -> None:
        """Record the decision on the completed task and create the follow-ups it asks for."""
        if not is_bound(uow, TASK_COMPLETED, event.tenant_id):
            return  # nothing to ask: the task need not be read (a bulk completion's many)
        store = TaskStore(uow.connection, event.tenant_id)
        try:
            task, _ = store.get(event.task_id)
        except TaskNotFound:
            return
        decided = ask(self._rules, uow, TASK_COMPLETED, event.tenant_id, _inputs(task, event))
        if decided is None:
            return
        details = dict(decided.details)
        wanted: list[FollowUp] = []
        try:
            wanted = follow_ups(_asked_for(decided.value))
        except KontorError as error:
            log.warning("task.completed decision for task %s not used: %s", task.id, error)
            details["problem"] = error.message
        details["follow_ups"] = [f.name for f in wanted]
        entry = HistoryEntry(
            "completion_decision", None, uow.clock.now(), task.state, decided.decision, details
        )
        store.note(task, entry)
        for follow_up in wanted:
            uow.emit(
                CreateTask(
                    **event.caused(), name=follow_up.name, assignee=follow_up.assignee,
                    candidate_groups=list(follow_up.candidate_groups),
                    priority=50 if follow_up.priority is None else follow_up.priority,
                    case_id=task.case_id, variables={**task.variables, "previous_task_id": task.id},
                )
            )  # fmt: skip


def _asked_for(value: Any) -> Any:
    # A table with the single output followUp answers its value, not a context around it.
    if isinstance(value, dict) and "name" not in value:
        return context_of(value).get("followUp")
    return value


def _inputs(task: Task, event: contracts.TaskCompleted) -> dict[str, Any]:
    return {
        "name": task.name,
        "outcome": task.outcome,
        "completedBy": event.completed_by,
        "priority": task.priority,
        "candidateGroups": list(task.candidate_groups),
        "caseId": task.case_id,
        "fromProcess": task.from_process,
        "variables": dict(task.variables),
    }


def register_completion_rules(registry: HandlerRegistry, rules: RulesService) -> None:
    """Subscribe the ``task.completed`` hook to completed tasks."""
    registry.subscribe(
        contracts.TaskCompleted,
        CompletionRules(rules).on_task_completed,
        "casework.on_task_completed",
    )
