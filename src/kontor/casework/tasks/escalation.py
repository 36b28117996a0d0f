"""Escalation: a deadline passed unmet; its actions and the ``task.deadline_missed`` decision act.

The timer facility sends ``CheckTaskDeadline`` when a deadline is due. A deadline met or moved
meanwhile does nothing. Otherwise the task's history records the miss (with the decision bound
to ``task.deadline_missed``, if any, and why it decided so), the task is reassigned and its
priority raised as the deadline's actions and the decision say, the users named are told,
follow-up tasks are created, and ``TaskDeadlineMissed`` is published.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field, replace
from typing import Any

from kontor import contracts
from kontor.casework.decisions import (
    FollowUp,
    ask,
    context_of,
    declare,
    follow_ups,
    names,
    priority_of,
)
from kontor.casework.tasks.deadline_messages import (
    CheckTaskDeadline,
    CheckTaskFollowUp,
    EscalationAction,
    SetTaskDeadlines,
)
from kontor.casework.tasks.deadline_store import Deadline, DeadlineStore
from kontor.casework.tasks.deadlines import COMPLETION, START, is_met, set_deadline
from kontor.casework.tasks.domain import (
    FINAL_STATES,
    OPEN_STATES,
    SYSTEM,
    Actor,
    HistoryEntry,
    Operation,
    Task,
    TaskState,
    apply,
)
from kontor.casework.tasks.errors import InvalidTaskTransition, NotTaskWorker, TaskNotFound
from kontor.casework.tasks.messages import CreateTask
from kontor.casework.tasks.store import TaskStore
from kontor.casework.tasks.substitution import substitute_absent
from kontor.errors import KontorError
from kontor.messaging import Change, HandlerRegistry, UnitOfWork
from kontor.rules.deployment import HookPoint, RulesService

log = logging.getLogger(__name__)

TASK_DEADLINE_MISSED = HookPoint(
    "task.deadline_missed",
    "a task missed its start or completion deadline: decides the escalation target "
    "(assignee or candidate groups), the priority, whom to notify and follow-up tasks",
)


@dataclass(frozen=True)
class EscalateOnDeadline(Operation):
    """Kontor escalates a task whose deadline passed: to a user or groups, more urgent."""

    name = "escalate"
    reason: str
    user_id: str | None = None
    group_ids: tuple[str, ...] = ()
    priority: int | None = None

    def apply(self, task: Task, actor: Actor) -> Task:
        if task.state not in OPEN_STATES:
            raise InvalidTaskTransition(self.name, task.state)
        if not actor.manager:
            raise NotTaskWorker(f"only Kontor escalates task {task.id} on a deadline")
        priority = max(task.priority, self.priority if self.priority is not None else 0)
        if self.user_id:
            task = replace(task, assignee=self.user_id, state=TaskState.RESERVED, delegation=None)
        elif self.group_ids:
            task = replace(
                task, assignee=None, candidate_groups=self.group_ids, state=TaskState.READY,
                delegation=None,
            )  # fmt: skip
        return replace(task, priority=priority)


@dataclass
class _Plan:
    """What an escalation does: the deadline's own actions, then the decision's."""

    user_id: str | None = None
    group_ids: tuple[str, ...] = ()
    priority: int | None = None
    notify: list[str] = field(default_factory=list)
    follow_ups: list[FollowUp] = field(default_factory=list)

    def take(self, actions: tuple[EscalationAction, ...]) -> None:
        """Plan the deadline's own actions."""
        for action in actions:
            if action.action == "notify" and action.user_id:
                self.notify.append(action.user_id)
            elif action.action == "reassign":
                self.user_id = action.user_id
                self.group_ids = () if action.user_id else (action.group_id or "",)
            elif action.action == "raise_priority":
                self.raise_to(action.priority)
            elif action.action == "follow_up" and action.name:
                groups = (action.group_id,) if action.group_id else ()
                self.follow_ups.append(FollowUp(action.name, action.user_id, groups))

    def raise_to(self, priority: int | None) -> None:
        """Raise the planned priority to ``priority`` (never lower it)."""
        if priority is not None:
            self.priority = max(priority, self.priority or 0)

    def decided(self, value: Any) -> None:
        """Plan what the decision answered; raises (planning nothing) on an unusable answer."""
        answer = context_of(value)
        assignee = names(answer.get("assignee"), "assignee")
        groups = names(answer.get("candidateGroups"), "candidateGroups")
        priority = priority_of(answer.get("priority"))
        notify = names(answer.get("notify"), "notify")
        wanted = follow_ups(answer.get("followUp"))
        if assignee:
            self.user_id, self.group_ids = assignee[0], ()
        elif groups:
            self.user_id, self.group_ids = None, groups
        self.raise_to(priority)
        self.notify.extend(notify)
        self.follow_ups.extend(wanted)

    @property
    def escalates(self) -> bool:
        """Whether the task itself changes (target or priority)."""
        return bool(self.user_id or self.group_ids) or self.priority is not None


class Escalations:
    """Handlers of the deadline commands; with ``rules`` the bound decision takes part."""

    def __init__(self, rules: RulesService | None) -> None:
        self.rules = rules
        if rules is not None:
            declare(rules, TASK_DEADLINE_MISSED)

    def set_deadlines(self, command: SetTaskDeadlines, uow: UnitOfWork) -> list[Deadline]:
        """Replace the task's deadlines and their timers; the history says so."""
        store = TaskStore(uow.connection, command.tenant_id)
        task, _ = store.get(command.task_id)
        if task.state in FINAL_STATES:
            raise InvalidTaskTransition("set_deadlines", task.state, "the task has ended")
        set_deadline(uow, task, START, command.start)
        set_deadline(uow, task, COMPLETION, command.completion)
        details = {
            kind: None if spec is None else {
                "at": spec.at.isoformat(),
                "escalation": [a.model_dump(exclude_none=True) for a in spec.escalation],
            }
            for kind, spec in ((START, command.start), (COMPLETION, command.completion))
        }  # fmt: skip
        entry = HistoryEntry(
            "set_deadlines", command.actor, uow.clock.now(), task.state, None, details
        )
        store.note(task, entry)
        return DeadlineStore(uow.connection, command.tenant_id).of(task.id)

    def check_deadline(self, command: CheckTaskDeadline, uow: UnitOfWork) -> None:
        """Escalate the task if the deadline that came is still pending and unmet."""
        store = TaskStore(uow.connection, command.tenant_id)
        try:
            task, revision = store.get(command.task_id)
        except TaskNotFound:
            return
        deadlines = DeadlineStore(uow.connection, command.tenant_id)
        deadline = deadlines.get(task.id, command.kind)
        if deadline is None or not deadline.pending or deadline.due_at != command.due_at:
            return  # removed, settled or moved since this timer was set
        now = uow.clock.now()
        if is_met(deadline.kind, task):
            deadlines.mark(task.id, deadline.kind, met_at=now)
            return
        deadlines.mark(task.id, deadline.kind, missed_at=now)
        plan = _Plan()
        plan.take(deadline.escalation)
        details: dict[str, Any] = {"kind": deadline.kind, "due_at": deadline.due_at.isoformat()}
        self._decide(uow, task, deadline, plan, details)
        reason = f"{deadline.kind} deadline missed"
        store.note(task, HistoryEntry("deadline_missed", None, now, task.state, reason, details))
        if plan.escalates and task.state in OPEN_STATES:
            operation = EscalateOnDeadline(
                f"{deadline.kind} deadline missed", plan.user_id, plan.group_ids, plan.priority
            )
            step = apply(task, operation, SYSTEM, now)
            store.save(step.task, revision, step.entry)
            task, revision = substitute_absent(uow, store, step.task, revision + 1)
        self._announce(command, uow, task, deadline, plan)

    def check_follow_up(self, command: CheckTaskFollowUp, uow: UnitOfWork) -> None:
        """The follow-up date came: the history says so and the assignee (or owner) is told."""
        store = TaskStore(uow.connection, command.tenant_id)
        try:
            task, _ = store.get(command.task_id)
        except TaskNotFound:
            return
        if task.state in FINAL_STATES or task.follow_up_at != command.follow_up_at:
            return
        details = {"follow_up_at": command.follow_up_at.isoformat()}
        entry = HistoryEntry(
            "follow_up_due", None, uow.clock.now(), task.state, "the follow-up date came", details
        )
        store.note(task, entry)
        recipient = task.assignee or task.owner
        if recipient:
            uow.emit(
                contracts.TaskAttentionNeeded(
                    **command.caused(), task_id=task.id, user_id=recipient, name=task.name,
                    reason="Wiedervorlage", case_id=task.case_id,
                )
            )  # fmt: skip

    def _decide(
        self,
        uow: UnitOfWork,
        task: Task,
        deadline: Deadline,
        plan: _Plan,
        details: dict[str, Any],
    ) -> None:
        """Ask the bound decision and add its answer to the plan; the details record it."""
        if self.rules is None:
            return
        decided = ask(
            self.rules, uow, TASK_DEADLINE_MISSED, task.tenant_id, _inputs(task, deadline)
        )
        if decided is None:
            return
        details.update(decided.details)
        try:
            plan.decided(decided.value)
        except KontorError as error:  # a broken answer: the deadline's own actions still act
            log.warning("task.deadline_missed decision for task %s not used: %s", task.id, error)
            details["problem"] = error.message

    def _announce(
        self,
        command: CheckTaskDeadline,
        uow: UnitOfWork,
        task: Task,
        deadline: Deadline,
        plan: _Plan,
    ) -> None:
        reason = f"Frist versäumt: {task.name}"
        for user_id in dict.fromkeys(plan.notify):
            uow.emit(
                contracts.TaskAttentionNeeded(
                    **command.caused(), task_id=task.id, user_id=user_id, name=task.name,
                    reason=reason, case_id=task.case_id,
                )
            )  # fmt: skip
        for wanted in plan.follow_ups:
            uow.emit(
                CreateTask(
                    **command.caused(), name=wanted.name, assignee=wanted.assignee,
                    candidate_groups=list(wanted.candidate_groups),
                    priority=wanted.priority if wanted.priority is not None else task.priority,
                    case_id=task.case_id, variables={"escalated_task_id": task.id},
                )
            )  # fmt: skip
        uow.emit(
            contracts.TaskDeadlineMissed(
                **command.caused(), task_id=task.id, kind=deadline.kind, due_at=deadline.due_at,
                name=task.name, case_id=task.case_id,
                process_instance_id=task.process_instance_id, assignee=task.assignee,
                candidate_groups=list(task.candidate_groups), priority=task.priority,
                notify=list(dict.fromkeys(plan.notify)),
            )
        )  # fmt: skip


def _inputs(task: Task, deadline: Deadline) -> dict[str, Any]:
    return {
        "kind": deadline.kind,
        "dueAt": deadline.due_at.isoformat(),
        "name": task.name,
        "state": task.state.value,
        "priority": task.priority,
        "assignee": task.assignee,
        "owner": task.owner,
        "candidateGroups": list(task.candidate_groups),
        "candidateUsers": list(task.candidate_users),
        "caseId": task.case_id,
        "fromProcess": task.from_process,
        "variables": dict(task.variables),
    }


def _deadlines_set(command: SetTaskDeadlines, deadlines: list[Deadline]) -> Change:
    after = {d.kind: d.due_at.isoformat() for d in deadlines}
    return Change(
        "casework.task.set_deadlines", "task", command.task_id, after=after,
        subject=f"task:{command.task_id}",
    )  # fmt: skip


def register_escalation(registry: HandlerRegistry, rules: RulesService | None) -> Escalations:
    """Register the deadline commands (setting, checking, follow-up dates)."""
    escalations = Escalations(rules)
    registry.register_command(SetTaskDeadlines, escalations.set_deadlines)
    registry.describe_changes(SetTaskDeadlines, _deadlines_set)
    registry.register_command(CheckTaskDeadline, escalations.check_deadline)
    registry.register_command(CheckTaskFollowUp, escalations.check_follow_up)
    return escalations
