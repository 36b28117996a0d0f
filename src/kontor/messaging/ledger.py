"""SQL of the delivery ledger (inbox), built once per dialect and reused on the hot path."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, Engine, bindparam, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite

from kontor.db.fast import FastStatement
from kontor.db.lists import any_of_parameter
from kontor.messaging.tables import deliveries, outbox

DONE, RETRYING, DEAD = "done", "retrying", "dead"

_KEY = (deliveries.c.message_id == bindparam("m_id")) & (deliveries.c.handler == bindparam("h"))


class Ledger:
    """Reads and writes delivery rows; one instance per engine (dialect-specific upserts)."""

    def __init__(self, engine: Engine) -> None:
        dialect_insert = postgresql.insert if engine.dialect.name == "postgresql" else sqlite.insert
        self._insert_done = FastStatement(insert(deliveries))
        self._claim_new = (
            dialect_insert(deliveries)
            .values(
                message_id=bindparam("m_id"),
                handler=bindparam("h"),
                tenant_id=bindparam("t"),
                status=DONE,
                attempts=1,
                updated_at=bindparam("now"),
            )
            .on_conflict_do_nothing()
            .returning(deliveries.c.attempts)  # rowcount is unreliable here on psycopg
        )
        self._claim_retry = (
            update(deliveries)
            .where(
                _KEY,
                deliveries.c.status == RETRYING,
                deliveries.c.next_attempt_at <= bindparam("now"),
            )
            .values(status=DONE, attempts=deliveries.c.attempts + 1, updated_at=bindparam("now"))
            .returning(deliveries.c.attempts)
        )
        self._attempts = select(deliveries.c.attempts).where(_KEY)
        upsert = dialect_insert(deliveries)
        self._record_failure = upsert.on_conflict_do_update(
            index_elements=["message_id", "handler"],
            set_={
                name: upsert.excluded[name]
                for name in ("status", "attempts", "last_error", "next_attempt_at", "updated_at")
            },
        )
        self._postgres = engine.dialect.name == "postgresql"
        # PostgreSQL: a batch's rows in one statement (an array of ids); SQLite: one per row
        self._mark_dispatched = FastStatement(
            update(outbox)
            .where(
                any_of_parameter(outbox.c.message_id, "m_ids")
                if self._postgres
                else outbox.c.message_id == bindparam("m_id"),
                outbox.c.dispatched_at.is_(None),
            )
            .values(dispatched_at=bindparam("now"))
        )

    def record_done(self, connection: Connection, rows: Sequence[dict[str, Any]]) -> None:
        """Insert 'done' rows for first deliveries; a duplicate makes the transaction fail (on
        PostgreSQL at its commit: the rows are sent with it)."""
        self._insert_done.execute_later(connection, rows)

    def claim(
        self,
        connection: Connection,
        message_id: str,
        handler: str,
        tenant_id: str,
        now: dt.datetime,
    ) -> bool:
        """Record that a handler runs now; False when it already ran or is not due."""
        params = {"m_id": message_id, "h": handler, "t": tenant_id, "now": now}
        if connection.execute(self._claim_new, params).first() is not None:
            return True
        return connection.execute(self._claim_retry, params).first() is not None

    def attempts(self, connection: Connection, message_id: str, handler: str) -> int:
        """How often the handler has tried this message so far."""
        found = connection.execute(self._attempts, {"m_id": message_id, "h": handler}).scalar()
        return int(found or 0)

    def record_failure(self, connection: Connection, row: dict[str, Any]) -> None:
        """Store a failed attempt (status, attempts, error, next attempt)."""
        connection.execute(self._record_failure, row)

    def mark_dispatched(self, connection: Connection, ids: Sequence[str], now: dt.datetime) -> None:
        """Mark outbox rows as delivered to all their handlers."""
        if self._postgres:
            self._mark_dispatched.execute_later(connection, [{"m_ids": list(ids), "now": now}])
        else:
            self._mark_dispatched.execute_later(
                connection, [{"m_id": message_id, "now": now} for message_id in ids]
            )
