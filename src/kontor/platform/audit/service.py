"""The audit log's entry point: writes entries for the bus, seals, verifies, erases, queries."""

from __future__ import annotations

import datetime as dt
from collections.abc import Generator, Sequence
from contextlib import closing
from dataclasses import dataclass

from sqlalchemy import Connection, Engine

from kontor.db import connect_for_writing, reading
from kontor.db.ids import time_ordered_id
from kontor.messaging import Change, RecordedChange, current_correlation_id
from kontor.platform.audit import store
from kontor.platform.audit.chain import ChainHead, Seal, link, new_seal
from kontor.platform.audit.entries import ERASE_ACTION, AuditEntry, AuditKey, new_entry_row
from kontor.platform.audit.store import AuditQuery
from kontor.platform.audit.verification import Problem, verify_tenant

DATA_SUBJECT = "data_subject"


@dataclass(frozen=True)
class AuditPage:
    """One page of entries; ``next_after`` is the cursor of the next page (None: last page)."""

    entries: list[AuditEntry]
    next_after: str | None


@dataclass(frozen=True)
class Verification:
    """The outcome of verifying the log: the tenants checked and the first problem, if any."""

    tenants: list[str]
    problem: Problem | None


class AuditLog:
    """The append-only record of state changes, chained per tenant by a later seal step.

    As the bus's ``ChangeLog`` it inserts one entry per recorded change in the committing
    transaction: no lock, no read of earlier rows, so writers of a tenant never wait on each other,
    and into a table with no index but its row number (one page per commit); sealing moves the
    entries into the indexed chain a batch at a time.
    """

    def __init__(
        self, key: AuditKey, retention: dt.timedelta | None = None, batch: int = 10_000
    ) -> None:
        self.key = key
        self.retention = retention
        self.batch = batch

    def write(self, connection: Connection, changes: Sequence[RecordedChange]) -> None:
        """Insert an entry for each change in the open transaction."""
        store.insert_entries(
            connection, [new_entry_row(self.key, time_ordered_id(), change) for change in changes]
        )

    def seal(self, engine: Engine, up_to: dt.datetime, now: dt.datetime) -> list[Seal]:
        """Chain and seal every tenant's entries recorded until ``up_to``; the new seals.

        One transaction per tenant and batch. Run one sealer at a time: a second one that
        races for the same tenant fails on the seal's key without changing anything.
        """
        with reading(engine) as connection:
            tenants = store.tenants_to_seal(connection, up_to)
        made: list[Seal] = []
        for tenant_id in tenants:
            full = True  # a batch shorter than the limit took the tenant's last entries
            while full and (sealed := self._seal_batch(engine, tenant_id, up_to, now)):
                made.append(sealed[0])
                full = sealed[1] == self.batch
        return made

    def _seal_batch(
        self, engine: Engine, tenant_id: str, up_to: dt.datetime, now: dt.datetime
    ) -> tuple[Seal, int] | None:
        """Seal up to a batch of the tenant's entries: the seal and how many it covers."""
        with connect_for_writing(engine) as connection, connection.begin():
            previous = store.last_seal(connection, tenant_id)
            unsealed = store.unsealed_entries(connection, tenant_id, up_to, self.batch)
            if not unsealed:
                return None
            links = link(self.key, ChainHead.after(previous), unsealed)
            seal = new_seal(self.key, tenant_id, previous, links[-1], now, up_to)
            store.write_seal(connection, unsealed, links, seal)
        return seal, len(unsealed)

    def verify(
        self, engine: Engine, now: dt.datetime, tenant_id: str | None = None
    ) -> Verification:
        """Check every hash, link and seal (of one tenant); stop at the first problem."""
        horizon = None if self.retention is None else now - self.retention
        with reading(engine) as connection:
            tenants = [tenant_id] if tenant_id else store.tenants_with_entries(connection)
            for tenant in tenants:
                seals, erasures = (
                    store.seals(connection, tenant),
                    store.erasures(connection, tenant),
                )
                with (
                    closing(store.chained_entries(connection, tenant)) as chained,
                    closing(store.entries_not_chained(connection, tenant)) as unsealed,
                ):
                    problem = verify_tenant(
                        self.key, seals, chained, unsealed, erasures, purge_horizon=horizon
                    )
                if problem is not None:
                    return Verification(tenants, problem)
        return Verification(tenants, None)

    def purge(self, engine: Engine, now: dt.datetime) -> int:
        """Delete entries older than the retention whose seals are older too; how many went.

        Only whole sealed rounds go, so the seals still cover what is left. One transaction
        per tenant and batch.
        """
        if self.retention is None:
            return 0
        horizon = now - self.retention
        with reading(engine) as connection:
            tenants = store.tenants_sealed_before(connection, horizon)
        purged = 0
        for tenant_id in tenants:
            while True:
                with connect_for_writing(engine) as connection, connection.begin():
                    through = store.purgeable_position(connection, tenant_id, horizon)
                    deleted = store.delete_chained_through(
                        connection, tenant_id, through, self.batch
                    )
                purged += deleted
                if deleted < self.batch:
                    break
        return purged

    def erase_subject(
        self,
        connection: Connection,
        tenant_id: str,
        subject: str,
        actor: str | None,
        now: dt.datetime,
    ) -> int:
        """Erase the personal values (differences) of a data subject's entries; return how many.

        The chained fields stay, so the chain stays verifiable; the erasure is an entry itself.
        """
        erasure_id = time_ordered_id()
        erased = store.erase_differences(connection, tenant_id, subject, erasure_id)
        change = Change(ERASE_ACTION, DATA_SUBJECT, subject, after={"entries": erased})
        recorded = RecordedChange(change, tenant_id, actor, current_correlation_id(), now)
        store.insert_entries(connection, [new_entry_row(self.key, erasure_id, recorded)])
        return erased

    def entries(
        self, connection: Connection, tenant_id: str, query: AuditQuery
    ) -> Generator[AuditEntry]:
        """Every entry of a tenant matching ``query``, oldest first (streamed, for exports)."""
        return store.query_entries(connection, tenant_id, query)

    def page(
        self,
        connection: Connection,
        tenant_id: str,
        query: AuditQuery,
        after: str | None,
        limit: int,
    ) -> AuditPage:
        """One page of a tenant's entries matching ``query``, oldest first, after ``after``."""
        entries = list(store.query_entries(connection, tenant_id, query, after, limit + 1))
        more = len(entries) > limit
        entries = entries[:limit]
        return AuditPage(entries, entries[-1].entry_id if more else None)


@dataclass
class SealSchedule:
    """Seals (and purges) the audit log from the background loop at most once per ``every``.

    Entries younger than ``grace`` wait for the next round, so a transaction that is still
    committing is not left behind a seal of its time.
    """

    log: AuditLog
    engine: Engine
    every: dt.timedelta
    grace: dt.timedelta
    _due_at: dt.datetime | None = None

    def run_if_due(self, now: dt.datetime) -> list[Seal]:
        """Seal, then purge what the retention lets go, once ``every`` passed; the new seals."""
        if self._due_at is not None and now < self._due_at:
            return []
        self._due_at = now + self.every
        seals = self.log.seal(self.engine, now - self.grace, now)
        self.log.purge(self.engine, now)
        return seals
