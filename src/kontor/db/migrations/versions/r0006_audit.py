"""Audit log: entries chained per tenant when sealed, and the seals of each tenant.

Revision ID: 0006_audit
Revises: 0001_foundation
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from kontor.db.schema import JsonDocument, UtcDateTime

revision: str = "0006_audit"
down_revision: str | None = "0001_foundation"
branch_labels: str | Sequence[str] | None = ("audit",)
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create the audit tables."""
    op.create_table(
        "audit_entries",
        sa.Column("entry_id", sa.String(36), nullable=False),
        sa.Column("tenant_id", sa.String(64), nullable=False),
        sa.Column("recorded_at", UtcDateTime, nullable=False),
        sa.Column("actor", sa.String(200), comment="user id; null: Kontor itself"),
        sa.Column("action", sa.String(200), nullable=False),
        sa.Column("entity_type", sa.String(100), nullable=False),
        sa.Column("entity_id", sa.String(300), nullable=False),
        sa.Column("correlation_id", sa.String(64)),
        sa.Column(
            "subject",
            sa.String(300),
            comment="data subject the difference belongs to (reference)",
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
        sa.Column("chain_position", sa.BigInteger, comment="set by sealing: 1, 2, ... per tenant"),
        sa.Column(
            "previous_entry_id", sa.String(36), comment="set by sealing: the entry chained before"
        ),
        sa.Column(
            "chain_mac", sa.String(64), comment="set by sealing: keyed hash over the chain so far"
        ),
        sa.PrimaryKeyConstraint("entry_id", name="pk_audit_entries"),
        sa.UniqueConstraint("tenant_id", "chain_position", name="uq_audit_entries_chain_position"),
        comment="Audit log: every state change through the service layer, append-only",
    )
    op.create_index("ix_audit_entries_tenant", "audit_entries", ["tenant_id", "entry_id"])
    op.create_index(
        "ix_audit_entries_entity",
        "audit_entries",
        ["tenant_id", "entity_type", "entity_id", "entry_id"],
    )
    op.create_index("ix_audit_entries_actor", "audit_entries", ["tenant_id", "actor", "entry_id"])
    op.create_index("ix_audit_entries_subject", "audit_entries", ["tenant_id", "subject"])
    op.create_index(
        "ix_audit_entries_unsealed",
        "audit_entries",
        ["tenant_id", "recorded_at"],
        sqlite_where=sa.text("chain_position IS NULL"),
        postgresql_where=sa.text("chain_position IS NULL"),
    )
    op.create_table(
        "audit_seals",
        sa.Column("tenant_id", sa.String(64), nullable=False),
        sa.Column("seal_number", sa.Integer, nullable=False, autoincrement=False),
        sa.Column("sealed_at", UtcDateTime, nullable=False),
        sa.Column(
            "sealed_up_to", UtcDateTime, nullable=False, comment="entries recorded until then"
        ),
        sa.Column(
            "last_position", sa.BigInteger, nullable=False, comment="chain position of the head"
        ),
        sa.Column("head_entry_id", sa.String(36), nullable=False),
        sa.Column("head_chain_mac", sa.String(64), nullable=False),
        sa.Column(
            "seal_mac",
            sa.String(64),
            nullable=False,
            comment="keyed hash over this seal and the last",
        ),
        sa.PrimaryKeyConstraint("tenant_id", "seal_number", name="pk_audit_seals"),
        comment="Sealed heads of each tenant's audit chain, kept apart from the chain",
    )


def downgrade() -> None:
    """Drop the audit tables."""
    op.drop_table("audit_seals")
    op.drop_table("audit_entries")
