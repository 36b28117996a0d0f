"""The Links app in the browser: the insurer's documents as a table (a row opens the PDF), an
upload form for the underwriters and *Entfernen* for them."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, StreamingResponse
from sqlalchemy import Select, literal, select

from kontor.api.body_routes import StreamingUploadRoute
from kontor.api.routes.links import link_blobs, pdf_response, upload_document
from kontor.api.wiring import kontor_of
from kontor.apps.links import CATEGORIES, LinkDocuments, provider_of
from kontor.apps.links.tables import link_documents
from kontor.db import reading
from kontor.errors import KontorError
from kontor.platform import Principal, TenantStore
from kontor.web.messages import german_error
from kontor.web.registry import WebRegistry
from kontor.web.security import page_requires
from kontor.web.templating import render
from kontor.web.views import Action, AppMenu, Column, Kind, MenuEntry, TableView, ViewContext

APP = "/apps/links"
READ, SAVE, DELETE = (f"app:links:{a}" for a in ("read", "save", "delete"))
UPLOAD_PATH = f"{APP}/upload"
router = APIRouter(route_class=StreamingUploadRoute, include_in_schema=False)
NEEDS_READ, NEEDS_SAVE = page_requires(READ), page_requires(SAVE)


def pdf_url(row: Mapping[str, Any]) -> str:
    """The row's PDF (a row click shows it)."""
    return f"{APP}/documents/{row['id']}/pdf"


def document_rows(context: ViewContext, filters: Mapping[str, str]) -> Select[Any]:
    """The documents the caller's tenant sees: its own (insurer) or its insurer's (broker)."""
    del filters
    with reading(context.kontor.engine) as connection:
        provider = provider_of(TenantStore(connection), context.principal.tenant_id)
    d = link_documents.c
    query = select(
        d.document_id.label("id"),
        d.title.label("title"),
        d.category.label("category"),
        d.file_name.label("file_name"),
        d.uploaded_at.label("uploaded_at"),
    )
    if provider is None:
        return query.where(literal(False))
    return query.where(d.tenant_id == provider)


def remove(context: ViewContext, row_id: str, reason: str | None) -> None:
    """*Entfernen*: the document and its file."""
    del reason
    with context.kontor.bus.unit_of_work() as uow:
        document = LinkDocuments(uow.connection, context.principal.tenant_id).remove(row_id)
        uow.commit()
    link_blobs(context.kontor).delete(document.blob_key)


DOCUMENTS = TableView(
    name="links_dokumente",
    path=f"{APP}/documents",
    title="Links",
    permission=READ,
    columns=(
        Column("title", "Titel", sortable=True),
        Column("category", "Art", Kind.BADGE, labels=CATEGORIES),
        Column("file_name", "Datei"),
        Column("uploaded_at", "Bereitgestellt am", Kind.DATETIME, sortable=True),
    ),
    rows=document_rows,
    default_sort="-uploaded_at",
    search_fields=("title", "file_name"),
    actions=(Action("remove", "Entfernen", DELETE, remove),),
    detail_url=pdf_url,
    create=MenuEntry("Dokument hochladen", UPLOAD_PATH, SAVE),
)
"""Product, contract and marketing documents; a row click shows the PDF."""


def declare(registry: WebRegistry) -> None:
    """Declare the Links tile and its table."""
    registry.add_table(DOCUMENTS)
    registry.add_app(
        AppMenu(
            "links",
            "Links",
            (
                MenuEntry("Dokumente", DOCUMENTS.path, READ),
                MenuEntry("Dokument hochladen", UPLOAD_PATH, SAVE),
            ),
            "Produkt-, Vertrags- und Marketingunterlagen als PDF",
        )
    )


@router.get(f"{APP}/documents/{{document_id}}/pdf", response_model=None)
def show_pdf(
    document_id: str, request: Request, caller: Principal = NEEDS_READ
) -> StreamingResponse | HTMLResponse:
    """The document's PDF; another tenant's document is not found."""
    kontor = kontor_of(request)
    try:
        with kontor.bus.reading() as uow:
            document = LinkDocuments(uow.connection, caller.tenant_id).get(document_id)
    except KontorError as error:
        said = "Dieses Dokument gibt es nicht." if error.status == 404 else german_error(error)
        values = {"principal": caller, "message": said}
        return render(request, "error.html", values, status=error.status)
    return pdf_response(link_blobs(kontor), document)


def _form(request: Request, caller: Principal, **values: Any) -> dict[str, Any]:
    return {"principal": caller, "categories": CATEGORIES, "list": DOCUMENTS.path, **values}


@router.get(UPLOAD_PATH)
def upload_form(request: Request, caller: Principal = NEEDS_SAVE) -> HTMLResponse:
    """The upload form: title, kind and the PDF."""
    return render(request, "links_upload.html", _form(request, caller))


@router.post(UPLOAD_PATH)
async def upload(request: Request, caller: Principal = NEEDS_SAVE) -> HTMLResponse:
    """Stream the PDF in (size-limited) and keep it; then say so."""
    try:
        document = await upload_document(request, caller)
    except KontorError as error:
        if error.code == "exchange.file_too_large":
            megabytes = int(error.details.get("limit_bytes", 0)) / (1024 * 1024)
            problem = f"Die Datei ist größer als {megabytes:.0f} MB."
        else:
            problem = german_error(error)
        values = _form(request, caller, problem=problem)
        return render(request, "links_upload.html", values, status=error.status, block="result")
    values = _form(request, caller, uploaded=document)
    return render(request, "links_upload.html", values, block="result")
