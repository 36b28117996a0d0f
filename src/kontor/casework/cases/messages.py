"""Commands casework handles for cases (events it publishes are in ``kontor.contracts.cases``)."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import Field

from kontor.messaging import Command

PROCESS_INSTANCE: Literal["process_instance"] = "process_instance"
"""The link kind of a process instance (tasks, documents and messages follow)."""


class OpenCase(Command, type_name="case.open"):
    """Open a case of a registered type; it starts in the type's initial status."""

    case_type: str
    business_key: str = Field(min_length=1, max_length=200)
    title: str = Field(min_length=1, max_length=500)
    owner: str | None = None
    group_id: str | None = None
    due_date: dt.date | None = None
    data: dict[str, Any] = Field(default_factory=dict)


class UpdateCase(Command, type_name="case.update"):
    """Change the fields given (title, owner, group, due date, data); others stay."""

    case_id: str
    title: str | None = Field(default=None, min_length=1, max_length=500)
    owner: str | None = None
    group_id: str | None = None
    due_date: dt.date | None = None
    data: dict[str, Any] | None = None


class ChangeCaseStatus(Command, type_name="case.change_status"):
    """Move a case to another business status its type allows."""

    case_id: str
    status: str
    reason: str | None = None


class CommentOnCase(Command, type_name="case.comment"):
    """Add a comment to a case's timeline."""

    case_id: str
    text: str = Field(min_length=1, max_length=10_000)


class CloseCase(Command, type_name="case.close"):
    """Close a case."""

    case_id: str
    reason: str | None = None


class ReopenCase(Command, type_name="case.reopen"):
    """Open a closed case again."""

    case_id: str
    reason: str | None = None


class LinkCase(Command, type_name="case.link"):
    """Link a case to something it concerns, e.g. a process instance."""

    case_id: str
    kind: Literal["process_instance"] = PROCESS_INSTANCE
    target_id: str = Field(min_length=1, max_length=64)
