"""Table of the Links app: the insurer's documents (their bytes are blobs on disk)."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Index, String, Table

from kontor.db import UtcDateTime, metadata, tenant_column_type

link_documents = Table(
    "link_documents",
    metadata,
    Column("document_id", String(36), primary_key=True),
    Column("tenant_id", tenant_column_type(), nullable=False, comment="the insurer's tenant"),
    Column("title", String(200), nullable=False),
    Column("category", String(16), nullable=False, comment="product, contract, marketing"),
    Column("file_name", String(255), nullable=False),
    Column("size", BigInteger, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("blob_key", String(200), nullable=False, comment="where the PDF is stored"),
    Column("uploaded_at", UtcDateTime, nullable=False),
    Column("uploaded_by", String(64), nullable=False),
    comment="Links: product, contract and marketing documents (PDF) an insurer gives its brokers",
)
Index("ix_link_documents_tenant", link_documents.c.tenant_id, link_documents.c.uploaded_at)
