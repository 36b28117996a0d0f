"""The unit of work: one transaction whose emitted events reach the outbox in that transaction."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Hashable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from types import TracebackType
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine, insert

from kontor.db import connect_for_reading, connect_for_writing, end_reading, locks_at_begin
from kontor.db.fast import FastStatement, Read, commit_refused, flush_later, read_together
from kontor.db.savepoints import queued_savepoint
from kontor.messaging import wakeups
from kontor.messaging.changes import Change, ChangeLog, RecordedChange
from kontor.messaging.clock import Clock
from kontor.messaging.context import current_correlation_id
from kontor.messaging.messages import ENVELOPE_FIELDS, Message
from kontor.messaging.tables import outbox

log = logging.getLogger(__name__)

AfterCommit = Callable[[Sequence[Message]], None]
DeliverWithin = Callable[[Sequence[Message], "UnitOfWork"], None]
"""Runs the handlers of messages inside the transaction that emitted them (``UnitOfWork``)."""
ROUNDS_WITHIN = 8
"""How many generations of messages (those emitted by the handlers of the last) are delivered
inside the transaction that emitted the first; later ones are delivered after its commit."""
MESSAGES_WITHIN = 500
"""How many messages at most are delivered inside one transaction: a generation that would
pass it (an import's flood of events) is delivered after the commit, in batches."""
T = TypeVar("T")
KeepRows = Callable[[list[list[Any]]], None]

_INSERT_OUTBOX = FastStatement(insert(outbox))  # built once: this runs on every commit


class UnitOfWork:
    """A database transaction that collects emitted messages and writes them to the outbox.

    Use as a context manager; nothing is committed unless ``commit()`` is called (a unit for
    reads only, ``writes=False``, ends its read-only transaction with a commit). With
    ``deliver_within``, the messages' handlers run in this transaction before it commits;
    messages they did not take are handed to ``after_commit`` only once the transaction
    committed and the connection was released. Recorded changes go to ``change_log`` in the
    same transaction (none: they are not kept).
    """

    def __init__(
        self,
        engine: Engine,
        clock: Clock,
        after_commit: AfterCommit | None = None,
        change_log: ChangeLog | None = None,
        *,
        writes: bool = True,
        deliver_within: DeliverWithin | None = None,
    ) -> None:
        self._engine = engine
        self._deliver_within = deliver_within
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
        self._reads_ahead: list[tuple[Sequence[Read], KeepRows]] = []
        self._remembering: set[Hashable] = set()

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
            connect_for_writing(self._engine) if self._writes else connect_for_reading(self._engine)
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
            if not self._writes and exc is None:
                end_reading(connection)
            elif connection.in_transaction():
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

    def read_ahead(self, reads: Sequence[Read], keep: KeepRows) -> None:
        """Queue SELECTs that handlers of the messages about to be delivered will need: they
        run with every other handler's in one round trip (``run_reads_ahead``), and ``keep``
        gets their rows to ``keep_ahead`` what they found."""
        self._reads_ahead.append((reads, keep))

    def remember_ahead(self, key: Hashable, read: Read, value: Callable[[list[Any]], Any]) -> None:
        """Queue the read of what ``remembered`` will answer for ``key`` (``value`` of the rows
        of ``read``) with the reads ahead, unless it is remembered or queued already."""
        if key in self._remembered or key in self._remembering:
            return
        self._remembering.add(key)
        self._reads_ahead.append(([read], lambda rows: self._remember(key, value(rows[0]))))

    def _remember(self, key: Hashable, value: Any) -> None:
        self._remembered[key] = value

    def run_reads_ahead(self) -> None:
        """Run the queued reads ahead together (on PostgreSQL in one round trip, behind the
        queued writes) and hand each its rows."""
        queued, self._reads_ahead = self._reads_ahead, []
        self._remembering = set()
        if not queued:
            return
        found = read_together(self.connection, *(read for reads, _ in queued for read in reads))
        for reads, keep in queued:
            keep(found[: len(reads)])
            found = found[len(reads) :]

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
        if self._pending and self._deliver_within is not None:
            self._deliver_here(connection)
        self._write_out(connection, self._pending, dispatched_at=None)
        announced = wakeups.before_commit(connection)
        connection.commit()  # PostgreSQL: the queued writes go in one round trip before it
        if announced:
            self._on_commit.append(wakeups.wake_local)
        self._remembered = {}
        self._committed.extend(self._pending)
        self._pending = []
        self._committed_callbacks.extend(self._on_commit)
        self._on_commit = []

    def _write_out(
        self, connection: Connection, messages: Sequence[Message], dispatched_at: dt.datetime | None
    ) -> None:
        """Queue the recorded changes and the outbox rows of ``messages``."""
        if self._changes and self._change_log is not None:
            self._change_log.write(connection, self._changes)
            self._changes = []
        if messages:
            rows = [outbox_row(message, dispatched_at) for message in messages]
            _INSERT_OUTBOX.execute_later(connection, rows)

    def _deliver_here(self, connection: Connection) -> None:
        """Run the handlers of the pending messages in this transaction, and of the messages
        they emit, up to ``ROUNDS_WITHIN`` generations and ``MESSAGES_WITHIN`` messages; the
        delivered ones leave the pending.

        Their outbox rows are written as dispatched, with their inbox rows. When a handler
        fails, a savepoint undoes all of it and every message is delivered after the commit,
        where failures are recorded and retried.
        """
        assert self._deliver_within is not None
        if len(self._pending) > MESSAGES_WITHIN:
            return
        pending, changes, callbacks = list(self._pending), list(self._changes), self._on_commit[:]
        try:
            with queued_savepoint(connection):
                delivered = 0
                for _ in range(ROUNDS_WITHIN):
                    batch = self._pending[delivered:]
                    if not batch or len(self._pending) > MESSAGES_WITHIN:
                        break
                    delivered = len(self._pending)
                    self._deliver_within(batch, self)
                done, self._pending = self._pending[:delivered], self._pending[delivered:]
                self._write_out(connection, done, dispatched_at=self.clock.now())
                flush_later(connection)  # a failing write fails here, inside the savepoint
        except Exception:
            if commit_refused(connection):  # the transaction failed, not only the delivery
                raise
            log.debug(
                "delivery within the transaction failed; it follows the commit", exc_info=True
            )
            self._pending, self._changes, self._on_commit = pending, changes, callbacks
            self._remembered, self._ahead = {}, {}
            self._reads_ahead, self._remembering = [], set()  # queued by a read-ahead that failed

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
        try:
            with queued_savepoint(self.connection):
                yield
        except BaseException:
            del self._pending[emitted_before:]
            del self._changes[recorded_before:]
            del self._on_commit[callbacks_before:]
            raise


def outbox_row(message: Message, dispatched_at: dt.datetime | None = None) -> dict[str, Any]:
    """The outbox row that stores ``message`` (delivered already: ``dispatched_at``)."""
    envelope = {name: getattr(message, name) for name in ENVELOPE_FIELDS}
    return {
        **envelope,
        "type_name": message.type_name,
        "schema_version": message.schema_version,
        "payload": message.payload(),
        "dispatched_at": dispatched_at,
    }
