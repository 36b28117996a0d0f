"""What each case command changed, in the terms the audit log records."""

from __future__ import annotations

from kontor.casework.cases import messages as msg
from kontor.casework.cases.domain import Case
from kontor.messaging import Change, Command, HandlerRegistry

CASE = "case"


def _on_case(command: Command, case: Case, *, after_fields: tuple[str, ...]) -> Change:
    # Case data holds personal values: erasing the case finds them through the subject.
    after = command.model_dump(mode="json", include=set(after_fields))
    return Change(
        command.type_name, CASE, case.case_id, after=after, subject=f"case:{case.case_id}"
    )


def opened(command: msg.OpenCase, case: Case) -> Change:
    """A case was opened with its key, responsibility and data."""
    return _on_case(command, case, after_fields=(
        "case_type", "business_key", "title", "owner", "group_id", "due_date", "data",
    ))  # fmt: skip


def updated(command: msg.UpdateCase, case: Case) -> Change:
    """Fields of a case were changed (only those given)."""
    given = command.model_fields_set & {"title", "owner", "group_id", "due_date", "data"}
    return _on_case(command, case, after_fields=tuple(sorted(given)))


def status_changed(command: msg.ChangeCaseStatus, case: Case) -> Change:
    """A case moved to another status."""
    return _on_case(command, case, after_fields=("status", "reason"))


def commented(command: msg.CommentOnCase, case: Case) -> Change:
    """A comment was added."""
    return _on_case(command, case, after_fields=("text",))


def closed(command: msg.CloseCase, case: Case) -> Change:
    """A case was closed."""
    return _on_case(command, case, after_fields=("reason",))


def reopened(command: msg.ReopenCase, case: Case) -> Change:
    """A case was reopened."""
    return _on_case(command, case, after_fields=("reason",))


def linked(command: msg.LinkCase, case: Case) -> Change:
    """A case was linked to a process instance."""
    return _on_case(command, case, after_fields=("kind", "target_id"))


def register_audit(registry: HandlerRegistry) -> None:
    """Describe the case commands' changes for the audit log."""
    registry.describe_changes(msg.OpenCase, opened)
    registry.describe_changes(msg.UpdateCase, updated)
    registry.describe_changes(msg.ChangeCaseStatus, status_changed)
    registry.describe_changes(msg.CommentOnCase, commented)
    registry.describe_changes(msg.CloseCase, closed)
    registry.describe_changes(msg.ReopenCase, reopened)
    registry.describe_changes(msg.LinkCase, linked)
