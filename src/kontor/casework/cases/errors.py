"""The errors of cases, each with a stable code."""

from __future__ import annotations

from kontor.errors import Conflict, InvalidInput, NotFound


class CaseNotFound(NotFound):
    """No case with that id in the caller's tenant."""

    code = "cases.not_found"


class UnknownCaseType(InvalidInput):
    """No application registered a case type of that id."""

    code = "cases.unknown_type"


class InvalidCaseData(InvalidInput):
    """Case data that its type's JSON Schema refuses (``errors`` name each field path)."""

    code = "cases.invalid_data"


class TransitionRefused(Conflict):
    """The case type does not allow that status change, or the case is closed."""

    code = "cases.transition_refused"


class DuplicateBusinessKey(Conflict):
    """The tenant already has a case of that type with that business key."""

    code = "cases.duplicate_business_key"


class ConcurrentCaseChange(Conflict):
    """Someone else changed the case in the meantime; load it again and retry."""

    code = "cases.concurrent_change"
