"""The audit log: query the caller's tenant's entries page by page and export them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import StreamingResponse
from pydantic import BaseModel

from kontor.api.body_routes import StrictJsonRoute
from kontor.api.downloads import download
from kontor.api.security import requires
from kontor.api.wiring import kontor_of
from kontor.db import reading
from kontor.errors import InvalidInput, NotFound
from kontor.exchange.tabular import CSV_MEDIA_TYPE, XLSX_MEDIA_TYPE, csv_lines, xlsx_chunks
from kontor.platform import Principal
from kontor.platform.audit import AuditEntry, AuditLog, AuditQuery, export_rows

router = APIRouter(prefix="/api/audit", tags=["audit"], route_class=StrictJsonRoute)


class AuditEntryOut(BaseModel):
    """One recorded state change (``difference`` is null once its data subject was erased)."""

    entry_id: str
    recorded_at: dt.datetime
    actor: str | None
    action: str
    entity_type: str
    entity_id: str
    correlation_id: str | None
    subject: str | None
    difference: dict[str, Any] | None
    sealed: bool

    @classmethod
    def of(cls, entry: AuditEntry) -> AuditEntryOut:
        """The response body for ``entry``."""
        fields = {name: getattr(entry, name) for name in cls.model_fields if name != "sealed"}
        return cls(**fields, sealed=entry.chain_position is not None)


class AuditPageOut(BaseModel):
    """A page of entries, oldest first; pass ``next_after`` as ``after`` for the next page."""

    items: list[AuditEntryOut]
    next_after: str | None


def audit_query(
    entity_type: str | None = None,
    entity_id: str | None = None,
    actor: str | None = None,
    since: Annotated[dt.datetime | None, Query(description="recorded at or after")] = None,
    until: Annotated[dt.datetime | None, Query(description="recorded before")] = None,
) -> AuditQuery:
    """The filter of a query or export (times without a zone are refused as invalid)."""
    return AuditQuery(entity_type, entity_id, actor, _aware(since, "since"), _aware(until, "until"))


def _aware(value: dt.datetime | None, name: str) -> dt.datetime | None:
    if value is not None and value.tzinfo is None:
        raise InvalidInput(f"{name} needs a time zone (e.g. 2026-01-01T00:00:00Z)", field=name)
    return value


def _log(request: Request) -> AuditLog:
    log = kontor_of(request).audit
    if log is None:
        raise NotFound("the audit log is switched off (KONTOR_AUDIT_LOG_ENABLED)")
    return log


@router.get("")
def list_entries(
    request: Request,
    caller: Annotated[Principal, requires("audit:read")],
    query: Annotated[AuditQuery, Depends(audit_query)],
    after: Annotated[str | None, Query(description="cursor: the last entry id seen")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> AuditPageOut:
    """The tenant's audit entries matching the filter, oldest first, one page after ``after``."""
    log = _log(request)
    with reading(kontor_of(request).engine) as connection:
        page = log.page(connection, caller.tenant_id, query, after, limit)
    return AuditPageOut(
        items=[AuditEntryOut.of(entry) for entry in page.entries], next_after=page.next_after
    )


@router.get("/export", response_model=None)
def export_entries(
    request: Request,
    caller: Annotated[Principal, requires("audit:export")],
    query: Annotated[AuditQuery, Depends(audit_query)],
    format: Literal["csv", "xlsx"] = "csv",
) -> StreamingResponse:
    """The tenant's entries matching the filter as CSV or XLSX (both streamed)."""
    log, engine = _log(request), kontor_of(request).engine
    name = f"audit-{caller.tenant_id}.{format}"

    def table() -> Iterator[list[str]]:
        with reading(engine) as connection:
            yield from export_rows(log.entries(connection, caller.tenant_id, query))

    if format == "csv":
        return download(csv_lines(table()), name, CSV_MEDIA_TYPE)
    return download(xlsx_chunks(table(), "audit"), name, XLSX_MEDIA_TYPE)
