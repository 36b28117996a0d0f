"""Portfolio transfer (Umdeckung): the broker's and the underwriter's actions, lists, protocol.

A broker's tenant sees its own requests; its insurer sees what its brokers forwarded. Every
action works on one request or, under ``/bulk/{action}``, on many with a result per request.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from fastapi import Path as PathParam
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, Field

from kontor.api.body_routes import StrictJsonRoute
from kontor.api.downloads import download
from kontor.api.exact_responses import ExactJSONResponse
from kontor.api.security import requires
from kontor.api.wiring import kontor_of
from kontor.apps.portfolio_transfer import (
    ACTIONS,
    PROTOCOL_SHEET,
    ActOnTransferRequest,
    AddContractToTransfer,
    ProtocolEntry,
    TransferRequest,
    TransferStore,
    protocol_rows,
)
from kontor.errors import KontorError
from kontor.exchange.tabular import XLSX_MEDIA_TYPE, xlsx_chunks
from kontor.messaging import Command
from kontor.platform import Principal

router = APIRouter(
    prefix="/api/apps/portfolio-transfer", tags=["portfolio-transfer"], route_class=StrictJsonRoute
)

READ, SAVE, DELETE = (f"app:portfolio_transfer:{a}" for a in ("read", "save", "delete"))
HISTORY, EXPORT = "app:portfolio_transfer:history", "app:portfolio_transfer:export"
PROPOSAL_STATUSES = frozenset(
    {"Beantragungswunsch", "Akzeptiert", "Beantragt", "Angenommen", "Gezeichnet"}
)
ActionName = Annotated[str, PathParam(pattern="^(" + "|".join(sorted(ACTIONS - {"delete"})) + ")$")]
MAX_BULK = 1000


class AddIn(BaseModel):
    """Contracts of the broker's portfolio to add to the Umdeckung app."""

    contract_ids: list[Annotated[str, Field(min_length=1, max_length=64)]] = Field(
        min_length=1, max_length=MAX_BULK
    )


class ActionIn(BaseModel):
    """What an action needs: a remark (*Informationsbedarf melden*), a condition (override)."""

    remark: str | None = Field(default=None, max_length=4000)
    condition_percent: Decimal | None = Field(default=None, ge=-100, le=1000, decimal_places=2)


class BulkIn(ActionIn):
    """The same action on several requests."""

    request_ids: list[Annotated[str, Field(min_length=1, max_length=36)]] = Field(
        min_length=1, max_length=MAX_BULK
    )


class DeleteIn(BaseModel):
    """Requests to delete (*Löschen*)."""

    request_ids: list[Annotated[str, Field(min_length=1, max_length=36)]] = Field(
        min_length=1, max_length=MAX_BULK
    )


class RequestOut(BaseModel):
    """A transfer request as the caller's side sees it."""

    request_id: str
    contract_id: str | None
    label: str
    line_of_business: str
    status: str
    remark: str | None
    proposal: dict[str, Any] | None
    case_status: str | None = None
    calculation: dict[str, Any] | None = None
    condition_override: Decimal | None = None
    provider_messages: list[str] = Field(default_factory=list)
    created_at: dt.datetime
    updated_at: dt.datetime

    @classmethod
    def of(cls, request: TransferRequest, tenant_id: str) -> RequestOut:
        """The broker sees its contract and the proposal; the insurer its copy and the case."""
        calculation = request.calculation or {}
        proposal = None
        if request.status in PROPOSAL_STATUSES and calculation:
            proposal = {
                "premium": calculation.get("premium"),
                "condition_percent": calculation.get("condition_percent"),
            }
        common: dict[str, Any] = {
            "request_id": request.request_id, "label": request.label,
            "line_of_business": request.line_of_business, "status": request.status,
            "remark": request.remark, "proposal": proposal, "created_at": request.created_at,
            "updated_at": request.updated_at,
        }  # fmt: skip
        if request.side_of(tenant_id) == "broker":
            return cls(contract_id=request.contract_id, **common)
        return cls(
            contract_id=request.insurer_contract_id, case_status=request.case_status,
            calculation=request.calculation, condition_override=request.condition_override,
            provider_messages=request.provider_messages, **common,
        )  # fmt: skip


class ProtocolOut(BaseModel):
    """One protocol entry."""

    entry_id: int
    request_id: str
    at: dt.datetime
    actor: str | None
    kind: str
    text: str
    data: dict[str, Any]

    @classmethod
    def of(cls, entry: ProtocolEntry) -> ProtocolOut:
        """The response body for ``entry``."""
        return cls(**vars(entry))


def _problem(error: KontorError) -> dict[str, Any]:
    return {"status": error.status, "code": error.code, "detail": error.message, **error.details}


def _bulk(
    request: Request, caller: Principal, key: str, ids: list[str], commands: list[Command]
) -> ExactJSONResponse:
    kontor = kontor_of(request)
    outcomes = kontor.bus.handle_all(commands)
    results: list[dict[str, Any]] = []
    with kontor.bus.reading() as uow:
        store = TransferStore(uow.connection, caller.tenant_id)
        for item_id, outcome in zip(ids, outcomes, strict=True):
            if isinstance(outcome, KontorError):
                results.append({key: item_id, "ok": False, "problem": _problem(outcome)})
            elif isinstance(outcome, Exception):
                raise outcome
            elif outcome is None:
                results.append({key: item_id, "ok": True, "request": None})
            else:
                now = store.get(outcome.request_id)
                out = RequestOut.of(now, caller.tenant_id).model_dump()
                results.append({key: item_id, "ok": True, "request": out})
    return ExactJSONResponse({"results": results})


@router.get("/requests")
def list_requests(
    request: Request,
    caller: Annotated[Principal, requires(READ)],
    status: Annotated[list[str] | None, Query(max_length=20)] = None,
    case_status: Annotated[list[str] | None, Query(max_length=20)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 500,
    after: Annotated[str | None, Query(max_length=36)] = None,
) -> ExactJSONResponse:
    """The broker's requests, or the insurer's forwarded ones, in the order they were added;
    filter by status or case status; pass ``next_cursor`` as ``after`` for the next page."""
    with kontor_of(request).bus.reading() as uow:
        found = TransferStore(uow.connection, caller.tenant_id).search(
            status or (), case_status or (), limit, after
        )
    items = [RequestOut.of(r, caller.tenant_id).model_dump() for r in found]
    next_cursor = found[-1].request_id if len(found) == limit else None
    return ExactJSONResponse({"items": items, "next_cursor": next_cursor})


@router.post("/requests")
def add_contracts(
    body: AddIn, request: Request, caller: Annotated[Principal, requires(SAVE)]
) -> ExactJSONResponse:
    """Add contracts to the Umdeckung app (*Warte auf Anfrage*), a result per contract."""
    commands: list[Command] = [
        AddContractToTransfer(tenant_id=caller.tenant_id, actor=caller.user_id, contract_id=c)
        for c in body.contract_ids
    ]
    return _bulk(request, caller, "contract_id", body.contract_ids, commands)


@router.get("/requests/{request_id}")
def show_request(
    request_id: str, request: Request, caller: Annotated[Principal, requires(READ)]
) -> ExactJSONResponse:
    """One request as the caller's side sees it."""
    with kontor_of(request).bus.reading() as uow:
        found = TransferStore(uow.connection, caller.tenant_id).get(request_id)
    return ExactJSONResponse(RequestOut.of(found, caller.tenant_id))


@router.post("/requests/{request_id}/{action}")
def act_on_request(
    request_id: str,
    action: ActionName,
    body: ActionIn,
    request: Request,
    caller: Annotated[Principal, requires(SAVE)],
) -> ExactJSONResponse:
    """Do an action; 409 naming status and action when the request's status forbids it."""
    kontor = kontor_of(request)
    kontor.bus.handle(
        ActOnTransferRequest(
            tenant_id=caller.tenant_id, actor=caller.user_id, request_id=request_id,
            action=action, **body.model_dump(),
        )
    )  # fmt: skip
    with kontor.bus.reading() as uow:
        found = TransferStore(uow.connection, caller.tenant_id).get(request_id)
    return ExactJSONResponse(RequestOut.of(found, caller.tenant_id))


@router.delete("/requests/{request_id}", status_code=204)
def delete_request(
    request_id: str, request: Request, caller: Annotated[Principal, requires(DELETE)]
) -> Response:
    """*Löschen*: only from *Warte auf Anfrage* or *Zurückgezogen*; removes the insurer's copies."""
    kontor_of(request).bus.handle(
        ActOnTransferRequest(
            tenant_id=caller.tenant_id, actor=caller.user_id, request_id=request_id,
            action="delete",
        )
    )  # fmt: skip
    return Response(status_code=204)


@router.post("/bulk/delete")
def delete_requests(
    body: DeleteIn, request: Request, caller: Annotated[Principal, requires(DELETE)]
) -> ExactJSONResponse:
    """*Löschen* on several requests, a result per request."""
    commands: list[Command] = [
        ActOnTransferRequest(
            tenant_id=caller.tenant_id, actor=caller.user_id, request_id=r, action="delete"
        )
        for r in body.request_ids
    ]
    return _bulk(request, caller, "request_id", body.request_ids, commands)


@router.post("/bulk/{action}")
def act_on_requests(
    action: ActionName,
    body: BulkIn,
    request: Request,
    caller: Annotated[Principal, requires(SAVE)],
) -> ExactJSONResponse:
    """The same action on several requests, a result per request (refusals do not stop others)."""
    given = body.model_dump(exclude={"request_ids"})
    commands: list[Command] = [
        ActOnTransferRequest(
            tenant_id=caller.tenant_id, actor=caller.user_id, request_id=r, action=action, **given
        )
        for r in body.request_ids
    ]
    return _bulk(request, caller, "request_id", body.request_ids, commands)


@router.get("/requests/{request_id}/protocol")
def request_protocol(
    request_id: str, request: Request, caller: Annotated[Principal, requires(HISTORY)]
) -> ExactJSONResponse:
    """The protocol of one request (the broker sees the status entries)."""
    with kontor_of(request).bus.reading() as uow:
        entries = TransferStore(uow.connection, caller.tenant_id).protocol(request_id)
    return ExactJSONResponse({"items": [ProtocolOut.of(e).model_dump() for e in entries]})


@router.get("/protocol")
def protocol(
    request: Request, caller: Annotated[Principal, requires(HISTORY)]
) -> ExactJSONResponse:
    """The protocol of every request the caller's side sees."""
    with kontor_of(request).bus.reading() as uow:
        entries = TransferStore(uow.connection, caller.tenant_id).protocol()
    return ExactJSONResponse({"items": [ProtocolOut.of(e).model_dump() for e in entries]})


@router.get("/protocol/export", response_model=None)
def export_protocol(
    request: Request,
    caller: Annotated[Principal, requires(EXPORT)],
    request_id: str | None = None,
) -> StreamingResponse:
    """The protocol (of one request, or of all the caller's side sees) as an Excel sheet."""
    with kontor_of(request).bus.reading() as uow:
        store = TransferStore(uow.connection, caller.tenant_id)
        entries = store.protocol(request_id)
        shown = [store.get(request_id)] if request_id else store.search(limit=100_000)
    labels = {r.request_id: r.label for r in shown}
    chunks = xlsx_chunks(protocol_rows(entries, labels), PROTOCOL_SHEET)
    return download(chunks, f"umdeckung-protokoll-{caller.tenant_id}.xlsx", XLSX_MEDIA_TYPE)
