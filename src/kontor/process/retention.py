"""History retention run from the background loop: now and then, in bounded batches."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from kontor.messaging import MessageBus
from kontor.process.store.retention import purge_expired_history


@dataclass
class HistoryRetention:
    """Purges expired process history at most once per ``every``, one transaction per batch.

    ``ttl`` applies to processes without a time to live of their own; None keeps those forever.
    """

    bus: MessageBus
    ttl: dt.timedelta | None
    every: dt.timedelta = dt.timedelta(hours=1)
    batch: int = 500
    max_batches: int = 20
    _due_at: dt.datetime | None = None

    def run_if_due(self) -> int:
        """Purge if ``every`` has passed since the last round; return how many instances went."""
        now = self.bus.clock.now()
        if self._due_at is not None and now < self._due_at:
            return 0
        purged, done = self.run(now)
        # A backlog larger than one round continues on the next tick instead of blocking this one.
        self._due_at = now + self.every if done else now
        return purged

    def run(self, now: dt.datetime) -> tuple[int, bool]:
        """Purge up to ``max_batches`` batches; return the count and whether nothing is left."""
        total = 0
        for _ in range(self.max_batches):
            with self.bus.unit_of_work() as uow:
                purged = purge_expired_history(uow.connection, now, self.ttl, self.batch)
                uow.commit()
            total += purged
            if purged < self.batch:
                return total, True
        return total, False
