"""Posteingang: the shipments the portal accesses fetched, a shipment's page with its documents
to download, its business events and the process or task it started."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import Select, and_, func, select

from kontor.api.body_routes import StrictJsonRoute
from kontor.api.routes.bipro import document_download
from kontor.api.wiring import kontor_of
from kontor.casework.tasks.tables import tasks
from kontor.db import reading
from kontor.errors import NotFound
from kontor.integration.bipro.inbox import InboxStore
from kontor.integration.bipro.tables import (
    portal_accesses,
    shipment_documents,
    shipment_events,
    shipments,
)
from kontor.platform import Principal
from kontor.process.store.tables import process_instances
from kontor.web.security import page_requires
from kontor.web.templating import render
from kontor.web.views import Column, DetailView, Filter, Kind, Section, TableView, ViewContext

APP = "/apps/inbox"
READ = "bipro:read"
SHIPMENT = f"{APP}/shipment"
router = APIRouter(route_class=StrictJsonRoute, include_in_schema=False)
NEEDS_READ = page_requires(READ)


def shipment_url(row: Mapping[str, Any]) -> str:
    """The page of the row's shipment."""
    return f"{SHIPMENT}/{row['id']}"


def shipment_rows(context: ViewContext, filters: Mapping[str, str]) -> Select[Any]:
    """The tenant's shipments with the insurer of their access and what they hold."""
    del filters
    me = context.principal.tenant_id
    s, a = shipments.c, portal_accesses.c
    documents = (
        select(func.count())
        .where(shipment_documents.c.tenant_id == me, shipment_documents.c.inbox_id == s.inbox_id)
        .scalar_subquery()
    )
    first_event = (
        select(shipment_events.c.kind)
        .where(
            shipment_events.c.tenant_id == me,
            shipment_events.c.inbox_id == s.inbox_id,
            shipment_events.c.position == 0,
        )
        .scalar_subquery()
    )
    return (
        select(
            s.inbox_id.label("id"),
            s.received_at.label("received_at"),
            a.insurer.label("insurer"),
            a.name.label("access"),
            s.category.label("category"),
            first_event.label("event"),
            s.shipment_id.label("shipment_id"),
            documents.label("documents"),
            s.acknowledged_at.label("acknowledged_at"),
        )
        .select_from(
            shipments.outerjoin(
                portal_accesses, and_(a.tenant_id == me, a.access_id == s.access_id)
            )
        )
        .where(s.tenant_id == me)
    )


def _values_of(key: str) -> Any:
    def options(context: ViewContext) -> Sequence[tuple[str, str]]:
        listing = shipment_rows(context, {}).subquery()
        with reading(context.kontor.engine) as connection:
            found = connection.execute(
                select(listing.c[key]).where(listing.c[key].is_not(None)).distinct()
            )
            return [(str(value), str(value)) for value in sorted(found.scalars())]

    return options


INBOX = TableView(
    name="posteingang",
    path=f"{APP}/shipments",
    title="Posteingang",
    permission=READ,
    columns=(
        Column("received_at", "Eingegangen am", Kind.DATETIME, sortable=True),
        Column("insurer", "Gesellschaft"),
        Column("access", "Portalzugang"),
        Column("category", "Kategorie"),
        Column("event", "Geschäftsvorfall"),
        Column("shipment_id", "Lieferungs-ID"),
        Column("documents", "Dokumente", Kind.NUMBER),
        Column("acknowledged_at", "Quittiert am", Kind.DATETIME),
    ),
    rows=shipment_rows,
    default_sort="-received_at",
    search_fields=("insurer", "access", "category", "event", "shipment_id"),
    filters=(
        Filter("insurer", "Gesellschaft", _values_of("insurer"), column=True),
        Filter("category", "Kategorie", _values_of("category"), column=True),
    ),
    detail_url=shipment_url,
)
"""The document inbox: newest shipment first; a row opens the shipment."""


def load_shipment(context: ViewContext, inbox_id: str) -> Mapping[str, Any] | None:
    """The shipment as the table shows it, with its documents; None for another tenant's."""
    listing = shipment_rows(context, {}).subquery()
    with reading(context.kontor.engine) as connection:
        row = connection.execute(select(listing).where(listing.c.id == inbox_id)).mappings().first()
        if row is None:
            return None
        entry = InboxStore(connection, context.principal.tenant_id).get(inbox_id)
        started = _follow_ups(connection, context.principal.tenant_id, entry.shipment_id)
    downloads = [
        (f"Herunterladen: {d.name}", f"{SHIPMENT}/{inbox_id}/documents/{d.document_id}")
        for d in entry.documents
    ]
    return {
        **row,
        "label": f"Lieferung {entry.shipment_id}",
        "provided_at": entry.provided_at,
        "links": [*downloads, *started],
    }


def _follow_ups(connection: Any, tenant_id: str, shipment_id: str) -> list[tuple[str, str]]:
    """The process instance (business key: the shipment id) and tasks the shipment started."""
    p, t = process_instances.c, tasks.c
    instances = connection.execute(
        select(p.instance_id).where(p.tenant_id == tenant_id, p.business_key == shipment_id)
    ).scalars()
    named = connection.execute(
        select(t.task_id).where(
            t.tenant_id == tenant_id,
            t.name.startswith("Posteingang ", autoescape=True),
            t.name.endswith(f": Lieferung {shipment_id}", autoescape=True),
        )
    ).scalars()
    return [("Zum gestarteten Prozess", f"/cockpit/instances/{i}") for i in instances] + [
        ("Zur Aufgabe", f"/tasks/{task_id}") for task_id in named
    ]


def business_events(context: ViewContext, inbox_id: str) -> Sequence[Mapping[str, Any]]:
    """The shipment's business events in the provider's order."""
    with reading(context.kontor.engine) as connection:
        try:
            entry = InboxStore(connection, context.principal.tenant_id).get(inbox_id)
        except NotFound:
            return []
    return [vars(event) for event in entry.events]


def documents(context: ViewContext, inbox_id: str) -> Sequence[Mapping[str, Any]]:
    """The shipment's documents (name, type, size)."""
    with reading(context.kontor.engine) as connection:
        try:
            entry = InboxStore(connection, context.principal.tenant_id).get(inbox_id)
        except NotFound:
            return []
    return [vars(document) for document in entry.documents]


SHIPMENT_VIEW = DetailView(
    name="lieferung",
    path=SHIPMENT,
    permission=READ,
    title_field="label",
    load=load_shipment,
    fields=(
        Column("insurer", "Gesellschaft"),
        Column("access", "Portalzugang"),
        Column("category", "Kategorie"),
        Column("shipment_id", "Lieferungs-ID"),
        Column("provided_at", "Bereitgestellt am", Kind.DATETIME),
        Column("received_at", "Eingegangen am", Kind.DATETIME),
        Column("acknowledged_at", "Quittiert am", Kind.DATETIME),
    ),
    sections=(
        Section(
            "Dokumente",
            (
                Column("name", "Datei"),
                Column("media_type", "Art"),
                Column("size", "Größe (Bytes)", Kind.NUMBER),
            ),
            documents,
        ),
        Section(
            "Geschäftsvorfälle",
            (
                Column("kind", "Geschäftsvorfall"),
                Column("contract_number", "Versicherungsscheinnummer"),
                Column("text", "Text"),
            ),
            business_events,
        ),
    ),
    back=("Zum Posteingang", INBOX.path),
    not_found="Diese Lieferung gibt es nicht.",
    id_name="inbox_id",
    links=lambda item: item["links"],
)
"""One shipment: its data, documents to download, business events, what it started."""


@router.get(f"{SHIPMENT}/{{inbox_id}}/documents/{{document_id}}", response_model=None)
def download_document(
    inbox_id: str, document_id: str, request: Request, caller: Principal = NEEDS_READ
) -> Response | HTMLResponse:
    """A document of the shipment as a file; another tenant's is not found."""
    kontor = kontor_of(request)
    try:
        with kontor.bus.reading() as uow:
            info, content = InboxStore(uow.connection, caller.tenant_id).document(
                inbox_id, document_id
            )
    except NotFound:
        values = {"principal": caller, "message": "Dieses Dokument gibt es nicht."}
        return render(request, "error.html", values, status=404)
    return document_download(info, content)
