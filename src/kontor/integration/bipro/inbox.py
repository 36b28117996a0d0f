"""The document inbox (Posteingang): each shipment of a portal access stored once, its
documents as blobs and its business events as rows."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, insert, select, update
from sqlalchemy.exc import IntegrityError

from kontor.db.ids import time_ordered_id
from kontor.errors import NotFound
from kontor.integration.bipro.tables import shipment_documents, shipment_events, shipments
from kontor.integration.bipro.transfer import Shipment


class AlreadyStored(Exception):
    """The shipment is in the inbox already (stored by an earlier or a concurrent poll)."""


@dataclass(frozen=True)
class DocumentInfo:
    """A document of an inbox shipment, without its content."""

    document_id: str
    name: str
    media_type: str
    size: int


@dataclass(frozen=True)
class EventInfo:
    """A business event of an inbox shipment."""

    kind: str
    contract_number: str
    text: str


@dataclass(frozen=True)
class InboxEntry:
    """A shipment in the inbox."""

    inbox_id: str
    access_id: str
    shipment_id: str
    category: str
    provided_at: dt.datetime | None
    received_at: dt.datetime
    acknowledged_at: dt.datetime | None
    documents: tuple[DocumentInfo, ...] = ()
    events: tuple[EventInfo, ...] = ()


class InboxStore:
    """The inbox of one tenant."""

    def __init__(self, connection: Connection, tenant_id: str) -> None:
        self._connection = connection
        self._tenant_id = tenant_id

    def acknowledged(self, access_id: str) -> dict[str, bool]:
        """The shipment ids of an access stored so far, and whether each is acknowledged."""
        rows = self._connection.execute(
            select(shipments.c.shipment_id, shipments.c.acknowledged_at).where(
                shipments.c.tenant_id == self._tenant_id, shipments.c.access_id == access_id
            )
        )
        return {row.shipment_id: row.acknowledged_at is not None for row in rows}

    def add(self, access_id: str, shipment: Shipment, now: dt.datetime) -> str:
        """Store ``shipment``; its inbox id. ``AlreadyStored`` if it is there already."""
        inbox_id = time_ordered_id()
        try:
            with self._connection.begin_nested():
                self._connection.execute(
                    insert(shipments).values(
                        inbox_id=inbox_id, tenant_id=self._tenant_id, access_id=access_id,
                        shipment_id=shipment.shipment_id, category=shipment.category,
                        provided_at=shipment.provided_at, received_at=now, acknowledged_at=None,
                    )
                )  # fmt: skip
        except IntegrityError:
            raise AlreadyStored(shipment.shipment_id) from None
        if shipment.documents:
            self._connection.execute(
                insert(shipment_documents),
                [
                    {
                        "document_id": time_ordered_id(),
                        "tenant_id": self._tenant_id,
                        "inbox_id": inbox_id,
                        "position": position,
                        "name": document.name,
                        "media_type": document.media_type,
                        "size": len(document.content),
                        "content": document.content,
                    }
                    for position, document in enumerate(shipment.documents)
                ],
            )
        if shipment.events:
            self._connection.execute(
                insert(shipment_events),
                [
                    {
                        "event_id": time_ordered_id(),
                        "tenant_id": self._tenant_id,
                        "inbox_id": inbox_id,
                        "position": position,
                        "kind": event.kind,
                        "contract_number": event.contract_number,
                        "text": event.text,
                    }
                    for position, event in enumerate(shipment.events)
                ],
            )
        return inbox_id

    def mark_acknowledged(self, access_id: str, shipment_id: str, now: dt.datetime) -> None:
        """Record that the provider confirmed the acknowledgement of a shipment."""
        self._connection.execute(
            update(shipments)
            .where(
                shipments.c.tenant_id == self._tenant_id,
                shipments.c.access_id == access_id,
                shipments.c.shipment_id == shipment_id,
            )
            .values(acknowledged_at=now)
        )

    def entries(self, access_id: str | None = None, limit: int = 100) -> list[InboxEntry]:
        """The newest shipments, of one access if given."""
        query = select(shipments).where(shipments.c.tenant_id == self._tenant_id)
        if access_id is not None:
            query = query.where(shipments.c.access_id == access_id)
        rows = self._connection.execute(
            query.order_by(shipments.c.received_at.desc(), shipments.c.inbox_id.desc()).limit(limit)
        )
        return [_entry(row) for row in rows]

    def get(self, inbox_id: str) -> InboxEntry:
        """One shipment with its documents (no content) and business events."""
        row = self._connection.execute(
            select(shipments).where(
                shipments.c.tenant_id == self._tenant_id, shipments.c.inbox_id == inbox_id
            )
        ).first()
        if row is None:
            raise NotFound(f"no inbox shipment {inbox_id!r}", inbox_id=inbox_id)
        documents = self._connection.execute(
            select(
                shipment_documents.c.document_id, shipment_documents.c.name,
                shipment_documents.c.media_type, shipment_documents.c.size,
            )
            .where(
                shipment_documents.c.tenant_id == self._tenant_id,
                shipment_documents.c.inbox_id == inbox_id,
            )
            .order_by(shipment_documents.c.position)
        )  # fmt: skip
        events = self._connection.execute(
            select(
                shipment_events.c.kind, shipment_events.c.contract_number, shipment_events.c.text
            )
            .where(
                shipment_events.c.tenant_id == self._tenant_id,
                shipment_events.c.inbox_id == inbox_id,
            )
            .order_by(shipment_events.c.position)
        )
        return _entry(
            row,
            tuple(DocumentInfo(d.document_id, d.name, d.media_type, d.size) for d in documents),
            tuple(EventInfo(e.kind, e.contract_number, e.text) for e in events),
        )

    def document(self, inbox_id: str, document_id: str) -> tuple[DocumentInfo, bytes]:
        """A document of a shipment with its content."""
        row = self._connection.execute(
            select(shipment_documents).where(
                shipment_documents.c.tenant_id == self._tenant_id,
                shipment_documents.c.inbox_id == inbox_id,
                shipment_documents.c.document_id == document_id,
            )
        ).first()
        if row is None:
            raise NotFound(f"no document {document_id!r} in shipment {inbox_id!r}",
                           document_id=document_id)  # fmt: skip
        return DocumentInfo(row.document_id, row.name, row.media_type, row.size), bytes(row.content)


def _entry(row: Any, documents: tuple[DocumentInfo, ...] = (),
           events: tuple[EventInfo, ...] = ()) -> InboxEntry:  # fmt: skip
    return InboxEntry(
        row.inbox_id, row.access_id, row.shipment_id, row.category, row.provided_at,
        row.received_at, row.acknowledged_at, documents, events,
    )  # fmt: skip
