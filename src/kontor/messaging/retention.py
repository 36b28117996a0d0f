"""Purges run from the background loop now and then, in bounded batches of one transaction each;
and the purge of messages that have long left the outbox."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Connection, Engine, delete, or_, select

from kontor.messaging.clock import Clock
from kontor.messaging.ledger import DONE
from kontor.messaging.tables import deliveries, outbox
from kontor.messaging.uow import UnitOfWork

Purge = Callable[[Connection, dt.datetime, int], int]


@dataclass
class BatchedPurge:
    """Runs ``purge(connection, before, batch)`` for what is older than ``keep``, at most once
    per ``every``, one transaction per batch; a backlog larger than one round continues on the
    next tick instead of blocking this one."""

    engine: Engine
    clock: Clock
    purge: Purge
    keep: dt.timedelta
    every: dt.timedelta = dt.timedelta(hours=1)
    batch: int = 1000
    max_batches: int = 20
    _due_at: dt.datetime | None = None

    def run_if_due(self) -> int:
        """Purge if ``every`` has passed since the last round; return how many rows went."""
        now = self.clock.now()
        if self._due_at is not None and now < self._due_at:
            return 0
        total = 0
        for _ in range(self.max_batches):
            with UnitOfWork(self.engine, self.clock) as uow:
                purged = self.purge(uow.connection, now - self.keep, self.batch)
                uow.commit()
            total += purged
            if purged < self.batch:
                self._due_at = now + self.every
                return total
        self._due_at = now
        return total


def purge_delivered_messages(connection: Connection, before: dt.datetime, batch: int) -> int:
    """Delete up to ``batch`` outbox messages that left before ``before``, with their deliveries.

    A message one of whose handlers is still retrying or dead stays, so that it can be retried.
    """
    unfinished = select(deliveries.c.message_id).where(
        deliveries.c.message_id == outbox.c.message_id, deliveries.c.status != DONE
    )
    rows = connection.execute(
        select(outbox.c.position, outbox.c.message_id)
        .where(
            or_(outbox.c.dispatched_at < before, outbox.c.published_at < before),
            ~unfinished.exists(),
        )
        .order_by(outbox.c.position)
        .limit(batch)
    ).all()
    if rows:
        connection.execute(
            delete(deliveries).where(deliveries.c.message_id.in_([row.message_id for row in rows]))
        )
        connection.execute(delete(outbox).where(outbox.c.position.in_([r.position for r in rows])))
    return len(rows)
