"""Whom the process engine's status changes notify.

Incidents notify the tenant's administrators, an activated user task its assignee, a completed
instance the user who started it.
"""

from __future__ import annotations

from kontor.contracts import UserTaskActivated
from kontor.platform import ADMINISTRATORS
from kontor.platform.notifications import GroupMembers, NamedUser, Notice, NotificationRules
from kontor.process.messages import IncidentRaised, ProcessInstanceCompleted

SUBJECT_LENGTH = 500


def declare_notifications(rules: NotificationRules) -> None:
    """Declare the process engine's notifications in ``rules``."""
    rules.notify(IncidentRaised, _incident, [GroupMembers(ADMINISTRATORS)])
    rules.notify(UserTaskActivated, _task, [NamedUser(lambda event: event.assignee)])
    rules.notify(ProcessInstanceCompleted, _completed, [NamedUser(lambda event: event.started_by)])


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


def _completed(event: ProcessInstanceCompleted) -> Notice:
    ended = "abgebrochen" if event.terminated else "abgeschlossen"
    subject = f"{event.process_key} {event.business_key or event.instance_id} {ended}"
    return Notice(
        subject[:SUBJECT_LENGTH],
        {"instance_id": event.instance_id, "process_key": event.process_key},
    )
