"""SQL store of transfer requests and their protocol, scoped to the caller's tenant.

A broker's tenant sees its own requests; the insurer's tenant sees the requests its brokers
forwarded to it (from *Anfrage* on) and nothing else. Every other request is not found.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, Row, and_, bindparam, delete, insert, or_, select, update

from kontor.apps.portfolio_transfer.errors import InvalidTransferInput, TransferNotFound
from kontor.apps.portfolio_transfer.tables import transfer_protocol, transfer_requests
from kontor.db.fast import FastStatement


@dataclass(frozen=True)
class TransferRequest:
    """One transfer request with its status, its case's status and its calculation."""

    request_id: str
    broker_tenant_id: str
    insurer_tenant_id: str
    contract_id: str
    insurer_contract_id: str | None
    label: str
    line_of_business: str
    status: str
    case_status: str | None
    forwarded: bool
    remark: str | None
    condition_override: Decimal | None
    calculation: dict[str, Any] | None
    provider_messages: list[str]
    created_at: dt.datetime
    updated_at: dt.datetime

    def side_of(self, tenant_id: str) -> str:
        """'broker' or 'insurer': which side ``tenant_id`` is on for this request."""
        return "broker" if tenant_id == self.broker_tenant_id else "insurer"


@dataclass(frozen=True)
class ProtocolEntry:
    """One entry of a request's protocol."""

    entry_id: int
    request_id: str
    at: dt.datetime
    actor: str | None
    kind: str
    text: str
    data: dict[str, Any]


def _request(row: Row[Any]) -> TransferRequest:
    override = row.condition_override
    return TransferRequest(
        request_id=row.request_id, broker_tenant_id=row.tenant_id,
        insurer_tenant_id=row.insurer_tenant_id, contract_id=row.contract_id,
        insurer_contract_id=row.insurer_contract_id, label=row.label,
        line_of_business=row.line_of_business, status=row.status, case_status=row.case_status,
        forwarded=bool(row.forwarded), remark=row.remark,
        condition_override=None if override is None else Decimal(override),
        calculation=row.calculation, provider_messages=list(row.provider_messages or []),
        created_at=row.created_at, updated_at=row.updated_at,
    )  # fmt: skip


def visible_to(tenant_id: Any) -> Any:
    """The condition on ``transfer_requests`` of the requests ``tenant_id`` may see."""
    t = transfer_requests.c
    return or_(t.tenant_id == tenant_id, and_(t.insurer_tenant_id == tenant_id, t.forwarded))


# Every step of a campaign runs these for each contract: built once, run on the driver's cursor.
_GET = select(transfer_requests).where(
    transfer_requests.c.request_id == bindparam("b_request"), visible_to(bindparam("b_tenant"))
)
_GET_VISIBLE = FastStatement(_GET)
_GET_FOR_UPDATE = FastStatement(_GET.with_for_update())
_BY_CONTRACT = FastStatement(
    select(transfer_requests).where(
        transfer_requests.c.tenant_id == bindparam("b_tenant"),
        transfer_requests.c.contract_id == bindparam("b_contract"),
    )
)
_ADD = FastStatement(insert(transfer_requests))
_CHANGE = FastStatement(
    update(transfer_requests).where(transfer_requests.c.request_id == bindparam("b_request"))
)
_NOTE = FastStatement(insert(transfer_protocol))


class TransferStore:
    """The transfer requests the tenant ``tenant_id`` may see and change."""

    def __init__(self, connection: Connection, tenant_id: str) -> None:
        self.connection = connection
        self.tenant_id = tenant_id

    def _visible(self) -> Any:
        return visible_to(self.tenant_id)

    def add(
        self,
        *,
        insurer_tenant_id: str,
        contract_id: str,
        label: str,
        line_of_business: str,
        status: str,
        now: dt.datetime,
    ) -> TransferRequest:
        """A new request of this (broker) tenant for ``contract_id``."""
        request_id = str(uuid.uuid4())
        _ADD.execute(
            self.connection,
            {
                "request_id": request_id, "tenant_id": self.tenant_id,
                "insurer_tenant_id": insurer_tenant_id, "contract_id": contract_id,
                "label": label, "line_of_business": line_of_business, "status": status,
                "forwarded": False, "provider_messages": [], "created_at": now, "updated_at": now,
            },
        )  # fmt: skip
        return self.get(request_id)

    def find_by_contract(self, contract_id: str) -> TransferRequest | None:
        """The own request for ``contract_id``, if the broker added it."""
        params = {"b_tenant": self.tenant_id, "b_contract": contract_id}
        row = _BY_CONTRACT.first_row(self.connection, params)
        return None if row is None else _request(row)

    def get(self, request_id: str, *, for_update: bool = False) -> TransferRequest:
        """A request the tenant may see; ``TransferNotFound`` otherwise."""
        statement = _GET_FOR_UPDATE if for_update else _GET_VISIBLE
        params = {"b_request": request_id, "b_tenant": self.tenant_id}
        row = statement.first_row(self.connection, params)
        if row is None:
            raise TransferNotFound(
                f"Umdeckungsanfrage {request_id!r} nicht gefunden", request_id=request_id
            )
        return _request(row)

    def search(
        self,
        statuses: Sequence[str] = (),
        case_statuses: Sequence[str] = (),
        limit: int = 500,
        after: str | None = None,
    ) -> list[TransferRequest]:
        """The visible requests in the order they were added, optionally only those in
        ``statuses``/``case_statuses``, those after the request ``after`` (a page's last)."""
        t = transfer_requests.c
        query = select(transfer_requests).where(self._visible())
        if after is not None:
            last = self.connection.execute(
                select(t.created_at).where(t.request_id == after, self._visible())
            ).scalar_one_or_none()
            if last is None:
                raise InvalidTransferInput(f"unbekannte Seitenmarke {after!r}", field="after")
            query = query.where(
                or_(t.created_at > last, and_(t.created_at == last, t.request_id > after))
            )
        if statuses:
            query = query.where(t.status.in_(list(statuses)))
        if case_statuses:
            query = query.where(t.case_status.in_(list(case_statuses)))
        query = query.order_by(t.created_at, t.request_id).limit(limit)
        return [_request(row) for row in self.connection.execute(query)]

    def due_cases(self, case_status: str, limit: int) -> list[TransferRequest]:
        """The insurer's ``limit`` requests whose case has waited longest in ``case_status``."""
        t = transfer_requests.c
        query = (
            select(transfer_requests)
            .where(t.insurer_tenant_id == self.tenant_id, t.forwarded, t.case_status == case_status)
            .order_by(t.updated_at, t.request_id)
            .limit(limit)
        )
        return [_request(row) for row in self.connection.execute(query)]

    def change(self, request: TransferRequest, now: dt.datetime, **values: Any) -> TransferRequest:
        """Set ``values`` on the request; the request as it is now."""
        if "condition_override" in values and values["condition_override"] is not None:
            values["condition_override"] = str(values["condition_override"])
        _CHANGE.execute(
            self.connection, {"b_request": request.request_id, "updated_at": now, **values}
        )
        return self.get(request.request_id)

    def remove(self, request: TransferRequest) -> None:
        """Delete the request and its protocol."""
        self.connection.execute(
            delete(transfer_protocol).where(transfer_protocol.c.request_id == request.request_id)
        )
        self.connection.execute(
            delete(transfer_requests).where(transfer_requests.c.request_id == request.request_id)
        )

    def note(
        self,
        request: TransferRequest,
        now: dt.datetime,
        actor: str | None,
        kind: str,
        text: str,
        data: dict[str, Any] | None = None,
        *,
        broker_sees: bool = True,
    ) -> None:
        """Append an entry to the request's protocol."""
        _NOTE.execute(
            self.connection,
            {
                "request_id": request.request_id, "tenant_id": request.broker_tenant_id,
                "insurer_tenant_id": request.insurer_tenant_id, "at": now, "actor": actor,
                "kind": kind, "broker_sees": broker_sees, "text": text, "data": data or {},
            },
        )  # fmt: skip

    def protocol(self, request_id: str | None = None) -> list[ProtocolEntry]:
        """The protocol of one visible request (or of all), as the tenant's side may see it."""
        p, t = transfer_protocol.c, transfer_requests.c
        query = (
            select(transfer_protocol)
            .join(transfer_requests, t.request_id == p.request_id)
            .where(self._visible())
        )
        query = query.where(
            or_(
                p.insurer_tenant_id == self.tenant_id,
                and_(p.tenant_id == self.tenant_id, p.broker_sees),
            )
        )
        if request_id is not None:
            self.get(request_id)
            query = query.where(p.request_id == request_id)
        rows = self.connection.execute(query.order_by(p.entry_id))
        return [
            ProtocolEntry(r.entry_id, r.request_id, r.at, r.actor, r.kind, r.text, r.data or {})
            for r in rows
        ]
