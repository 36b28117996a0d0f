"""SQL access to the audit log: inserts, sealing, verification reads, queries and erasure."""

from __future__ import annotations

import datetime as dt
from collections.abc import Generator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    CompoundSelect,
    Connection,
    Select,
    String,
    Subquery,
    Table,
    bindparam,
    cast,
    delete,
    func,
    insert,
    null,
    select,
    union,
    union_all,
    update,
)

from kontor.db.fast import FastStatement
from kontor.platform.audit.chain import ChainLink, Seal
from kontor.platform.audit.entries import ERASE_ACTION, AuditEntry
from kontor.platform.audit.tables import audit_entries, audit_seals, audit_unsealed

_INSERT_ENTRIES = FastStatement(insert(audit_unsealed))  # built once: this runs on every command
_ENTRY_COLUMNS = [c.name for c in audit_unsealed.c if c.name != "sequence"]
_CHAIN_ENTRY = FastStatement(  # copied in the database, its difference never decoded
    insert(audit_entries).from_select(
        [*_ENTRY_COLUMNS, "chain_position", "previous_entry_id", "chain_mac"],
        select(
            *(audit_unsealed.c[name] for name in _ENTRY_COLUMNS),
            bindparam("position", type_=BigInteger),
            bindparam("previous", type_=String),
            bindparam("mac", type_=String),
        ).where(audit_unsealed.c.sequence == bindparam("moved")),
    )
)
_UNSEAL = FastStatement(
    delete(audit_unsealed).where(audit_unsealed.c.sequence == bindparam("moved"))
)
_u = audit_unsealed.c
_UNSEALED = FastStatement(  # sealing's reads, built once (the background loop runs them)
    select(_u.sequence, _u.entry_id, _u.content_mac)
    .where(_u.tenant_id == bindparam("tenant_id"), _u.recorded_at <= bindparam("up_to"))
    .order_by(_u.recorded_at, _u.entry_id)
    .limit(bindparam("limit", type_=BigInteger))
    .with_for_update()
)
_TENANTS_TO_SEAL = FastStatement(
    select(_u.tenant_id).where(_u.recorded_at <= bindparam("up_to")).distinct()
)
_LAST_SEAL = FastStatement(
    select(audit_seals)
    .where(audit_seals.c.tenant_id == bindparam("tenant_id"))
    .order_by(audit_seals.c.seal_number.desc())
    .limit(1)
)
_INSERT_SEAL = FastStatement(insert(audit_seals))
_STREAM = {"yield_per": 1000}  # verification and export read large logs in bounded memory


@dataclass(frozen=True)
class AuditQuery:
    """Which entries to list or export; every criterion is optional."""

    entity_type: str | None = None
    entity_id: str | None = None
    actor: str | None = None
    since: dt.datetime | None = None
    until: dt.datetime | None = None


def insert_entries(connection: Connection, rows: Sequence[Mapping[str, Any]]) -> None:
    """Insert new entries' rows (on PostgreSQL sent with the transaction's next statement)."""
    _INSERT_ENTRIES.execute_later(connection, rows)


def tenants_with_entries(connection: Connection) -> list[str]:
    """Every tenant that has audit entries or seals."""
    tables = (audit_unsealed, audit_entries, audit_seals)
    return sorted(connection.scalars(union(*(select(t.c.tenant_id) for t in tables))))


def tenants_to_seal(connection: Connection, up_to: dt.datetime) -> list[str]:
    """Tenants with unsealed entries recorded until ``up_to``."""
    return sorted(row.tenant_id for row in _TENANTS_TO_SEAL.all_rows(connection, {"up_to": up_to}))


def seals(connection: Connection, tenant_id: str) -> list[Seal]:
    """A tenant's seals in order."""
    rows = connection.execute(
        select(audit_seals)
        .where(audit_seals.c.tenant_id == tenant_id)
        .order_by(audit_seals.c.seal_number)
    )
    return [Seal(**row._mapping) for row in rows]


def last_seal(connection: Connection, tenant_id: str) -> Seal | None:
    """A tenant's newest seal, if any."""
    row = _LAST_SEAL.first_row(connection, {"tenant_id": tenant_id})
    return Seal(**row._asdict()) if row else None


class Unsealed(NamedTuple):
    """What sealing needs of an unsealed entry: where it is, its id and its content hash."""

    sequence: int
    entry_id: str
    content_mac: str


def unsealed_entries(
    connection: Connection, tenant_id: str, up_to: dt.datetime, limit: int
) -> list[Unsealed]:
    """Up to ``limit`` of a tenant's unsealed entries recorded until ``up_to``, oldest first.

    Locked until the transaction ends (PostgreSQL; SQLite has one writer anyway): an erasure
    waits for the move into the chain instead of changing a row that is being copied.
    """
    params = {"tenant_id": tenant_id, "up_to": up_to, "limit": limit}
    return [Unsealed(*row) for row in _UNSEALED.all_rows(connection, params)]


def write_seal(
    connection: Connection, sealed: Sequence[Unsealed], links: Sequence[ChainLink], seal: Seal
) -> None:
    """Move the sealed entries into the chain with their links; record the seal of their head."""
    _CHAIN_ENTRY.execute_many(
        connection,
        [
            {
                "moved": entry.sequence,
                "position": link.position,
                "previous": link.previous_entry_id,
                "mac": link.chain_mac,
            }
            for entry, link in zip(sealed, links, strict=True)
        ],
    )
    _UNSEAL.execute_many(connection, [{"moved": entry.sequence} for entry in sealed])
    _INSERT_SEAL.execute(connection, vars(seal))


def tenants_sealed_before(connection: Connection, horizon: dt.datetime) -> list[str]:
    """Tenants with a seal that sealed up to ``horizon`` or earlier (seals are few: cheap)."""
    query = select(audit_seals.c.tenant_id).where(audit_seals.c.sealed_up_to <= horizon)
    return sorted(set(connection.scalars(query.distinct())))


def purgeable_position(connection: Connection, tenant_id: str, horizon: dt.datetime) -> int:
    """The last chain position of the tenant's newest seal that sealed up to ``horizon``."""
    query = select(func.max(audit_seals.c.last_position)).where(
        audit_seals.c.tenant_id == tenant_id, audit_seals.c.sealed_up_to <= horizon
    )
    return int(connection.scalar(query) or 0)


def delete_chained_through(
    connection: Connection, tenant_id: str, position: int, limit: int
) -> int:
    """Delete up to ``limit`` of the tenant's oldest entries chained at ``position`` or before."""
    oldest = (
        select(audit_entries.c.entry_id)
        .where(audit_entries.c.tenant_id == tenant_id, audit_entries.c.chain_position <= position)
        .order_by(audit_entries.c.chain_position)
        .limit(limit)
    )
    result = connection.execute(
        delete(audit_entries).where(
            audit_entries.c.tenant_id == tenant_id, audit_entries.c.entry_id.in_(oldest)
        )  # the primary key (tenant, entry id) finds them
    )
    return result.rowcount


def chained_entries(connection: Connection, tenant_id: str) -> Generator[AuditEntry]:
    """A tenant's sealed entries by chain position."""
    query = (
        select(audit_entries)
        .where(audit_entries.c.tenant_id == tenant_id, audit_entries.c.chain_position.is_not(None))
        .order_by(audit_entries.c.chain_position)
    )
    yield from _streamed(connection, query)


def entries_not_chained(connection: Connection, tenant_id: str) -> Generator[AuditEntry]:
    """A tenant's entries that no seal has chained yet."""
    query = (
        select(*_as_entries(audit_unsealed))
        .where(audit_unsealed.c.tenant_id == tenant_id)
        .order_by(audit_unsealed.c.entry_id)
    )
    yield from _streamed(connection, query)


def erasures(connection: Connection, tenant_id: str) -> dict[str, str]:
    """A tenant's erasure entries: entry id → the data subject erased."""
    rows = connection.execute(
        union_all(
            *(
                select(t.c.entry_id, t.c.entity_id).where(
                    t.c.tenant_id == tenant_id, t.c.action == ERASE_ACTION
                )
                for t in (audit_entries, audit_unsealed)
            )
        )
    )
    return {row.entry_id: row.entity_id for row in rows}


def erase_differences(connection: Connection, tenant_id: str, subject: str, by: str) -> int:
    """Remove the differences (and salts) of a data subject's entries; return how many."""
    erased = 0
    # Unsealed first: an entry that sealing moves meanwhile is in the chain when the second
    # statement looks (each statement sees what committed before it began).
    for table in (audit_unsealed, audit_entries):
        result = connection.execute(
            update(table)
            .where(
                table.c.tenant_id == tenant_id,
                table.c.subject == subject,
                table.c.erased_by.is_(None),
            )
            .values(difference=null(), difference_salt=None, erased_by=by)
        )
        erased += result.rowcount
    return erased


def query_entries(
    connection: Connection,
    tenant_id: str,
    query: AuditQuery,
    after: str | None = None,
    limit: int | None = None,
) -> Generator[AuditEntry]:
    """A tenant's entries matching ``query`` in id order, from after ``after`` (keyset paging)."""
    branches = [
        select(*_as_entries(table)).where(*_matching(table, tenant_id, query, after))
        for table in (audit_entries, audit_unsealed)
    ]
    statement = union_all(*branches).order_by("entry_id")
    if limit is not None:
        statement = statement.limit(limit)
    yield from _streamed(connection, statement)


def every_entry() -> Subquery:
    """Chained and unsealed entries together, with the columns of an entry (for listings)."""
    log = union_all(*(select(*_as_entries(t)) for t in (audit_entries, audit_unsealed)))
    return log.subquery("audit_log")


def _matching(
    table: Table, tenant_id: str, query: AuditQuery, after: str | None
) -> list[ColumnElement[bool]]:
    columns = table.c
    conditions: list[ColumnElement[bool]] = [columns.tenant_id == tenant_id]
    for name in ("entity_type", "entity_id", "actor"):
        value = getattr(query, name)
        if value is not None:
            conditions.append(columns[name] == value)
    if query.since is not None:
        conditions.append(columns.recorded_at >= query.since)
    if query.until is not None:
        conditions.append(columns.recorded_at < query.until)
    if after is not None:
        conditions.append(columns.entry_id > after)
    return conditions


def _as_entries(table: Table) -> list[ColumnElement[Any]]:
    """The columns of an entry in ``table``; the unsealed have no chain fields (null)."""
    return [
        table.c[name] if name in table.c else cast(null(), audit_entries.c[name].type).label(name)
        for name in AuditEntry.__dataclass_fields__
    ]


def _streamed(
    connection: Connection, statement: Select[Any] | CompoundSelect[Any]
) -> Generator[AuditEntry]:
    # Closed even when the reader stops early (a server-side cursor on PostgreSQL).
    result = connection.execution_options(**_STREAM).execute(statement)
    try:
        for row in result:
            yield AuditEntry(**row._mapping)
    finally:
        result.close()
