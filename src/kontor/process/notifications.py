"""Whom the process engine's status changes notify: incidents administrators, tasks assignees."""

from __future__ import annotations

from kontor.platform import ADMINISTRATORS
from kontor.platform.notifications import GroupMembers, NamedUser, Notice, NotificationRules
from kontor.process.messages import IncidentRaised, UserTaskActivated

SUBJECT_LENGTH = 500


def declare_notifications(rules: NotificationRules) -> None:
    """Declare the process engine's notifications in ``rules``."""
    rules.notify(IncidentRaised, _incident, [GroupMembers(ADMINISTRATORS)])
    rules.notify(UserTaskActivated, _task, [NamedUser(lambda event: event.assignee)])


def _incident(event: IncidentRaised) -> Notice:
    subject = f"Störung in {event.process_key} bei {event.element_id}: {event.reason}"
    return Notice(
        subject[:SUBJECT_LENGTH],
        {
            "instance_id": event.instance_id,
            "incident_id": event.incident_id,
            "process_key": event.process_key,
            "element_id": event.element_id,
        },
    )


def _task(event: UserTaskActivated) -> Notice:
    subject = f"Neue Aufgabe: {event.name or event.element_id} ({event.process_key})"
    return Notice(
        subject[:SUBJECT_LENGTH],
        {
            "instance_id": event.instance_id,
            "task_id": event.task_id,
            "process_key": event.process_key,
        },
    )
