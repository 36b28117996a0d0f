"""Links: the insurer's underwriters upload PDFs (streamed, size-limited); its brokers list and
download them. Another tenant's document is not found."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import StreamingResponse
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from kontor.api.body_routes import StreamingUploadRoute, StrictJsonRoute
from kontor.api.downloads import stored_file
from kontor.api.exact_responses import ExactJSONResponse
from kontor.api.security import requires
from kontor.api.streamed_uploads import StreamedFile, stream_upload
from kontor.api.wiring import kontor_of
from kontor.apps.links import CATEGORIES, LinkDocument, LinkDocuments, require_pdf
from kontor.bootstrap import Kontor
from kontor.exchange import BlobStore, LocalBlobStore
from kontor.platform import Principal

PREFIX = "/api/apps/links/documents"
READ, SAVE, DELETE = (f"app:links:{a}" for a in ("read", "save", "delete"))
router = APIRouter(prefix=PREFIX, tags=["links"], route_class=StrictJsonRoute)
uploads = APIRouter(prefix=PREFIX, tags=["links"], route_class=StreamingUploadRoute)
_UPLOAD = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "properties": {
                        "file": {"type": "string", "format": "binary"},
                        "title": {"type": "string"},
                        "category": {"type": "string", "enum": list(CATEGORIES)},
                    },
                    "required": ["file", "title", "category"],
                }
            },
        },
    }
}


class DocumentOut(BaseModel):
    """A document as listed."""

    document_id: str
    title: str
    category: str
    category_label: str
    file_name: str
    size: int
    sha256: str
    uploaded_at: dt.datetime
    uploaded_by: str

    @classmethod
    def of(cls, document: LinkDocument) -> DocumentOut:
        """The response body of ``document``."""
        values: dict[str, Any] = {
            k: v for k, v in vars(document).items() if k not in ("tenant_id", "blob_key")
        }
        return cls(**values, category_label=CATEGORIES[document.category])


def link_blobs(kontor: Kontor) -> BlobStore:
    """Where the Links PDFs are kept: the data dir's ``links`` folder."""
    return LocalBlobStore(kontor.settings.data_dir / "links")


def pdf_response(blobs: BlobStore, document: LinkDocument) -> StreamingResponse:
    """The document's PDF, streamed, for the browser to show (or save under its name)."""
    return stored_file(
        blobs, document.blob_key, file_name=document.file_name, size=document.size,
        media_type="application/pdf", disposition="inline",
    )  # fmt: skip


def store_upload(
    kontor: Kontor, caller: Principal, streamed: StreamedFile, title: str, category: str
) -> LinkDocument:
    """Check the streamed file is a PDF and keep it as the insurer's document."""
    blobs = link_blobs(kontor)
    try:
        require_pdf(blobs, streamed.blob)
        with kontor.bus.unit_of_work() as uow:
            document = LinkDocuments(uow.connection, caller.tenant_id).add(
                streamed.blob, streamed.file_name, title, category, caller.user_id,
                uow.clock.now(),
            )  # fmt: skip
            uow.commit()
    except BaseException:
        blobs.delete(streamed.blob.key)
        raise
    return document


async def upload_document(request: Request, caller: Principal) -> LinkDocument:
    """Stream the request's PDF (with ``title`` and ``category``) in and keep it."""
    kontor = kontor_of(request)
    fields: dict[str, str] = {}
    streamed = await stream_upload(
        request, link_blobs(kontor), kontor.settings.links_max_bytes, "dokument.pdf", fields
    )
    title = fields.get("title") or request.query_params.get("title", "")
    category = fields.get("category") or request.query_params.get("category", "")
    return await run_in_threadpool(store_upload, kontor, caller, streamed, title, category)


@uploads.post("", status_code=201, openapi_extra=_UPLOAD)
async def upload(request: Request, caller: Annotated[Principal, requires(SAVE)]) -> DocumentOut:
    """Upload a PDF (multipart ``file``, ``title``, ``category``); only the insurer may."""
    return DocumentOut.of(await upload_document(request, caller))


@router.get("")
def list_documents(
    request: Request, caller: Annotated[Principal, requires(READ)]
) -> ExactJSONResponse:
    """The insurer's documents (a broker sees its insurer's), newest first."""
    with kontor_of(request).bus.reading() as uow:
        found = LinkDocuments(uow.connection, caller.tenant_id).list()
    return ExactJSONResponse({"items": [DocumentOut.of(d).model_dump() for d in found]})


@router.get("/{document_id}/content", response_model=None)
def document_content(
    document_id: str, request: Request, caller: Annotated[Principal, requires(READ)]
) -> StreamingResponse:
    """The document's PDF."""
    kontor = kontor_of(request)
    with kontor.bus.reading() as uow:
        document = LinkDocuments(uow.connection, caller.tenant_id).get(document_id)
    return pdf_response(link_blobs(kontor), document)


@router.delete("/{document_id}", status_code=204)
def remove_document(
    document_id: str, request: Request, caller: Annotated[Principal, requires(DELETE)]
) -> Response:
    """Remove an own document and its file."""
    kontor = kontor_of(request)
    with kontor.bus.unit_of_work() as uow:
        document = LinkDocuments(uow.connection, caller.tenant_id).remove(document_id)
        uow.commit()
    link_blobs(kontor).delete(document.blob_key)
    return Response(status_code=204)
