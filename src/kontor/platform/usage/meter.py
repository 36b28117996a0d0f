"""The usage meter: counts billable transactions per tenant and month as they commit.

It is a ``ChangeLog`` like the audit log: every change recorded in a unit of work passes by, and
those whose action is billable add to their tenant's counter for the month, in the same
transaction. Each transaction adds to one of a few shard rows picked at random, so concurrent
writers of one tenant rarely wait on the same row; a query sums the shards.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, func, select
from sqlalchemy.dialects import postgresql, sqlite

from kontor.db.fast import FastStatement
from kontor.messaging import RecordedChange
from kontor.platform.usage.tables import usage_counters

BILLING_ZONE = ZoneInfo("Europe/Berlin")
SHARDS = 8


@dataclass(frozen=True)
class Usage:
    """How many transactions of one action a tenant made in one month."""

    tenant_id: str
    month: str
    action: str
    count: int


def month_of(moment: dt.datetime) -> str:
    """The billing month (``YYYY-MM``, Europe/Berlin) a moment falls in."""
    return moment.astimezone(BILLING_ZONE).strftime("%Y-%m")


class UsageMeter:
    """Counts the recorded changes whose action is billable."""

    def __init__(self, billable: Iterable[str]) -> None:
        self.billable = frozenset(billable)

    def write(self, connection: Connection, changes: Sequence[RecordedChange]) -> None:
        """Add the billable changes to their tenant's counters in the open transaction."""
        counts = Counter(
            (change.tenant_id, month_of(change.recorded_at), change.change.action)
            for change in changes
            if change.change.action in self.billable
        )
        if not counts:
            return
        shard = random.randrange(SHARDS)
        rows = [
            {"tenant_id": t, "month": m, "action": a, "shard": shard, "count": n}
            for (t, m, a), n in sorted(counts.items())  # one lock order: no deadlocks
        ]
        _add_counts(connection.dialect.name).execute_later(connection, rows)

    def usage(
        self, connection: Connection, month: str | None = None, tenant_id: str | None = None
    ) -> list[Usage]:
        """The counted transactions by tenant, month and action (of one month or tenant)."""
        counters = usage_counters.c
        query = select(
            counters.tenant_id, counters.month, counters.action, func.sum(counters.count)
        )
        if month is not None:
            query = query.where(counters.month == month)
        if tenant_id is not None:
            query = query.where(counters.tenant_id == tenant_id)
        query = query.group_by(counters.tenant_id, counters.month, counters.action).order_by(
            counters.month, counters.tenant_id, counters.action
        )
        return [Usage(row[0], row[1], row[2], int(row[3])) for row in connection.execute(query)]


@cache
def _add_counts(dialect: str) -> FastStatement:
    """The upsert adding to a counter row, built once per dialect (it runs in every commit)."""
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(usage_counters)
    return FastStatement(
        statement.on_conflict_do_update(
            index_elements=["tenant_id", "month", "action", "shard"],
            set_={"count": usage_counters.c.count + statement.excluded["count"]},
        )
    )
