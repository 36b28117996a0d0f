"""SQL access to the audit log: inserts, sealing, verification reads, queries and erasure."""

from __future__ import annotations

import datetime as dt
from collections.abc import Generator, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import Connection, Select, bindparam, delete, func, insert, null, select, update

from kontor.db.fast import FastStatement
from kontor.platform.audit.chain import ChainLink, Seal
from kontor.platform.audit.entries import ERASE_ACTION, AuditEntry
from kontor.platform.audit.tables import audit_entries, audit_seals

_INSERT_ENTRIES = FastStatement(insert(audit_entries))  # built once: this runs on every command
_LINK_ENTRY = (
    update(audit_entries)
    .where(audit_entries.c.entry_id == bindparam("linked_entry_id"))
    .values(
        chain_position=bindparam("position"),
        previous_entry_id=bindparam("previous"),
        chain_mac=bindparam("mac"),
    )
)
_STREAM = {"yield_per": 1000}  # verification and export read large logs in bounded memory


@dataclass(frozen=True)
class AuditQuery:
    """Which entries to list or export; every criterion is optional."""

    entity_type: str | None = None
    entity_id: str | None = None
    actor: str | None = None
    since: dt.datetime | None = None
    until: dt.datetime | None = None


def insert_entries(connection: Connection, entries: Sequence[AuditEntry]) -> None:
    """Insert new entries (on PostgreSQL sent with the transaction's next statement or commit)."""
    # vars, not asdict: asdict deep-copies every difference, a third of the audit log's cost
    _INSERT_ENTRIES.execute_later(connection, [dict(vars(entry)) for entry in entries])


def tenants_with_entries(connection: Connection) -> list[str]:
    """Every tenant that has audit entries or seals."""
    entries = select(audit_entries.c.tenant_id).distinct()
    seals = select(audit_seals.c.tenant_id).distinct()
    return sorted(set(connection.scalars(entries)) | set(connection.scalars(seals)))


def tenants_to_seal(connection: Connection, up_to: dt.datetime) -> list[str]:
    """Tenants with unsealed entries recorded until ``up_to``."""
    query = (
        select(audit_entries.c.tenant_id)
        .where(audit_entries.c.chain_position.is_(None), audit_entries.c.recorded_at <= up_to)
        .distinct()
    )
    return sorted(connection.scalars(query))


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
    row = connection.execute(
        select(audit_seals)
        .where(audit_seals.c.tenant_id == tenant_id)
        .order_by(audit_seals.c.seal_number.desc())
        .limit(1)
    ).one_or_none()
    return Seal(**row._mapping) if row else None


def unsealed_entries(
    connection: Connection, tenant_id: str, up_to: dt.datetime, limit: int
) -> list[AuditEntry]:
    """Up to ``limit`` of a tenant's unsealed entries recorded until ``up_to``, oldest first."""
    rows = connection.execute(
        select(audit_entries)
        .where(
            audit_entries.c.tenant_id == tenant_id,
            audit_entries.c.chain_position.is_(None),
            audit_entries.c.recorded_at <= up_to,
        )
        .order_by(audit_entries.c.recorded_at, audit_entries.c.entry_id)
        .limit(limit)
    )
    return [AuditEntry(**row._mapping) for row in rows]


def write_seal(connection: Connection, links: Sequence[ChainLink], seal: Seal) -> None:
    """Write the chain links into their entries and record the seal of their head."""
    connection.execute(
        _LINK_ENTRY,
        [
            {
                "linked_entry_id": link.entry_id,
                "position": link.position,
                "previous": link.previous_entry_id,
                "mac": link.chain_mac,
            }
            for link in links
        ],
    )
    connection.execute(insert(audit_seals).values(asdict(seal)))


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
    result = connection.execute(delete(audit_entries).where(audit_entries.c.entry_id.in_(oldest)))
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
        select(audit_entries)
        .where(audit_entries.c.tenant_id == tenant_id, audit_entries.c.chain_position.is_(None))
        .order_by(audit_entries.c.entry_id)
    )
    yield from _streamed(connection, query)


def erasures(connection: Connection, tenant_id: str) -> dict[str, str]:
    """A tenant's erasure entries: entry id → the data subject erased."""
    rows = connection.execute(
        select(audit_entries.c.entry_id, audit_entries.c.entity_id).where(
            audit_entries.c.tenant_id == tenant_id, audit_entries.c.action == ERASE_ACTION
        )
    )
    return {row.entry_id: row.entity_id for row in rows}


def erase_differences(connection: Connection, tenant_id: str, subject: str, by: str) -> int:
    """Remove the differences (and salts) of a data subject's entries; return how many."""
    result = connection.execute(
        update(audit_entries)
        .where(
            audit_entries.c.tenant_id == tenant_id,
            audit_entries.c.subject == subject,
            audit_entries.c.erased_by.is_(None),
        )
        .values(difference=null(), difference_salt=None, erased_by=by)
    )
    return result.rowcount


def query_entries(
    connection: Connection,
    tenant_id: str,
    query: AuditQuery,
    after: str | None = None,
    limit: int | None = None,
) -> Generator[AuditEntry]:
    """A tenant's entries matching ``query`` in id order, from after ``after`` (keyset paging)."""
    columns = audit_entries.c
    conditions: list[Any] = [columns.tenant_id == tenant_id]
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
    statement = select(audit_entries).where(*conditions).order_by(columns.entry_id)
    if limit is not None:
        statement = statement.limit(limit)
    yield from _streamed(connection, statement)


def _streamed(connection: Connection, statement: Select[Any]) -> Generator[AuditEntry]:
    # Closed even when the reader stops early (a server-side cursor on PostgreSQL).
    result = connection.execution_options(**_STREAM).execute(statement)
    try:
        for row in result:
            yield AuditEntry(**row._mapping)
    finally:
        result.close()
