"""Which partition queues a consumer serves, shared out among the live consumers.

On PostgreSQL every consumer holds a session advisory lock naming it a member, and one lock per
partition it serves; each takes free partitions up to its fair share (partitions ÷ members,
rounded up) and gives back what lies beyond it, so the partitions spread over the consumers and
move when one joins or ends (a consumer that dies loses its locks with its session). Elsewhere
(SQLite: one machine) a consumer asks for every partition; the broker's single active consumer
per queue keeps the order either way.
"""

from __future__ import annotations

import logging
import math
import random
from typing import Protocol
from zlib import crc32

from sqlalchemy import Connection, Engine, text

log = logging.getLogger(__name__)

_TRY_LOCK = text("SELECT pg_try_advisory_lock(:kind, :number)")
_UNLOCK = text("SELECT pg_advisory_unlock(:kind, :number)")
_MEMBERS = text(
    "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted AND objsubid = 2"
    " AND classid = CAST(:kind AS oid)"
    " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
)


class Ownership(Protocol):
    """Decides which partitions this consumer consumes."""

    def rebalance(self, draining: set[int]) -> set[int]:
        """The partitions to consume from now (``draining``: given up, not yet released)."""

    def release(self, partition: int) -> None:
        """Give ``partition`` back once everything received from it is acknowledged."""

    def close(self) -> None:
        """Give every partition back."""


class EveryPartition:
    """Consume every partition; the broker picks one active consumer per queue."""

    def __init__(self, partitions: int) -> None:
        self._all = set(range(partitions))

    def rebalance(self, draining: set[int]) -> set[int]:
        """Every partition."""
        return set(self._all)

    def release(self, partition: int) -> None:
        """Nothing is held."""

    def close(self) -> None:
        """Nothing is held."""


def lock_kind(queue: str, purpose: str) -> int:
    """The first key of the advisory locks for ``purpose`` on ``queue`` (a positive int4)."""
    return crc32(f"{queue}#{purpose}".encode()) & 0x7FFFFFFF


class SharedOwnership:
    """A fair share of the partitions, agreed with the other consumers through PostgreSQL."""

    def __init__(self, engine: Engine, queue: str, partitions: int) -> None:
        self._engine = engine
        self._partitions = partitions
        self._member_kind = lock_kind(queue, "members")
        self._partition_kind = lock_kind(queue, "partitions")
        self._connection: Connection | None = None
        self._owned: set[int] = set()
        self._start = random.randrange(partitions)  # where this consumer looks first

    def rebalance(self, draining: set[int]) -> set[int]:
        """Owned partitions up to the fair share, free ones taken up to it."""
        try:
            return self._rebalance(draining)
        except Exception:
            log.exception("sharing out partitions failed; consuming none until it works again")
            self._drop_connection()
            return set()

    def _rebalance(self, draining: set[int]) -> set[int]:
        connection = self._connected()
        members = connection.execute(_MEMBERS, {"kind": self._member_kind}).scalar_one()
        share = math.ceil(self._partitions / max(int(members), 1))
        active = sorted(self._owned - draining)
        if len(active) >= share:
            return set(active[:share])
        for offset in range(self._partitions):
            if len(active) >= share:
                break
            partition = (self._start + offset) % self._partitions
            if partition in self._owned:
                continue
            if self._lock(connection, self._partition_kind, partition):
                self._owned.add(partition)
                active.append(partition)
        return set(active)

    def release(self, partition: int) -> None:
        """Unlock ``partition``."""
        if partition not in self._owned:
            return
        self._owned.discard(partition)
        if self._connection is not None:
            try:
                self._connection.execute(
                    _UNLOCK, {"kind": self._partition_kind, "number": partition}
                )
            except Exception:
                log.exception("releasing partition %d failed; ending the session", partition)
                self._drop_connection()

    def close(self) -> None:
        """End the session: every lock goes with it."""
        self._drop_connection()

    def _connected(self) -> Connection:
        if self._connection is None:
            connection = self._engine.connect().execution_options(isolation_level="AUTOCOMMIT")
            member = random.randrange(1, 0x7FFFFFFF)
            while not self._lock(connection, self._member_kind, member):
                member = random.randrange(1, 0x7FFFFFFF)
            self._connection = connection
        return self._connection

    @staticmethod
    def _lock(connection: Connection, kind: int, number: int) -> bool:
        return bool(connection.execute(_TRY_LOCK, {"kind": kind, "number": number}).scalar_one())

    def _drop_connection(self) -> None:
        self._owned.clear()
        connection, self._connection = self._connection, None
        if connection is not None:
            try:
                connection.invalidate()  # the session ends, and every lock with it
                connection.close()
            except Exception:
                log.debug("closing the partition session failed", exc_info=True)


def ownership_for(engine: Engine, queue: str, partitions: int) -> Ownership:
    """Shared out through PostgreSQL where the store is PostgreSQL, else every partition."""
    if engine.dialect.name == "postgresql":
        return SharedOwnership(engine, queue, partitions)
    return EveryPartition(partitions)
