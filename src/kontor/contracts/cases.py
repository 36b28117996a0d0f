"""Events casework publishes about cases, for any component (and application) to hear."""

from __future__ import annotations

from kontor.messaging import Event


class CaseCreated(Event, type_name="case.created"):
    """A case was opened."""

    case_id: str
    case_type: str
    business_key: str
    status: str


class CaseStatusChanged(Event, type_name="case.status_changed"):
    """A case moved from one business status to another."""

    case_id: str
    case_type: str
    from_status: str
    to_status: str


class CaseClosed(Event, type_name="case.closed"):
    """A case was closed; nothing changes until it is reopened."""

    case_id: str
    case_type: str
    reason: str | None = None


class CaseReopened(Event, type_name="case.reopened"):
    """A closed case was opened again."""

    case_id: str
    case_type: str
    reason: str | None = None


class CaseAttentionNeeded(Event, type_name="case.attention_needed"):
    """One user should look at a case (a rule on its status change said so)."""

    case_id: str
    case_type: str
    user_id: str
    reason: str
