"""Links app: the documents an insurer provides to its brokers.

Revision ID: 0028_links
Revises: 0001_foundation
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from kontor.db.schema import UtcDateTime

revision: str = "0028_links"
down_revision: str | None = "0001_foundation"
branch_labels: str | Sequence[str] | None = ("links",)
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create the documents table."""
    op.create_table(
        "link_documents",
        sa.Column("document_id", sa.String(36), nullable=False),
        sa.Column("tenant_id", sa.String(64), nullable=False, comment="the insurer's tenant"),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column(
            "category", sa.String(16), nullable=False, comment="product, contract, marketing"
        ),
        sa.Column("file_name", sa.String(255), nullable=False),
        sa.Column("size", sa.BigInteger, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("blob_key", sa.String(200), nullable=False, comment="where the PDF is stored"),
        sa.Column("uploaded_at", UtcDateTime, nullable=False),
        sa.Column("uploaded_by", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("document_id", name="pk_link_documents"),
        comment=(
            "Links: product, contract and marketing documents (PDF) an insurer gives its brokers"
        ),
    )
    op.create_index("ix_link_documents_tenant", "link_documents", ["tenant_id", "uploaded_at"])


def downgrade() -> None:
    """Drop the documents table."""
    op.drop_table("link_documents")
