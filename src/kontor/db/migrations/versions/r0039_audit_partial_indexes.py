"""Audit entries: the chain-position and data-subject indexes only hold rows that have one.

A new entry has no chain position (sealing sets it later) and mostly no data subject; as partial
indexes, neither is written when an entry is inserted, so every audited transaction commits two
index pages fewer.

Revision ID: 0039_audit_partial_indexes
Revises: 0007_usage
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0039_audit_partial_indexes"
down_revision: str | None = "0007_usage"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_CHAIN = "uq_audit_entries_chain_position"
_SUBJECT = "ix_audit_entries_subject"


def upgrade() -> None:
    """Replace the unique constraint and the subject index by partial indexes."""
    with op.batch_alter_table("audit_entries") as batch:  # SQLite: the table is rebuilt
        batch.drop_constraint(_CHAIN, type_="unique")
    op.drop_index(_SUBJECT, "audit_entries")
    chain_set = sa.text("chain_position IS NOT NULL")
    subject_set = sa.text("subject IS NOT NULL")
    op.create_index(
        _CHAIN, "audit_entries", ["tenant_id", "chain_position"], unique=True,
        sqlite_where=chain_set, postgresql_where=chain_set,
    )  # fmt: skip
    op.create_index(
        _SUBJECT, "audit_entries", ["tenant_id", "subject"],
        sqlite_where=subject_set, postgresql_where=subject_set,
    )  # fmt: skip


def downgrade() -> None:
    """Back to the full unique constraint and subject index."""
    op.drop_index(_SUBJECT, "audit_entries")
    op.drop_index(_CHAIN, "audit_entries")
    op.create_index(_SUBJECT, "audit_entries", ["tenant_id", "subject"])
    with op.batch_alter_table("audit_entries") as batch:
        batch.create_unique_constraint(_CHAIN, ["tenant_id", "chain_position"])
