"""The transfer service (norm 430): shipments (Lieferungen) listed, fetched and acknowledged.

A shipment (``Lieferung``) has an ``ID``, the time it was provided (``Einstellzeitpunkt``), a
category (``Kategorie``) and a ``Transfer`` of business events (``Geschaeftsvorfall``) and
documents (``Dokument``, content in base64).
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
from dataclasses import dataclass, field

from lxml import etree

from kontor.integration.bipro.errors import BiproTransportError
from kontor.integration.bipro.xml import TRANSFER, Element, q, sub, text_of

LIST, GET, ACKNOWLEDGE = "listShipments", "getShipment", "acknowledgeShipment"


@dataclass(frozen=True)
class ShipmentSummary:
    """A shipment as the list names it."""

    shipment_id: str
    category: str
    provided_at: dt.datetime | None


@dataclass(frozen=True)
class Document:
    """A document of a shipment."""

    name: str
    media_type: str
    content: bytes = field(repr=False)


@dataclass(frozen=True)
class BusinessEvent:
    """A business event (Geschaeftsvorfall) of a shipment: its kind, contract and text."""

    kind: str
    contract_number: str = ""
    text: str = ""


@dataclass(frozen=True)
class Shipment:
    """A fetched shipment with its business events and documents."""

    shipment_id: str
    category: str
    provided_at: dt.datetime | None
    events: tuple[BusinessEvent, ...] = ()
    documents: tuple[Document, ...] = ()

    @property
    def summary(self) -> ShipmentSummary:
        """The shipment as the list names it."""
        return ShipmentSummary(self.shipment_id, self.category, self.provided_at)


def shipment_id_element(shipment_id: str) -> Element:
    """The ``ID`` a getShipment or acknowledgeShipment request names."""
    element = _element("ID")
    element.text = shipment_id
    return element


def requested_id(request: Element) -> str:
    """The shipment id a request names (the provider's side)."""
    return text_of(request, "transfer:ID")


def summary_element(summary: ShipmentSummary) -> Element:
    """A ``Lieferung`` of the list."""
    element = _element("Lieferung")
    _add(element, "ID", summary.shipment_id)
    if summary.provided_at is not None:
        _add(element, "Einstellzeitpunkt", summary.provided_at.isoformat())
    _add(element, "Kategorie", summary.category)
    return element


def shipment_element(shipment: Shipment) -> Element:
    """A full ``Lieferung`` with its transfer."""
    element = summary_element(shipment.summary)
    transfer = _add(element, "Transfer")
    for event in shipment.events:
        told = _add(transfer, "Geschaeftsvorfall")
        _add(told, "Art", event.kind)
        _add(told, "Vertragsnummer", event.contract_number)
        _add(told, "Text", event.text)
    for document in shipment.documents:
        held = _add(transfer, "Dokument")
        _add(held, "Dateiname", document.name)
        _add(held, "MIMETyp", document.media_type)
        _add(held, "Daten", base64.b64encode(document.content).decode("ascii"))
    return element


def read_summaries(response: Element) -> list[ShipmentSummary]:
    """The shipments a listShipments response names."""
    return [_summary(found) for found in response.findall(q(TRANSFER, "Lieferung"))]


def read_shipment(response: Element) -> Shipment:
    """The shipment a getShipment response carries."""
    found = response.find(q(TRANSFER, "Lieferung"))
    if found is None:
        raise BiproTransportError("the answer carries no Lieferung", GET)
    summary = _summary(found)
    transfer = found.find(q(TRANSFER, "Transfer"))
    events = tuple(
        BusinessEvent(
            text_of(told, "transfer:Art"),
            text_of(told, "transfer:Vertragsnummer"),
            text_of(told, "transfer:Text"),
        )
        for told in ([] if transfer is None else transfer.findall(q(TRANSFER, "Geschaeftsvorfall")))
    )
    documents = tuple(
        _document(held, summary.shipment_id)
        for held in ([] if transfer is None else transfer.findall(q(TRANSFER, "Dokument")))
    )
    return Shipment(summary.shipment_id, summary.category, summary.provided_at, events, documents)


def _summary(found: Element) -> ShipmentSummary:
    shipment_id = text_of(found, "transfer:ID")
    if not shipment_id:
        raise BiproTransportError("a Lieferung without ID", LIST)
    provided = text_of(found, "transfer:Einstellzeitpunkt")
    try:
        provided_at = (
            dt.datetime.fromisoformat(provided.replace("Z", "+00:00")) if provided else None
        )
    except ValueError:
        raise BiproTransportError(
            f"Lieferung {shipment_id}: unreadable Einstellzeitpunkt {provided!r}", LIST
        ) from None
    if provided_at is not None and provided_at.tzinfo is None:
        provided_at = provided_at.replace(tzinfo=dt.UTC)
    return ShipmentSummary(shipment_id, text_of(found, "transfer:Kategorie"), provided_at)


def _document(held: Element, shipment_id: str) -> Document:
    name = text_of(held, "transfer:Dateiname") or "dokument"
    try:
        content = base64.b64decode(text_of(held, "transfer:Daten"), validate=True)
    except (binascii.Error, ValueError):
        raise BiproTransportError(
            f"Lieferung {shipment_id}: document {name!r} is no base64", GET
        ) from None
    return Document(name, text_of(held, "transfer:MIMETyp") or "application/octet-stream", content)


def _element(name: str) -> Element:
    return etree.Element(q(TRANSFER, name), nsmap={"transfer": TRANSFER})


def _add(parent: Element, name: str, text: str | None = None) -> Element:
    return sub(parent, TRANSFER, name, text)
