"""The BiPRO document inbox of a tenant: portal accesses (Portalzugänge), polls, shipments
(Posteingang) and their documents."""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Request, Response
from pydantic import BaseModel, Field

from kontor.api.body_routes import StrictJsonRoute
from kontor.api.downloads import download
from kontor.api.security import requires
from kontor.api.wiring import kontor_of
from kontor.bootstrap import Kontor
from kontor.errors import NotFound
from kontor.integration.bipro.accesses import EVERY_TWO_HOURS, Access, AccessDraft
from kontor.integration.bipro.inbox import DocumentInfo, InboxEntry, InboxStore
from kontor.integration.bipro.poller import PollResult
from kontor.integration.bipro.service import BiproInbox
from kontor.platform import Principal

router = APIRouter(prefix="/api/bipro", tags=["bipro"], route_class=StrictJsonRoute)
Id = Annotated[str, Path(max_length=36)]
Text = Annotated[str, Field(min_length=1, max_length=200)]
Url = Annotated[str, Field(min_length=1, max_length=2000)]
OnNew = Literal["notify", "start_process", "create_task"]
_MEDIA_TYPE = re.compile(r"^[A-Za-z0-9.+-]+/[A-Za-z0-9.+-]+$")


class AccessIn(BaseModel):
    """A new portal access: the insurer, its STS and transfer service, the login, what a new
    shipment does."""

    name: str = Field(min_length=1, max_length=100)
    insurer: Text
    sts_url: Url
    transfer_url: Url
    username: Text
    password: str = Field(min_length=1, max_length=500)
    on_new: OnNew = "notify"
    process_key: str | None = Field(default=None, min_length=1, max_length=200)
    task_group: str | None = Field(default=None, min_length=1, max_length=100)
    poll_cron: str = Field(default=EVERY_TWO_HOURS, min_length=1, max_length=200)


class AccessChange(BaseModel):
    """Fields of an access to change; a password given replaces the stored one."""

    name: str | None = Field(default=None, min_length=1, max_length=100)
    insurer: Text | None = None
    sts_url: Url | None = None
    transfer_url: Url | None = None
    username: Text | None = None
    password: str | None = Field(default=None, min_length=1, max_length=500)
    on_new: OnNew | None = None
    process_key: str | None = Field(default=None, min_length=1, max_length=200)
    task_group: str | None = Field(default=None, min_length=1, max_length=100)
    poll_cron: str | None = Field(default=None, min_length=1, max_length=200)


class AccessOut(BaseModel):
    """A portal access; its password is never answered."""

    access_id: str
    name: str
    insurer: str
    sts_url: str
    transfer_url: str
    username: str
    owner_id: str
    on_new: str
    process_key: str | None
    task_group: str | None
    poll_cron: str
    last_polled_at: dt.datetime | None
    last_outcome: str | None
    last_error: str | None
    created_at: dt.datetime
    updated_at: dt.datetime

    @classmethod
    def of(cls, access: Access) -> AccessOut:
        """The response body of ``access``."""
        return cls(**{name: getattr(access, name) for name in cls.model_fields})


class PollOut(BaseModel):
    """What a poll did: shipments listed, newly stored, acknowledged."""

    access_id: str
    listed: int
    imported: list[str]
    acknowledged: list[str]

    @classmethod
    def of(cls, result: PollResult) -> PollOut:
        """The response body of ``result``."""
        return cls(
            access_id=result.access_id, listed=result.listed, imported=result.imported,
            acknowledged=result.acknowledged,
        )  # fmt: skip


class DocumentOut(BaseModel):
    """A document of a shipment (its content is downloaded separately)."""

    document_id: str
    name: str
    media_type: str
    size: int


class EventOut(BaseModel):
    """A business event of a shipment."""

    kind: str
    contract_number: str
    text: str


class ShipmentOut(BaseModel):
    """A shipment in the inbox."""

    inbox_id: str
    access_id: str
    shipment_id: str
    category: str
    provided_at: dt.datetime | None
    received_at: dt.datetime
    acknowledged_at: dt.datetime | None
    documents: list[DocumentOut]
    business_events: list[EventOut]

    @classmethod
    def of(cls, entry: InboxEntry) -> ShipmentOut:
        """The response body of ``entry``."""
        return cls(
            inbox_id=entry.inbox_id, access_id=entry.access_id, shipment_id=entry.shipment_id,
            category=entry.category, provided_at=entry.provided_at,
            received_at=entry.received_at, acknowledged_at=entry.acknowledged_at,
            documents=[DocumentOut(**vars(d)) for d in entry.documents],
            business_events=[EventOut(**vars(e)) for e in entry.events],
        )  # fmt: skip


def bipro_inbox(kontor: Kontor) -> BiproInbox:
    """The wired BiPRO inbox; NotFound when this process has none."""
    if kontor.integration is None or kontor.integration.bipro is None:
        raise NotFound("the BiPRO inbox is not wired in this process")
    return kontor.integration.bipro


@router.post("/accesses", status_code=201)
def create_access(
    body: AccessIn, request: Request, caller: Annotated[Principal, requires("bipro:write")]
) -> AccessOut:
    """Store a portal access (password encrypted, never shown again) and its poll schedule."""
    kontor = kontor_of(request)
    inbox = bipro_inbox(kontor)
    with kontor.bus.unit_of_work() as uow:
        created = inbox.create(uow, caller.tenant_id, AccessDraft(**body.model_dump()),
                               caller.user_id)  # fmt: skip
        uow.commit()
    return AccessOut.of(created)


@router.get("/accesses")
def list_accesses(
    request: Request, caller: Annotated[Principal, requires("bipro:read")]
) -> list[AccessOut]:
    """The tenant's portal accesses."""
    kontor = kontor_of(request)
    with kontor.bus.reading() as uow:
        found = bipro_inbox(kontor).accesses(uow, caller.tenant_id).all()
    return [AccessOut.of(a) for a in found]


@router.get("/accesses/{access_id}")
def show_access(
    access_id: Id, request: Request, caller: Annotated[Principal, requires("bipro:read")]
) -> AccessOut:
    """One portal access of the tenant, with the outcome of its last poll."""
    kontor = kontor_of(request)
    with kontor.bus.reading() as uow:
        return AccessOut.of(bipro_inbox(kontor).accesses(uow, caller.tenant_id).get(access_id))


@router.patch("/accesses/{access_id}")
def change_access(
    access_id: Id,
    body: AccessChange,
    request: Request,
    caller: Annotated[Principal, requires("bipro:write")],
) -> AccessOut:
    """Change a portal access; a new rhythm replaces its schedule."""
    kontor = kontor_of(request)
    changes: dict[str, Any] = body.model_dump(exclude_unset=True)
    with kontor.bus.unit_of_work() as uow:
        changed = bipro_inbox(kontor).update(uow, caller.tenant_id, access_id, changes)
        uow.commit()
    return AccessOut.of(changed)


@router.delete("/accesses/{access_id}", status_code=204)
def delete_access(
    access_id: Id, request: Request, caller: Annotated[Principal, requires("bipro:write")]
) -> Response:
    """Delete a portal access with its login and schedule; its shipments stay in the inbox."""
    kontor = kontor_of(request)
    with kontor.bus.unit_of_work() as uow:
        bipro_inbox(kontor).delete(uow, caller.tenant_id, access_id)
        uow.commit()
    return Response(status_code=204)


@router.post("/accesses/{access_id}/poll")
def poll_access(
    access_id: Id, request: Request, caller: Annotated[Principal, requires("bipro:write")]
) -> PollOut:
    """Poll the access now; 502 ``bipro.poll_failed`` names the provider's error."""
    kontor = kontor_of(request)
    return PollOut.of(bipro_inbox(kontor).poller.poll(caller.tenant_id, access_id))


@router.get("/inbox")
def list_inbox(
    request: Request,
    caller: Annotated[Principal, requires("bipro:read")],
    access_id: Annotated[str | None, Query(max_length=36)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[ShipmentOut]:
    """The newest shipments of the inbox, of one access if given."""
    kontor = kontor_of(request)
    with kontor.bus.reading() as uow:
        found = InboxStore(uow.connection, caller.tenant_id).entries(access_id, limit)
    return [ShipmentOut.of(e) for e in found]


@router.get("/inbox/{inbox_id}")
def show_shipment(
    inbox_id: Id, request: Request, caller: Annotated[Principal, requires("bipro:read")]
) -> ShipmentOut:
    """One shipment with its documents and business events."""
    kontor = kontor_of(request)
    with kontor.bus.reading() as uow:
        return ShipmentOut.of(InboxStore(uow.connection, caller.tenant_id).get(inbox_id))


@router.get("/inbox/{inbox_id}/documents/{document_id}")
def download_document(
    inbox_id: Id,
    document_id: Id,
    request: Request,
    caller: Annotated[Principal, requires("bipro:read")],
) -> Response:
    """A document of a shipment, as a file."""
    kontor = kontor_of(request)
    with kontor.bus.reading() as uow:
        info, content = InboxStore(uow.connection, caller.tenant_id).document(inbox_id, document_id)
    return document_download(info, content)


def document_download(info: DocumentInfo, content: bytes) -> Response:
    """A stored document as a file the browser saves (never rendered in place)."""
    media_type = (
        info.media_type if _MEDIA_TYPE.match(info.media_type) else "application/octet-stream"
    )
    response = download([content], _safe_name(info.name), media_type)
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def _safe_name(name: str) -> str:
    """A file name fit for a header: no quotes, separators or control characters."""
    cleaned = re.sub(r"[^A-Za-z0-9._ -]", "_", name).strip(" .") or "dokument"
    return cleaned[:200]
