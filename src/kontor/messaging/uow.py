"""The unit of work: one transaction whose emitted events reach the outbox in that transaction."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from types import TracebackType
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine, insert

from kontor.db import connect_for_writing, locks_at_begin
from kontor.db.fast import FastStatement
from kontor.messaging import wakeups
from kontor.messaging.changes import Change, ChangeLog, RecordedChange
from kontor.messaging.clock import Clock
from kontor.messaging.context import current_correlation_id
from kontor.messaging.messages import ENVELOPE_FIELDS, Message
from kontor.messaging.tables import outbox

AfterCommit = Callable[[Sequence[Message]], None]
T = TypeVar("T")

_INSERT_OUTBOX = FastStatement(insert(outbox))  # built once: this runs on every commit


class UnitOfWork:
    """A database transaction that collects emitted messages and writes them to the outbox.

    Use as a context manager; nothing is committed unless ``commit()`` is called. Messages are
    handed to ``after_commit`` only once the transaction committed and the connection was released.
    Recorded changes go to ``change_log`` in the same transaction (none: they are not kept).
    """

    def __init__(
        self,
        engine: Engine,
        clock: Clock,
        after_commit: AfterCommit | None = None,
        change_log: ChangeLog | None = None,
        *,
        writes: bool = True,
    ) -> None:
        self._engine = engine
        self._writes = writes
        self.clock = clock
        self._after_commit = after_commit
        self._change_log = change_log
        self._connection: Connection | None = None
        self._pending: list[Message] = []
        self._committed: list[Message] = []
        self._changes: list[RecordedChange] = []
        self._on_commit: list[Callable[[], None]] = []
        self._committed_callbacks: list[Callable[[], None]] = []
        self._remembered: dict[Hashable, Any] = {}
        self._ahead: dict[Hashable, Any] = {}

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
            wakeups.forget_announcement(connection)  # info outlives the checkout
            connection.close()
            self._connection = None
        committed, self._committed = self._committed, []
        if committed and self._after_commit is not None and exc is None:
            self._after_commit(committed)
        callbacks, self._committed_callbacks = self._committed_callbacks, []
        if exc is None:
            for callback in callbacks:
                callback()

    def remembered(self, key: Hashable, read: Callable[[], T]) -> T:
        """``read()``, called once per transaction for ``key``: a lookup that the handlers of a
        batch of messages would otherwise repeat for every message (forgotten at its end)."""
        if key not in self._remembered:
            self._remembered[key] = read()
        value: T = self._remembered[key]
        return value

    def keep_ahead(self, values: Mapping[Hashable, Any]) -> None:
        """Keep what a handler's read-ahead fetched for a batch of messages; each value is
        taken once (``taken``)."""
        self._ahead.update(values)

    def taken(self, key: Hashable, read: Callable[[], T]) -> T:
        """The value read ahead for ``key`` (once: asked again, it is read again), else
        ``read()``."""
        if key in self._ahead:
            value: T = self._ahead.pop(key)
            return value
        return read()

    def forget(self, key: Hashable) -> None:
        """Forget what ``remembered`` read for ``key`` (this transaction changed it)."""
        self._remembered.pop(key, None)

    @contextmanager
    def before_writing(self) -> Iterator[UnitOfWork]:
        """Where to read what a slow computation needs before this unit of work writes.

        Where a writing transaction locks the database from BEGIN (SQLite) and this one has not
        begun, a reading unit of work of its own: it holds no write lock, so a slow step (a
        runaway expression) computed from its reads blocks no other writer. Else this unit of
        work itself (once begun, its writes stay visible; PostgreSQL locks only what it writes).
        """
        if not self._writes or not locks_at_begin(self._engine) or self.connection.in_transaction():
            yield self
            return
        with UnitOfWork(self._engine, self.clock, writes=False) as reading:
            yield reading

    def on_commit(self, callback: Callable[[], None]) -> None:
        """Call ``callback`` once this transaction committed and its connection was released."""
        self._on_commit.append(callback)

    def emit(self, *messages: Message) -> None:
        """Queue messages to be written to the outbox when this unit of work commits."""
        self._pending.extend(messages)

    @property
    def records_changes(self) -> bool:
        """Whether recorded changes are kept (an audit log or usage meter is wired)."""
        return self._change_log is not None

    def record(self, change: Change, tenant_id: str, actor: str | None) -> None:
        """Record a state change made in this transaction; it is written when this commits."""
        if self._change_log is None:
            return
        self._changes.append(
            RecordedChange(change, tenant_id, actor, current_correlation_id(), self.clock.now())
        )

    def commit(self) -> None:
        """Write recorded changes and queued messages, then commit the transaction."""
        if not self._writes:
            raise RuntimeError("a reading unit of work cannot commit")
        connection = self.connection
        if self._changes and self._change_log is not None:
            self._change_log.write(connection, self._changes)
            self._changes = []
        if self._pending:
            _INSERT_OUTBOX.execute_later(connection, [outbox_row(m) for m in self._pending])
        announced = wakeups.before_commit(connection)
        connection.commit()  # PostgreSQL: the queued writes go in one round trip before it
        if announced:
            self._on_commit.append(wakeups.wake_local)
        self._remembered = {}
        self._committed.extend(self._pending)
        self._pending = []
        self._committed_callbacks.extend(self._on_commit)
        self._on_commit = []

    def rollback(self) -> None:
        """Discard the transaction's changes and the messages emitted in it."""
        self._pending = []
        self._changes = []
        self._on_commit = []
        self._remembered = {}
        self.connection.rollback()

    @contextmanager
    def savepoint(self) -> Iterator[None]:
        """Run a block that is undone alone (changes and emitted messages) when it raises."""
        emitted_before, recorded_before = len(self._pending), len(self._changes)
        callbacks_before = len(self._on_commit)
        nested = self.connection.begin_nested()
        try:
            yield
        except BaseException:
            nested.rollback()
            del self._pending[emitted_before:]
            del self._changes[recorded_before:]
            del self._on_commit[callbacks_before:]
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
