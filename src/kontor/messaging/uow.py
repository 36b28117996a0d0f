"""The unit of work: one transaction whose emitted events reach the outbox in that transaction."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from types import TracebackType
from typing import Any

from sqlalchemy import Connection, Engine, insert

from kontor.db import connect_for_writing
from kontor.db.fast import FastStatement
from kontor.messaging.clock import Clock
from kontor.messaging.messages import ENVELOPE_FIELDS, Message
from kontor.messaging.tables import outbox

AfterCommit = Callable[[Sequence[Message]], None]

_INSERT_OUTBOX = FastStatement(insert(outbox))  # built once: this runs on every commit


class UnitOfWork:
    """A database transaction that collects emitted messages and writes them to the outbox.

    Use as a context manager; nothing is committed unless ``commit()`` is called. Messages are
    handed to ``after_commit`` only once the transaction committed and the connection was released.
    """

    def __init__(
        self,
        engine: Engine,
        clock: Clock,
        after_commit: AfterCommit | None = None,
        *,
        writes: bool = True,
    ) -> None:
        self._engine = engine
        self._writes = writes
        self.clock = clock
        self._after_commit = after_commit
        self._connection: Connection | None = None
        self._pending: list[Message] = []
        self._committed: list[Message] = []

    @property
    def connection(self) -> Connection:
        """The connection of the open transaction; stores run their statements on it."""
        if self._connection is None:
            raise RuntimeError("unit of work used outside its 'with' block")
        return self._connection

    def __enter__(self) -> UnitOfWork:
        # The transaction begins with the first statement (SQLAlchemy's autobegin). Only a
        # writing one takes SQLite's write lock, so that reads go on while another one writes.
        self._connection = (
            connect_for_writing(self._engine) if self._writes else self._engine.connect()
        )
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        connection = self.connection
        try:
            if connection.in_transaction():
                connection.rollback()
        finally:
            connection.close()
            self._connection = None
        committed, self._committed = self._committed, []
        if committed and self._after_commit is not None and exc is None:
            self._after_commit(committed)

    def emit(self, *messages: Message) -> None:
        """Queue messages to be written to the outbox when this unit of work commits."""
        self._pending.extend(messages)

    def commit(self) -> None:
        """Write the queued messages to the outbox and commit the transaction."""
        if not self._writes:
            raise RuntimeError("a reading unit of work cannot commit")
        connection = self.connection
        if self._pending:
            _INSERT_OUTBOX.execute_many(connection, [outbox_row(m) for m in self._pending])
        connection.commit()
        self._committed.extend(self._pending)
        self._pending = []

    def rollback(self) -> None:
        """Discard the transaction's changes and the messages emitted in it."""
        self._pending = []
        self.connection.rollback()

    @contextmanager
    def savepoint(self) -> Iterator[None]:
        """Run a block that is undone alone (changes and emitted messages) when it raises."""
        emitted_before = len(self._pending)
        nested = self.connection.begin_nested()
        try:
            yield
        except BaseException:
            nested.rollback()
            del self._pending[emitted_before:]
            raise
        nested.commit()


def outbox_row(message: Message) -> dict[str, Any]:
    """The outbox row that stores ``message``."""
    envelope = {name: getattr(message, name) for name in ENVELOPE_FIELDS}
    return {
        **envelope,
        "type_name": message.type_name,
        "schema_version": message.schema_version,
        "payload": message.payload(),
    }
