"""Links: product, contract and marketing documents (PDF) an insurer provides to its brokers."""

from __future__ import annotations

from kontor.apps.links.documents import (
    CATEGORIES,
    InvalidLinkDocument,
    LinkDocument,
    LinkDocumentNotFound,
    LinkDocuments,
    NotTheInsurer,
    checked_details,
    provider_of,
    require_pdf,
)

__all__ = [
    "CATEGORIES",
    "InvalidLinkDocument",
    "LinkDocument",
    "LinkDocumentNotFound",
    "LinkDocuments",
    "NotTheInsurer",
    "checked_details",
    "provider_of",
    "require_pdf",
]
