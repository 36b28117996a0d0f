"""Engine creation for the embedded SQLite store and the PostgreSQL production store."""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from weakref import WeakKeyDictionary

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, DisconnectionError
from sqlalchemy.pool import StaticPool

from kontor.db import json_codec

_WRITE_OPTION = "kontor_write"  # marks a connection that will write; SQLite locks up front
_JSON_CODEC = {"json_serializer": json_codec.dumps, "json_deserializer": json_codec.loads}


def create_database_engine(
    url: str,
    *,
    echo: bool = False,
    lock_timeout_seconds: float = 30.0,
    reader: bool = False,
) -> Engine:
    """Create an engine for ``url`` with Kontor's settings for its dialect.

    ``lock_timeout_seconds`` bounds how long a statement waits for another transaction's lock
    (SQLite's busy timeout, PostgreSQL's ``lock_timeout``); then it fails as contention.
    ``reader``: on PostgreSQL, a small pool for single reading statements (see ``read_once``).
    """
    parsed = make_url(url)
    timeout_ms = max(1, round(lock_timeout_seconds * 1000))
    if parsed.get_backend_name() == "sqlite":
        return _create_sqlite_engine(url, echo=echo, busy_timeout_ms=timeout_ms)
    if parsed.drivername in ("postgresql", "postgres"):
        url = parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
    given = parsed.query.get("options", "")  # e.g. a search path; connect_args would replace it
    options = " ".join(given) if isinstance(given, tuple) else given
    engine = create_engine(
        url,
        echo=echo,
        pool_size=5 if reader else 10,
        max_overflow=10 if reader else 20,
        # the connection used last goes out first: the few that carry the usual load keep
        # their prepared statements warm instead of each pooled one preparing its own
        pool_use_lifo=True,
        **({"isolation_level": "AUTOCOMMIT"} if reader else {}),
        **_JSON_CODEC,
        connect_args={
            # JIT compiling pays off for long analytical scans only; for Kontor's short statements
            # over large tables its compile time (hundreds of ms) exceeds the query's own time
            "options": f"{options} -c lock_timeout={timeout_ms} -c jit=off".strip(),
            "connect_timeout": 10,  # a server that does not answer is unready, not a hang
            # which Kontor process a server session belongs to (pg_stat_activity, lock waits)
            "application_name": parsed.query.get("application_name") or f"kontor-{os.getpid()}",
        },
    )
    if not reader:  # the reader retries a statement on a dropped connection instead
        _ping_after_idle(engine)
        _keep_queued_writes_in_order(engine)
    return engine


def _keep_queued_writes_in_order(engine: Engine) -> None:
    """Writes queued by fast statements (``execute_later``) run before any other statement and
    the commit, and are forgotten when their transaction or savepoint is rolled back."""
    from kontor.db.fast import (  # here: kontor.db.fast imports this module
        discard_later,
        flush_before_commit,
        flush_later,
    )

    event.listen(
        engine, "before_cursor_execute", lambda connection, *_args: flush_later(connection)
    )
    event.listen(engine, "commit", flush_before_commit)
    event.listen(engine, "rollback", discard_later)
    event.listen(engine, "rollback_savepoint", lambda connection, *_args: discard_later(connection))


PING_AFTER_IDLE_SECONDS = 1.0
"""A pooled PostgreSQL connection idle for longer is pinged before it is handed out."""


def _ping_after_idle(engine: Engine) -> None:
    """Ping a connection at checkout only when it sat in the pool for a while.

    A server restart or an idle-session timeout drops connections that wait in the pool; one
    that was checked in a moment ago was alive then, and pinging it too (SQLAlchemy's
    ``pool_pre_ping``) would add a round trip to every transaction of a busy process.
    """

    @event.listens_for(engine, "checkin")
    def _checked_in(_dbapi_connection: Any, record: Any) -> None:
        record.info["kontor_idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _checked_out(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        idle_since = record.info.get("kontor_idle_since")
        if idle_since is None or time.monotonic() - idle_since < PING_AFTER_IDLE_SECONDS:
            return
        autocommit = dbapi_connection.autocommit
        try:
            dbapi_connection.autocommit = True  # the ping must not open a transaction
            dbapi_connection.execute(";")
            dbapi_connection.autocommit = autocommit
        except Exception as error:  # the pool drops it and hands out a fresh connection
            raise DisconnectionError(f"pooled connection lost: {error}") from error


def _create_sqlite_engine(url: str, *, echo: bool, busy_timeout_ms: int) -> Engine:
    parsed = make_url(url)
    database = parsed.database or ""
    in_memory = database in ("", ":memory:")
    if not in_memory:
        Path(database).parent.mkdir(parents=True, exist_ok=True)
    kwargs: dict[str, Any] = {
        "echo": echo,
        "connect_args": {"check_same_thread": False},
        **_JSON_CODEC,
    }
    if in_memory:
        kwargs["poolclass"] = StaticPool  # one shared connection, or every checkout is a new DB
    engine = create_engine(url, **kwargs)

    @event.listens_for(engine, "connect")
    def _configure(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not pysqlite, decide when transactions begin (needed for SAVEPOINT).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        if not in_memory:
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={busy_timeout_ms}")
        cursor.execute("PRAGMA temp_store=MEMORY")
        cursor.execute("PRAGMA cache_size=-32000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection: Any) -> None:
        # Writers take the write lock at BEGIN so they queue on busy_timeout instead of failing
        # with SQLITE_BUSY when upgrading a read lock.
        writes = connection.get_execution_options().get(_WRITE_OPTION, False)
        cursor = connection.connection.dbapi_connection.cursor()
        cursor.execute("BEGIN IMMEDIATE" if writes else "BEGIN")
        cursor.close()

    return engine


def connect_for_writing(engine: Engine) -> Connection:
    """A connection for a writing transaction (on SQLite it takes the write lock at BEGIN)."""
    return engine.connect().execution_options(**{_WRITE_OPTION: True})


def connect_for_reading(engine: Engine) -> Connection:
    """A connection for a transaction that only reads (on PostgreSQL ``BEGIN READ ONLY``: a
    write in it fails instead of being committed by ``end_reading``)."""
    connection = engine.connect()
    if engine.dialect.name == "postgresql":
        return connection.execution_options(postgresql_readonly=True)
    return connection


def end_reading(connection: Connection) -> None:
    """End a transaction that only read by committing it.

    A ``ROLLBACK`` would end it just as well, but psycopg forgets the connection's prepared
    statements at every rollback: each statement would be planned again by the server on its
    next runs on that connection.
    """
    if connection.in_transaction():
        connection.commit()


@contextmanager
def reading(engine: Engine) -> Iterator[Connection]:
    """A connection in a transaction that only reads: ended with a commit (``end_reading``) when
    the block ends, rolled back when it raises."""
    with connect_for_reading(engine) as connection:
        yield connection
        end_reading(connection)


def locks_at_begin(engine: Engine) -> bool:
    """Whether a writing transaction holds the whole database's write lock from BEGIN (SQLite)."""
    return engine.dialect.name == "sqlite"


_READERS: WeakKeyDictionary[Engine, Engine] = WeakKeyDictionary()
_READERS_LOCK = threading.Lock()


def reader_engine(engine: Engine) -> Engine:
    """A companion of a PostgreSQL ``engine`` for single reading statements (made on first use,
    disposed with it): a small pool in autocommit, without a ping at checkout."""
    with _READERS_LOCK:
        reader = _READERS.get(engine)
        if reader is None:
            url = engine.url.render_as_string(hide_password=False)
            reader = create_database_engine(url, reader=True)
            event.listen(engine, "engine_disposed", lambda _engine: reader.dispose())
            _READERS[engine] = reader
        return reader


# SQLSTATEs of PostgreSQL's transient contention: serialization failure, deadlock, lock timeout.
_CONTENTION_STATES = frozenset({"40001", "40P01", "55P03"})
# Of those, the ones where the database rolled the transaction back at once (nobody waited):
# running it again right away usually succeeds.
_RETRY_AT_ONCE_STATES = frozenset({"40001", "40P01"})


def is_contention(error: BaseException) -> bool:
    """Whether ``error`` is another transaction holding a lock (worth a retry later).

    Recognises SQLAlchemy's wrapped errors and the drivers' own (raised by fast statements).
    """
    cause = error.orig if isinstance(error, DBAPIError) else error
    if getattr(cause, "sqlstate", None) in _CONTENTION_STATES:
        return True
    if isinstance(cause, sqlite3.OperationalError):
        message = str(cause).lower()
        return "database is locked" in message or "database is busy" in message
    return False


def is_unstorable_text(error: BaseException) -> bool:
    """Whether ``error`` is PostgreSQL refusing text with a NUL character (bad input, not a bug)."""
    cause = error.orig if isinstance(error, DBAPIError) else error
    return "NUL (0x00)" in str(cause)


def is_retryable_at_once(error: BaseException) -> bool:
    """Whether ``error`` is a serialization failure or deadlock: the transaction may run again."""
    cause = error.orig if isinstance(error, DBAPIError) else error
    return getattr(cause, "sqlstate", None) in _RETRY_AT_ONCE_STATES
