"""Tables of the audit log: entries not yet sealed, the chained entries, each tenant's seals."""

from __future__ import annotations

from typing import Any

from sqlalchemy import BigInteger, Column, Index, Integer, PrimaryKeyConstraint, String, Table

from kontor.db import JsonDocument, UtcDateTime, metadata, tenant_column_type


def _entry_columns() -> list[Column[Any]]:
    """The columns an entry has from the moment it is written (fresh objects for each table)."""
    return [
        Column("entry_id", String(36), nullable=False),
        Column("tenant_id", tenant_column_type(), nullable=False),
        Column("recorded_at", UtcDateTime, nullable=False),
        Column("actor", String(200), comment="user id; null: Kontor itself"),
        Column("action", String(200), nullable=False),
        Column("entity_type", String(100), nullable=False),
        Column("entity_id", String(300), nullable=False),
        Column("correlation_id", String(64)),
        Column(
            "subject", String(300), comment="data subject the difference belongs to (reference)"
        ),
        Column(
            "difference_mac", String(64), nullable=False, comment="keyed hash of salt + difference"
        ),
        Column("content_mac", String(64), nullable=False, comment="keyed hash of the fields above"),
        Column("difference", JsonDocument, comment="before/after; outside the hash, erasable"),
        Column("difference_salt", String(32), comment="erased with the difference"),
        Column("erased_by", String(36), comment="the erasure entry that removed the difference"),
    ]


# Writers append here, sealing moves the entries into the chain (audit_entries). No index but
# the row number: an audited transaction writes one page of this table, where the chain's five
# indexes would cost a page each in every commit; sealing fills them for a whole batch at once.
audit_unsealed = Table(
    "audit_unsealed",
    metadata,
    Column(
        "sequence",
        BigInteger().with_variant(Integer, "sqlite"),  # SQLite: the row id itself
        primary_key=True,
        autoincrement=True,
    ),
    *_entry_columns(),
    comment="Audit log: entries written since the last seal, in the order they came",
)

audit_entries = Table(
    "audit_entries",
    metadata,
    *_entry_columns(),
    Column("chain_position", BigInteger, comment="set by sealing: 1, 2, ... per tenant"),
    Column("previous_entry_id", String(36), comment="set by sealing: the entry chained before"),
    Column("chain_mac", String(64), comment="set by sealing: keyed hash over the chain so far"),
    PrimaryKeyConstraint("tenant_id", "entry_id"),  # a tenant's entries by id: its listings
    comment="Audit log: every state change through the service layer, append-only",
)
Index(
    "uq_audit_entries_chain_position",
    audit_entries.c.tenant_id,
    audit_entries.c.chain_position,
    unique=True,
    sqlite_where=audit_entries.c.chain_position.is_not(None),
    postgresql_where=audit_entries.c.chain_position.is_not(None),
)
Index(
    "ix_audit_entries_entity",
    audit_entries.c.tenant_id,
    audit_entries.c.entity_type,
    audit_entries.c.entity_id,
    audit_entries.c.entry_id,
)
Index(
    "ix_audit_entries_actor",
    audit_entries.c.tenant_id,
    audit_entries.c.actor,
    audit_entries.c.entry_id,
)
Index(
    "ix_audit_entries_subject",
    audit_entries.c.tenant_id,
    audit_entries.c.subject,
    sqlite_where=audit_entries.c.subject.is_not(None),
    postgresql_where=audit_entries.c.subject.is_not(None),
)

audit_seals = Table(
    "audit_seals",
    metadata,
    Column("tenant_id", tenant_column_type(), primary_key=True),
    Column("seal_number", Integer, primary_key=True, autoincrement=False),
    Column("sealed_at", UtcDateTime, nullable=False),
    Column("sealed_up_to", UtcDateTime, nullable=False, comment="entries recorded until then"),
    Column("last_position", BigInteger, nullable=False, comment="chain position of the head"),
    Column("head_entry_id", String(36), nullable=False),
    Column("head_chain_mac", String(64), nullable=False),
    Column(
        "seal_mac", String(64), nullable=False, comment="keyed hash over this seal and the last"
    ),
    comment="Sealed heads of each tenant's audit chain, kept apart from the chain",
)
