"""The Links documents: underwriters keep PDFs for their brokers, brokers read and download.

A document belongs to the insurer's tenant. The insurer's users see and maintain its own; a
broker system (or a sub-broker's) sees the documents of the first insurer above it. Anyone
else finds nothing (404).
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Row, delete, insert, select

from kontor.apps.links.tables import link_documents
from kontor.errors import InvalidInput, NotFound, PermissionDenied
from kontor.exchange import BlobStore, StoredBlob
from kontor.platform import TenantKind, TenantStore

CATEGORIES = {
    "product": "Produktunterlagen",
    "contract": "Vertragsunterlagen",
    "marketing": "Marketingunterlagen",
}
"""The kinds of documents (seed: "Produkt-, Vertrags- und Marketingunterlagen")."""
PDF_MAGIC = b"%PDF-"


class LinkDocumentNotFound(NotFound):
    """No such document for the caller's tenant."""

    code = "links.not_found"


class NotTheInsurer(PermissionDenied):
    """Only the insurer's users maintain the documents."""

    code = "links.insurer_only"


class InvalidLinkDocument(InvalidInput):
    """An upload that is no PDF, or a missing title or unknown category."""

    code = "links.invalid_document"


@dataclass(frozen=True)
class LinkDocument:
    """One document: what it is, its file and who put it there."""

    document_id: str
    tenant_id: str
    title: str
    category: str
    file_name: str
    size: int
    sha256: str
    blob_key: str
    uploaded_at: dt.datetime
    uploaded_by: str


def _document(row: Row[Any]) -> LinkDocument:
    return LinkDocument(**row._mapping)


def provider_of(tenants: TenantStore, tenant_id: str) -> str | None:
    """The tenant whose documents ``tenant_id`` sees: an insurer its own, a broker its
    insurer's (through its parents); None for anyone else."""
    tenant = tenants.get(tenant_id)
    seen = {tenant_id}
    while tenant.kind is TenantKind.BROKER and tenant.parent_tenant_id not in (None, *seen):
        parent = tenant.parent_tenant_id
        assert parent is not None
        seen.add(parent)
        tenant = tenants.get(parent)
    return tenant.tenant_id if tenant.kind is TenantKind.INSURER else None


def checked_details(title: str, category: str) -> tuple[str, str]:
    """The title and category of an upload, or ``InvalidLinkDocument`` naming the field."""
    title = title.strip()
    if not title or len(title) > 200:
        raise InvalidLinkDocument("Bitte einen Titel angeben (bis 200 Zeichen)", field="title")
    if category not in CATEGORIES:
        raise InvalidLinkDocument(
            f"unbekannte Art {category!r} (möglich: {', '.join(CATEGORIES)})", field="category"
        )
    return title, category


def require_pdf(blobs: BlobStore, blob: StoredBlob) -> None:
    """Refuse (422) a stored upload that is no PDF; the caller removes it."""
    with blobs.open(blob.key) as stored:
        head = stored.read(len(PDF_MAGIC))
    if head != PDF_MAGIC:
        raise InvalidLinkDocument("Die Datei ist kein PDF-Dokument", field="file")


class LinkDocuments:
    """The documents the tenant ``tenant_id`` may see (and, as an insurer, maintain)."""

    def __init__(self, connection: Connection, tenant_id: str) -> None:
        self.connection = connection
        self.tenant_id = tenant_id

    def provider(self) -> str | None:
        """The insurer whose documents this tenant sees."""
        return provider_of(TenantStore(self.connection), self.tenant_id)

    def _require_insurer(self) -> None:
        if TenantStore(self.connection).get(self.tenant_id).kind is not TenantKind.INSURER:
            raise NotTheInsurer("Nur der Versicherer stellt Dokumente bereit")

    def add(
        self, blob: StoredBlob, file_name: str, title: str, category: str, user: str,
        now: dt.datetime,
    ) -> LinkDocument:  # fmt: skip
        """A new document of this (insurer) tenant."""
        self._require_insurer()
        title, category = checked_details(title, category)
        values = {
            "document_id": str(uuid.uuid4()), "tenant_id": self.tenant_id, "title": title,
            "category": category, "file_name": file_name, "size": blob.size,
            "sha256": blob.sha256, "blob_key": blob.key, "uploaded_at": now, "uploaded_by": user,
        }  # fmt: skip
        self.connection.execute(insert(link_documents).values(**values))
        return LinkDocument(**values)  # type: ignore[arg-type]

    def list(self) -> list[LinkDocument]:
        """The documents this tenant sees, newest first."""
        provider = self.provider()
        if provider is None:
            return []
        d = link_documents.c
        query = (
            select(link_documents)
            .where(d.tenant_id == provider)
            .order_by(d.uploaded_at.desc(), d.document_id)
        )
        return [_document(row) for row in self.connection.execute(query)]

    def get(self, document_id: str) -> LinkDocument:
        """A document this tenant sees; ``LinkDocumentNotFound`` otherwise."""
        provider = self.provider()
        d = link_documents.c
        row = self.connection.execute(
            select(link_documents).where(d.document_id == document_id, d.tenant_id == provider)
        ).one_or_none()
        if provider is None or row is None:
            raise LinkDocumentNotFound(
                f"Dokument {document_id!r} nicht gefunden", document_id=document_id
            )
        return _document(row)

    def remove(self, document_id: str) -> LinkDocument:
        """Delete an own document (the caller removes its blob after commit)."""
        document = self.get(document_id)
        self._require_insurer()
        self.connection.execute(
            delete(link_documents).where(link_documents.c.document_id == document.document_id)
        )
        return document
