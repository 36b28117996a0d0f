"""Cases (Vorgänge): open, read with timeline, list, change data and status, comment, close."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, Field

from kontor.api.body_routes import StrictJsonRoute
from kontor.api.exact_responses import ExactJSONResponse
from kontor.api.security import requires
from kontor.api.wiring import kontor_of
from kontor.casework.cases import (
    Case,
    CaseFilter,
    CaseStore,
    ChangeCaseStatus,
    CloseCase,
    CommentOnCase,
    LinkCase,
    OpenCase,
    ReopenCase,
    Timeline,
    UpdateCase,
    data_filters,
)
from kontor.platform import Principal

router = APIRouter(prefix="/api/cases", tags=["cases"], route_class=StrictJsonRoute)


class CaseIn(BaseModel):
    """A new case: its type, business key, title, responsibility and data."""

    case_type: str = Field(min_length=1)
    business_key: str = Field(min_length=1, max_length=200)
    title: str = Field(min_length=1, max_length=500)
    owner: str | None = None
    group_id: str | None = None
    due_date: dt.date | None = None
    data: dict[str, Any] = Field(default_factory=dict)


class CaseChangeIn(BaseModel):
    """The fields to change; fields left out stay as they are, owner/group/due ``null`` clears."""

    title: str | None = Field(default=None, min_length=1, max_length=500)
    owner: str | None = None
    group_id: str | None = None
    due_date: dt.date | None = None
    data: dict[str, Any] | None = None


class StatusIn(BaseModel):
    """The business status to move to, and why."""

    status: str = Field(min_length=1)
    reason: str | None = None


class CommentIn(BaseModel):
    """A comment's text."""

    text: str = Field(min_length=1, max_length=10_000)


class ReasonIn(BaseModel):
    """Why a case is closed or reopened."""

    reason: str | None = None


class LinkIn(BaseModel):
    """The process instance a case concerns."""

    process_instance_id: str = Field(min_length=1, max_length=64)


class CaseOut(BaseModel):
    """A case with its status, responsibility and data."""

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
    closed: bool
    closed_at: dt.datetime | None

    @classmethod
    def of(cls, case: Case) -> CaseOut:
        """The response body for ``case``."""
        fields = {name: getattr(case, name) for name in cls.model_fields}
        return cls(**fields)


class TimelineEntryOut(BaseModel):
    """One step in a case's history: what happened, who did it, when."""

    kind: str
    actor: str | None
    at: dt.datetime
    details: dict[str, Any]


class CaseDetailOut(CaseOut):
    """A case with its links and its whole timeline, oldest first."""

    links: list[dict[str, str]]
    timeline: list[TimelineEntryOut]


class CasePageOut(BaseModel):
    """One page of cases in creation order; pass ``next_cursor`` as ``after`` for the next."""

    items: list[CaseOut]
    next_cursor: str | None


def _detail(
    request: Request, tenant_id: str, case_id: str, status_code: int = 200
) -> ExactJSONResponse:
    # Returned as a response so FastAPI's encoder never turns Decimal data into floats.
    with kontor_of(request).bus.unit_of_work() as uow:
        store = CaseStore(uow.connection, tenant_id)
        case = store.get(case_id)
        links = [{"kind": kind, "target_id": target} for kind, target in store.links(case_id)]
        entries = Timeline(uow.connection, tenant_id).entries(case_id)
    timeline = [TimelineEntryOut(**vars(entry)) for entry in entries]
    detail = CaseDetailOut(**CaseOut.of(case).model_dump(), links=links, timeline=timeline)
    return ExactJSONResponse(detail, status_code=status_code)


@router.post("", status_code=201, response_model=CaseDetailOut)
def open_case(
    request: Request,
    given: CaseIn,
    caller: Annotated[Principal, requires("cases:write")],
) -> ExactJSONResponse:
    """Open a case of a registered type; its data is checked by the type's schema."""
    case: Case = kontor_of(request).bus.handle(
        OpenCase(tenant_id=caller.tenant_id, actor=caller.user_id, **given.model_dump())
    )
    return _detail(request, caller.tenant_id, case.case_id, status_code=201)


@router.get("", response_model=CasePageOut)
def list_cases(
    request: Request,
    caller: Annotated[Principal, requires("cases:read")],
    case_type: str | None = None,
    status: str | None = None,
    owner: str | None = None,
    group_id: str | None = None,
    business_key: str | None = None,
    data: Annotated[list[str] | None, Query(description="field:value; equal data field")] = None,
    after: str | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> ExactJSONResponse:
    """The tenant's cases in creation order, filtered by type, status, owner, group, key, data."""
    wanted = CaseFilter(case_type, status, owner, group_id, business_key, data_filters(data or []))
    with kontor_of(request).bus.unit_of_work() as uow:
        page = CaseStore(uow.connection, caller.tenant_id).page(wanted, limit, after)
    items = [CaseOut.of(case) for case in page.items]
    return ExactJSONResponse(CasePageOut(items=items, next_cursor=page.next_cursor))


@router.get("/{case_id}", response_model=CaseDetailOut)
def show_case(
    case_id: str, request: Request, caller: Annotated[Principal, requires("cases:read")]
) -> ExactJSONResponse:
    """A case with its links and timeline."""
    return _detail(request, caller.tenant_id, case_id)


@router.patch("/{case_id}", response_model=CaseDetailOut)
def update_case(
    case_id: str,
    request: Request,
    given: CaseChangeIn,
    caller: Annotated[Principal, requires("cases:write")],
) -> ExactJSONResponse:
    """Change title, owner, group, due date or data (checked by the type's schema)."""
    kontor_of(request).bus.handle(
        UpdateCase(
            tenant_id=caller.tenant_id, actor=caller.user_id, case_id=case_id,
            **given.model_dump(exclude_unset=True),
        )
    )  # fmt: skip
    return _detail(request, caller.tenant_id, case_id)


@router.post("/{case_id}/status", response_model=CaseDetailOut)
def change_status(
    case_id: str,
    body: StatusIn,
    request: Request,
    caller: Annotated[Principal, requires("cases:write")],
) -> ExactJSONResponse:
    """Move a case to another status its type allows (409 naming status and transition)."""
    kontor_of(request).bus.handle(
        ChangeCaseStatus(
            tenant_id=caller.tenant_id, actor=caller.user_id, case_id=case_id,
            status=body.status, reason=body.reason,
        )
    )  # fmt: skip
    return _detail(request, caller.tenant_id, case_id)


@router.post("/{case_id}/comments", status_code=201, response_model=CaseDetailOut)
def comment(
    case_id: str,
    body: CommentIn,
    request: Request,
    caller: Annotated[Principal, requires("cases:write")],
) -> ExactJSONResponse:
    """Add a comment to a case's timeline."""
    kontor_of(request).bus.handle(
        CommentOnCase(
            tenant_id=caller.tenant_id, actor=caller.user_id, case_id=case_id, text=body.text
        )
    )
    return _detail(request, caller.tenant_id, case_id, status_code=201)


@router.post("/{case_id}/links", response_model=CaseDetailOut)
def link(
    case_id: str,
    body: LinkIn,
    request: Request,
    caller: Annotated[Principal, requires("cases:write")],
) -> ExactJSONResponse:
    """Link a case to a process instance; the timeline hears when the instance ends."""
    kontor_of(request).bus.handle(
        LinkCase(
            tenant_id=caller.tenant_id, actor=caller.user_id, case_id=case_id,
            target_id=body.process_instance_id,
        )
    )  # fmt: skip
    return _detail(request, caller.tenant_id, case_id)


@router.post("/{case_id}/close", response_model=CaseDetailOut)
def close(
    case_id: str,
    body: ReasonIn,
    request: Request,
    caller: Annotated[Principal, requires("cases:manage")],
) -> ExactJSONResponse:
    """Close a case; it can no longer change until reopened."""
    kontor_of(request).bus.handle(
        CloseCase(
            tenant_id=caller.tenant_id, actor=caller.user_id, case_id=case_id, reason=body.reason
        )
    )
    return _detail(request, caller.tenant_id, case_id)


@router.post("/{case_id}/reopen", response_model=CaseDetailOut)
def reopen(
    case_id: str,
    body: ReasonIn,
    request: Request,
    caller: Annotated[Principal, requires("cases:manage")],
) -> ExactJSONResponse:
    """Reopen a closed case."""
    kontor_of(request).bus.handle(
        ReopenCase(
            tenant_id=caller.tenant_id, actor=caller.user_id, case_id=case_id, reason=body.reason
        )
    )
    return _detail(request, caller.tenant_id, case_id)
