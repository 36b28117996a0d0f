"""Audit log: the chain's primary key is (tenant, entry id); the tenant index goes.

The index on (tenant, entry id) held the same keys as such a primary key, so sealing filled
one B-tree more per entry than needed. An entry id stays unique: it is a random, time-ordered
id; lookups name the tenant anyway.

Revision ID: 0042_audit_tenant_key
Revises: 0041_audit_unsealed
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0042_audit_tenant_key"
down_revision: str | None = "0041_audit_unsealed"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_KEY = "pk_audit_entries"
_TENANT_INDEX = "ix_audit_entries_tenant"
_CHAIN = "uq_audit_entries_chain_position"
_SUBJECT = "ix_audit_entries_subject"


def upgrade() -> None:
    """Key the chain by tenant and entry id; drop the tenant index."""
    op.drop_index(_TENANT_INDEX, "audit_entries")
    _rekey(["tenant_id", "entry_id"])


def downgrade() -> None:
    """Key the chain by entry id again, with the tenant index beside it."""
    _rekey(["entry_id"])
    op.create_index(_TENANT_INDEX, "audit_entries", ["tenant_id", "entry_id"])


def _rekey(columns: list[str]) -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    if sqlite:  # the table is rebuilt: its partial indexes are made anew after it
        op.drop_index(_SUBJECT, "audit_entries")
        op.drop_index(_CHAIN, "audit_entries")
    with op.batch_alter_table("audit_entries") as batch:
        batch.drop_constraint(_KEY, type_="primary")
        batch.create_primary_key(_KEY, columns)
    if sqlite:
        chain_set = sa.text("chain_position IS NOT NULL")
        subject_set = sa.text("subject IS NOT NULL")
        op.create_index(
            _CHAIN, "audit_entries", ["tenant_id", "chain_position"], unique=True,
            sqlite_where=chain_set,
        )  # fmt: skip
        op.create_index(
            _SUBJECT, "audit_entries", ["tenant_id", "subject"], sqlite_where=subject_set
        )
