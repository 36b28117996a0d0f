"""Audit log: new entries go to a table of their own until sealing moves them into the chain.

``audit_unsealed`` has no index but its row number, so an audited transaction writes one page
of it instead of a page of each of the chain's indexes. Entries not sealed yet move there; the
chain's index of unsealed entries goes.

Revision ID: 0041_audit_unsealed
Revises: 0039_audit_partial_indexes
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from kontor.db.schema import JsonDocument, UtcDateTime

revision: str = "0041_audit_unsealed"
down_revision: str | None = "0039_audit_partial_indexes"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ENTRY_COLUMNS = (
    "entry_id, tenant_id, recorded_at, actor, action, entity_type, entity_id, correlation_id, "
    "subject, difference_mac, content_mac, difference, difference_salt, erased_by"
)
_UNSEALED_INDEX = "ix_audit_entries_unsealed"


def upgrade() -> None:
    """Create the table of unsealed entries and move them there."""
    op.create_table(
        "audit_unsealed",
        sa.Column(
            "sequence",
            sa.BigInteger().with_variant(sa.Integer, "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("entry_id", sa.String(36), nullable=False),
        sa.Column("tenant_id", sa.String(64), nullable=False),
        sa.Column("recorded_at", UtcDateTime, nullable=False),
        sa.Column("actor", sa.String(200), comment="user id; null: Kontor itself"),
        sa.Column("action", sa.String(200), nullable=False),
        sa.Column("entity_type", sa.String(100), nullable=False),
        sa.Column("entity_id", sa.String(300), nullable=False),
        sa.Column("correlation_id", sa.String(64)),
        sa.Column(
            "subject", sa.String(300), comment="data subject the difference belongs to (reference)"
        ),
        sa.Column(
            "difference_mac",
            sa.String(64),
            nullable=False,
            comment="keyed hash of salt + difference",
        ),
        sa.Column(
            "content_mac", sa.String(64), nullable=False, comment="keyed hash of the fields above"
        ),
        sa.Column("difference", JsonDocument, comment="before/after; outside the hash, erasable"),
        sa.Column("difference_salt", sa.String(32), comment="erased with the difference"),
        sa.Column(
            "erased_by", sa.String(36), comment="the erasure entry that removed the difference"
        ),
        sa.PrimaryKeyConstraint("sequence", name="pk_audit_unsealed"),
        comment="Audit log: entries written since the last seal, in the order they came",
    )
    op.execute(
        f"INSERT INTO audit_unsealed ({_ENTRY_COLUMNS}) SELECT {_ENTRY_COLUMNS} "
        "FROM audit_entries WHERE chain_position IS NULL ORDER BY recorded_at, entry_id"
    )
    op.execute("DELETE FROM audit_entries WHERE chain_position IS NULL")
    op.drop_index(_UNSEALED_INDEX, "audit_entries")


def downgrade() -> None:
    """Move the unsealed entries back into the chain's table."""
    op.create_index(
        _UNSEALED_INDEX,
        "audit_entries",
        ["tenant_id", "recorded_at"],
        sqlite_where=sa.text("chain_position IS NULL"),
        postgresql_where=sa.text("chain_position IS NULL"),
    )
    op.execute(
        f"INSERT INTO audit_entries ({_ENTRY_COLUMNS}) SELECT {_ENTRY_COLUMNS} FROM audit_unsealed"
    )
    op.drop_table("audit_unsealed")
