"""Whom status changes notify: the broker's users and the insurer's underwriters concerned."""

from __future__ import annotations

from kontor.apps.portfolio_transfer.messages import (
    TransferStatusChanged,
    UnderwritingCaseStatusChanged,
)
from kontor.platform import BROKERS, UNDERWRITERS
from kontor.platform.notifications import GroupMembers, Notice, NotificationRules

SUBJECT_LENGTH = 500


def declare_notifications(rules: NotificationRules) -> None:
    """Declare the app's notifications in ``rules`` (each event goes to its tenant's side)."""
    rules.notify(
        TransferStatusChanged, _status, [GroupMembers(BROKERS), GroupMembers(UNDERWRITERS)]
    )
    rules.notify(UnderwritingCaseStatusChanged, _case_status, [GroupMembers(UNDERWRITERS)])


def _status(event: TransferStatusChanged) -> Notice:
    subject = f"Umdeckung {event.label}: {event.status}"
    return Notice(
        subject[:SUBJECT_LENGTH],
        {"request_id": event.request_id, "status": event.status, "previous": event.previous_status},
    )


def _case_status(event: UnderwritingCaseStatusChanged) -> Notice:
    subject = f"Zeichnungsvorgang {event.label}: {event.case_status}"
    return Notice(
        subject[:SUBJECT_LENGTH],
        {"request_id": event.request_id, "case_status": event.case_status},
    )
