"""Casework cases: cases, their links and their timeline.

Revision ID: 0009_casework_cases
Revises: 0001_foundation
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from kontor.db.schema import JsonDocument, UtcDateTime

revision: str = "0009_casework_cases"
down_revision: str | None = "0001_foundation"
branch_labels: str | Sequence[str] | None = ("cases",)
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create the case tables."""
    op.create_table(
        "cases",
        sa.Column("case_id", sa.String(36), nullable=False),
        sa.Column("tenant_id", sa.String(64), nullable=False),
        sa.Column("case_type", sa.String(100), nullable=False),
        sa.Column("business_key", sa.String(200), nullable=False),
        sa.Column("title", sa.String(500), nullable=False),
        sa.Column("status", sa.String(100), nullable=False),
        sa.Column("owner", sa.String(64)),
        sa.Column("group_id", sa.String(64), comment="the responsible group"),
        sa.Column("due_date", sa.Date),
        sa.Column(
            "data", JsonDocument, nullable=False, comment="validated by the case type's schema"
        ),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("closed_at", UtcDateTime),
        sa.Column("revision", sa.Integer, nullable=False, comment="guards concurrent changes"),
        sa.PrimaryKeyConstraint("case_id", name="pk_cases"),
        sa.UniqueConstraint("tenant_id", "case_type", "business_key", name="uq_cases_business_key"),
        comment="Cases (Vorgänge): one business incident each, with status and responsibility",
    )
    op.create_index("ix_cases_status", "cases", ["tenant_id", "status"])
    op.create_index("ix_cases_owner", "cases", ["tenant_id", "owner"])
    op.create_index("ix_cases_group_id", "cases", ["tenant_id", "group_id"])
    op.create_table(
        "case_links",
        sa.Column("tenant_id", sa.String(64), nullable=False),
        sa.Column("case_id", sa.String(36), nullable=False),
        sa.Column(
            "kind", sa.String(32), nullable=False, comment="process_instance, task, document, …"
        ),
        sa.Column("target_id", sa.String(64), nullable=False),
        sa.Column("linked_at", UtcDateTime, nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "case_id", "kind", "target_id", name="pk_case_links"),
        comment="What a case concerns: process instances, later tasks, documents and messages",
    )
    op.create_index("ix_case_links_target_id", "case_links", ["tenant_id", "kind", "target_id"])
    op.create_table(
        "case_timeline",
        sa.Column("entry_id", sa.Integer, autoincrement=True, nullable=False),
        sa.Column("tenant_id", sa.String(64), nullable=False),
        sa.Column("case_id", sa.String(36), nullable=False),
        sa.Column("kind", sa.String(64), nullable=False),
        sa.Column("actor", sa.String(64), comment="the user; empty when Kontor itself acted"),
        sa.Column("at", UtcDateTime, nullable=False),
        sa.Column("details", JsonDocument, nullable=False),
        sa.PrimaryKeyConstraint("entry_id", name="pk_case_timeline"),
        comment="Append-only timeline per case: statuses, comments, data, links, process events",
    )
    op.create_index("ix_case_timeline_case_id", "case_timeline", ["tenant_id", "case_id"])


def downgrade() -> None:
    """Drop the case tables."""
    op.drop_table("case_timeline")
    op.drop_table("case_links")
    op.drop_table("cases")
