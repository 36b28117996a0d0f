"""The pure core of cases: state changes checked against the case type, returned with the
timeline entries they make (no I/O; the service stores and publishes them)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from typing import Any

from kontor.casework.cases.errors import TransitionRefused
from kontor.casework.cases.types import CaseType

CREATED = "created"
STATUS_CHANGED = "status_changed"
UPDATED = "updated"
CLOSED = "closed"
REOPENED = "reopened"
COMMENTED = "commented"
LINKED = "linked"

UNSET: Any = object()
"""Marks a field an update leaves as it is (``None`` clears it)."""


@dataclass(frozen=True)
class Case:
    """A case as stored: identity, business key, responsibility, status and data."""

    case_id: str
    case_type: str
    business_key: str
    title: str
    status: str
    owner: str | None
    group_id: str | None
    due_date: dt.date | None
    data: dict[str, Any]
    created_at: dt.datetime
    closed_at: dt.datetime | None = None
    revision: int = 0

    @property
    def closed(self) -> bool:
        """Whether the case is closed."""
        return self.closed_at is not None


@dataclass(frozen=True)
class Entry:
    """A timeline entry a change makes: its kind and what it says."""

    kind: str
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Outcome:
    """The case after a change and the timeline entries the change makes."""

    case: Case
    entries: tuple[Entry, ...]


def open_case(case_type: CaseType, case: Case) -> Outcome:
    """A new case of ``case_type`` in its initial status, its data checked by the schema."""
    case_type.check_data(case.data)
    opened = replace(case, status=case_type.initial_status, closed_at=None, revision=0)
    details = {"status": opened.status, "business_key": opened.business_key}
    return Outcome(opened, (Entry(CREATED, details),))


def change_status(case_type: CaseType, case: Case, to_status: str, reason: str | None) -> Outcome:
    """Move the case to ``to_status`` if its type allows it from the current status."""
    _refuse_if_closed(case, "change its status")
    if not case_type.allows(case.status, to_status):
        allowed = ", ".join(case_type.transitions.get(case.status, ())) or "none"
        raise TransitionRefused(
            f"a {case_type.type_id!r} case in status {case.status!r} cannot move to "
            f"{to_status!r} (allowed: {allowed})",
            case_status=case.status,
            transition=f"{case.status} -> {to_status}",
        )
    entry = Entry(STATUS_CHANGED, {"from": case.status, "to": to_status, "reason": reason})
    return Outcome(replace(case, status=to_status), (entry,))


def update_case(
    case_type: CaseType,
    case: Case,
    *,
    title: Any = UNSET,
    owner: Any = UNSET,
    group_id: Any = UNSET,
    due_date: Any = UNSET,
    data: Any = UNSET,
) -> Outcome:
    """Change title, responsibility, due date or data; the entry records before and after."""
    _refuse_if_closed(case, "change it")
    wanted = {"title": title, "owner": owner, "group_id": group_id, "due_date": due_date}
    wanted["data"] = data
    changes = {
        name: value
        for name, value in wanted.items()
        if value is not UNSET and value != getattr(case, name)
    }
    if "data" in changes:
        case_type.check_data(changes["data"])
    if not changes:
        return Outcome(case, ())
    before = {name: getattr(case, name) for name in changes}
    details = {"before": _plain(before), "after": _plain(changes)}
    return Outcome(replace(case, **changes), (Entry(UPDATED, details),))


def close_case(case: Case, reason: str | None, now: dt.datetime) -> Outcome:
    """Close an open case; it keeps its status."""
    _refuse_if_closed(case, "close it")
    return Outcome(replace(case, closed_at=now), (Entry(CLOSED, {"reason": reason}),))


def reopen_case(case: Case, reason: str | None) -> Outcome:
    """Open a closed case again in the status it was closed in."""
    if not case.closed:
        raise TransitionRefused(
            f"case {case.case_id!r} is open; only a closed case can be reopened",
            case_status=case.status,
            transition="reopen",
        )
    return Outcome(replace(case, closed_at=None), (Entry(REOPENED, {"reason": reason}),))


def comment(case: Case, text: str) -> Outcome:
    """A comment on the case (closed cases may be commented on too)."""
    return Outcome(case, (Entry(COMMENTED, {"text": text}),))


def link(case: Case, kind: str, target_id: str) -> Outcome:
    """A link from the case to something it concerns (a process instance, …)."""
    return Outcome(case, (Entry(LINKED, {"kind": kind, "target_id": target_id}),))


def _refuse_if_closed(case: Case, what: str) -> None:
    if case.closed:
        raise TransitionRefused(
            f"case {case.case_id!r} is closed; reopen it to {what}",
            case_status="closed",
            transition=what,
        )


def _plain(values: dict[str, Any]) -> dict[str, Any]:
    # Dates become ISO text so the entry is plain JSON.
    return {k: v.isoformat() if isinstance(v, dt.date) else v for k, v in values.items()}
