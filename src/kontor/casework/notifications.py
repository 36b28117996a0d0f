"""Whom casework's escalations and reminders notify.

A missed deadline notifies the task's assignee afterwards (the one it was escalated to); a
task or case needing attention notifies the user it names.
"""

from __future__ import annotations

from kontor.contracts import TaskAttentionNeeded, TaskDeadlineMissed
from kontor.contracts.cases import CaseAttentionNeeded
from kontor.platform.notifications import NamedUser, Notice, NotificationRules

SUBJECT_LENGTH = 500
KINDS = {"start": "Beginn", "completion": "Erledigung"}


def declare_notifications(rules: NotificationRules) -> None:
    """Declare casework's notifications in ``rules``."""
    rules.notify(TaskDeadlineMissed, _missed, [NamedUser(lambda event: event.assignee)])
    rules.notify(TaskAttentionNeeded, _attention, [NamedUser(lambda event: event.user_id)])
    rules.notify(CaseAttentionNeeded, _case, [NamedUser(lambda event: event.user_id)])


def _missed(event: TaskDeadlineMissed) -> Notice:
    subject = f"Frist zur {KINDS.get(event.kind, event.kind)} versäumt: {event.name}"
    return Notice(subject[:SUBJECT_LENGTH], {"task_id": event.task_id, "case_id": event.case_id})


def _attention(event: TaskAttentionNeeded) -> Notice:
    subject = f"{event.reason}: {event.name}"
    return Notice(subject[:SUBJECT_LENGTH], {"task_id": event.task_id, "case_id": event.case_id})


def _case(event: CaseAttentionNeeded) -> Notice:
    return Notice(event.reason[:SUBJECT_LENGTH], {"case_id": event.case_id})
