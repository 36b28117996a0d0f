"""Hot-path statements: prebuilt once, run straight on the driver's cursor.

SQLAlchemy's per-execution bookkeeping costs several times what SQLite needs to run a small
INSERT or UPDATE. A ``FastStatement`` compiles its statement once per dialect and parameter set and
then only converts values: with the column types' own processors, or for the types every hot
table uses (UTC timestamps, JSON documents) with equivalent conversions in one step, so what
reaches the driver and what comes back is what SQLAlchemy would have sent and returned.
"""

from __future__ import annotations

import weakref
from collections import namedtuple
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from copy import copy as shallow_copy
from dataclasses import dataclass
from operator import itemgetter
from typing import Any

from sqlalchemy import (
    CompoundSelect,
    Connection,
    Delete,
    Engine,
    Insert,
    Select,
    Table,
    Update,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.sql.util import find_tables

from kontor.db.converters import Convert, bind_converter, result_converter
from kontor.db.engine import reader_engine
from kontor.db.write_order import Queued, sending_order

Params = Mapping[str, Any]


@dataclass(frozen=True)
class _Plan:
    sql: str
    names: tuple[str, ...]
    positional: bool
    converters: tuple[tuple[int, Convert], ...]  # (position, conversion) of values to convert
    defaults: Mapping[str, Any]  # values the statement carries itself (LIMIT 1, constants)
    pick: Callable[[Params], Any] | None  # all values come from the parameters: one C call
    copy: str | None = None  # a PostgreSQL INSERT: its COPY, for many rows at once

    def arguments(self, params: Params) -> Any:
        if self.pick is None:
            values = [params[n] if n in params else self.defaults[n] for n in self.names]
        elif len(self.names) == 1:
            values = [self.pick(params)]
        else:
            values = list(self.pick(params))
        for position, convert in self.converters:
            values[position] = convert(values[position])
        return tuple(values) if self.positional else dict(zip(self.names, values, strict=True))


@dataclass(frozen=True)
class _Reader:
    row_type: Callable[..., tuple[Any, ...]]
    converters: tuple[tuple[int, Convert], ...]

    def row(self, raw: Sequence[Any]) -> Any:
        if not self.converters:
            return self.row_type(*raw)
        values = list(raw)
        for position, convert in self.converters:
            values[position] = convert(values[position])
        return self.row_type(*values)


class FastStatement:
    """A statement compiled once and executed without SQLAlchemy's per-call overhead.

    Every execution must supply every parameter the statement names (no Python-side column
    defaults, no expanding ``IN`` lists). SELECTs return rows with attribute access whose
    values are converted as SQLAlchemy would convert them.
    """

    def __init__(
        self, statement: Insert | Update | Delete | Select[Any] | CompoundSelect[Any]
    ) -> None:
        self._statement = statement
        self._plans: dict[tuple[str, tuple[str, ...]], _Plan] = {}
        self._readers: dict[str, _Reader] = {}
        self._tables = frozenset(
            found.name
            for found in find_tables(
                statement, include_crud=True, include_selects=True, include_joins=True,
                check_columns=True,
            )
            if isinstance(found, Table)
        )  # fmt: skip

    def execute(self, connection: Connection, params: Params) -> int:
        """Run once with ``params``; return the number of rows it touched."""
        plan = self._plan(connection.dialect, params)
        cursor = _executed(connection, plan.sql, plan.arguments(params))
        try:
            return int(cursor.rowcount)
        finally:
            cursor.close()

    def execute_checked(
        self, connection: Connection, params: Params, refused: Callable[[], Exception]
    ) -> None:
        """Run once; the statement must touch exactly one row (an optimistic revision), else
        ``refused()`` is raised. While the connection ``checks_later`` (PostgreSQL), the
        statement is queued like ``execute_later`` and checked when the queue is sent; a
        refusal then raises ``RefusedLater`` and the transaction cannot commit."""
        if not connection.info.get(_CHECKS_LATER):
            if self.execute(connection, params) != 1:
                raise refused()
            return
        plan = self._plan(connection.dialect, params)
        _queue(
            connection, Queued(plan.sql, [plan.arguments(params)], self._tables, refused=refused)
        )

    def execute_later(
        self,
        connection: Connection,
        rows: Sequence[Params],
        *,
        scope: str | None = None,
        appending: bool = False,
    ) -> None:
        """Run for every row before the transaction's next statement or its commit (all rows
        with the same keys): on PostgreSQL, queued and then sent in one round trip with the next
        statement, or just before the COMMIT; elsewhere at once. For writes whose outcome nobody
        reads: a failure (a duplicate key) surfaces at that next statement or the commit and
        undoes the transaction.

        ``scope`` names the owner (a process instance) whose rows alone the statement touches.
        ``appending`` INSERT rows may go later, past statements that cannot touch them, together
        with the rows other writes append to the table (``kontor.db.write_order``).
        """
        if not rows:
            return
        if connection.dialect.name != "postgresql":
            self.execute_many(connection, rows)  # no round trip to save
            return
        plan = self._plan(connection.dialect, rows[0])
        if not appending and plan.copy is not None and len(rows) >= COPY_FROM_ROWS:
            self.execute_many(connection, rows)  # one COPY
            return
        _queue(
            connection,
            Queued(
                plan.sql, [plan.arguments(row) for row in rows], self._tables,
                copy=plan.copy, scope=scope,
                appending=appending and plan.copy is not None,
            ),
        )  # fmt: skip

    def first_value(self, connection: Connection, params: Params) -> Any:
        """Run a one-column SELECT; the first row's raw value, or None without rows."""
        raw, _ = self._fetch_one(connection, params)
        return None if raw is None else raw[0]

    def first_row(self, connection: Connection, params: Params) -> Any:
        """Run a SELECT; its first row (attributes named like the columns) or None."""
        raw, reader = self._fetch_one(connection, params)
        return None if raw is None else reader.row(raw)

    def all_rows(self, connection: Connection, params: Params) -> list[Any]:
        """Run a SELECT; every row (attributes named like the columns)."""
        plan = self._plan(connection.dialect, params)
        return self._rows_of(connection, _executed(connection, plan.sql, plan.arguments(params)))

    def _rows_of(self, connection: Connection, cursor: Any) -> list[Any]:
        """The rows of a SELECT the cursor ran; the cursor is closed."""
        try:
            raws = cursor.fetchall()
            reader = self._reader(connection.dialect, cursor)
        finally:
            cursor.close()
        return [reader.row(raw) for raw in raws]

    def read_once(self, engine: Engine, params: Params) -> list[Any]:
        """Run a SELECT in a single round trip, outside any transaction; every row.

        The statement runs on a pooled driver connection without SQLAlchemy's connection and
        transaction bookkeeping: on SQLite as one atomic statement without BEGIN, on PostgreSQL
        through ``reader_engine`` (autocommit, no ping; a connection the server dropped while
        pooled fails the statement, which then runs once more on a new pool).
        """
        if engine.dialect.name != "postgresql":
            return self._rows_on(engine, params)
        reader = reader_engine(engine)
        try:
            return self._rows_on(reader, params)
        except reader.dialect.loaded_dbapi.OperationalError:
            reader.dispose()  # after a server restart every pooled connection is dead
            return self._rows_on(reader, params)

    def _rows_on(self, engine: Engine, params: Params) -> list[Any]:
        plan = self._plan(engine.dialect, params)
        pooled = engine.raw_connection()
        try:
            cursor = pooled.dbapi_connection.cursor()  # type: ignore[union-attr]
            try:
                cursor.execute(plan.sql, plan.arguments(params))
                raws = cursor.fetchall()
                reader = self._reader(engine.dialect, cursor)
            finally:
                cursor.close()
        except BaseException:
            pooled.invalidate()  # a broken connection must not go back to the pool
            raise
        finally:
            pooled.close()
        return [reader.row(raw) for raw in raws]

    def _fetch_one(self, connection: Connection, params: Params) -> tuple[Any, _Reader]:
        """The first raw row (or None) and how to read it."""
        plan = self._plan(connection.dialect, params)
        cursor = _executed(connection, plan.sql, plan.arguments(params))
        try:
            return cursor.fetchone(), self._reader(connection.dialect, cursor)
        finally:
            cursor.close()

    def execute_many(self, connection: Connection, rows: Sequence[Params]) -> None:
        """Run for every row (all rows with the same keys): on PostgreSQL an INSERT of several
        rows is one ``COPY``, elsewhere the driver runs the statement once per row."""
        if not rows:
            return
        plan = self._plan(connection.dialect, rows[0])
        if len(rows) == 1:  # the driver's executemany costs more round trips for one row
            _executed(connection, plan.sql, plan.arguments(rows[0])).close()
            return
        flush_later(connection)
        cursor = driver_cursor(connection)
        try:
            if plan.copy is None or len(rows) < COPY_FROM_ROWS:
                cursor.executemany(plan.sql, [plan.arguments(row) for row in rows])
                return
            with cursor.copy(plan.copy) as copy:
                for row in rows:
                    copy.write_row(plan.arguments(row))  # positional: the COPY's columns
        finally:
            cursor.close()

    def _plan(self, dialect: Dialect, params: Params) -> _Plan:
        keys = tuple(sorted(params))
        plan = self._plans.get((dialect.name, keys))
        if plan is None:
            plan = self._compile(dialect, keys)
            self._plans[(dialect.name, keys)] = plan
        return plan

    def _compile(self, dialect: Dialect, keys: tuple[str, ...]) -> _Plan:
        statement = self._statement
        if isinstance(statement, Insert) and not statement._returning:
            # no implicit RETURNING of a generated key nobody reads: a row less to send and
            # parse per INSERT, and many rows can go as one COPY
            statement = statement.inline()
        compiled = statement.compile(dialect=_positional(dialect), column_keys=list(keys))
        if compiled.insert_prefetch or compiled.update_prefetch:
            raise ValueError("a fast statement cannot fill Python-side column defaults")
        positional = compiled.positiontup is not None
        defaults = compiled.construct_params(_check=False)
        names = tuple(compiled.positiontup or defaults)
        converters = []
        for position, name in enumerate(names):
            convert = bind_converter(compiled.binds[name].type, dialect)
            if convert is not None:
                converters.append((position, convert))
        pick = itemgetter(*names) if names and set(names) <= set(keys) else None
        copy = (
            _copy_of(self._statement, compiled.string, names, dialect)
            if isinstance(self._statement, Insert) and dialect.name == "postgresql"
            and set(names) <= set(keys)
            else None
        )  # fmt: skip
        return _Plan(compiled.string, names, positional, tuple(converters), defaults, pick, copy)

    def _reader(self, dialect: Dialect, cursor: Any) -> _Reader:
        """How rows are read, from the column types and (the first time) the ``description``
        of the cursor's result, whose type codes some conversions depend on (psycopg builds
        the description anew at every look: it is read once)."""
        reader = self._readers.get(dialect.name)
        if reader is None:
            columns = list(self._statement.exported_columns)  # SELECT or RETURNING
            type_codes = [described[1] for described in cursor.description]
            converters = []
            for position, column in enumerate(columns):
                convert = result_converter(column.type, dialect, type_codes[position])
                if convert is not None:
                    converters.append((position, convert))
            row_type = namedtuple("Row", [c.key for c in columns], rename=True)  # type: ignore[misc]
            reader = _Reader(row_type, tuple(converters))
            self._readers[dialect.name] = reader
        return reader


_POSITIONAL: weakref.WeakKeyDictionary[Dialect, Dialect] = weakref.WeakKeyDictionary()


def _positional(dialect: Dialect) -> Dialect:
    """``dialect`` with positional parameters (``%s`` on psycopg): each row's values go to the
    driver as a tuple in the statement's order, and to a ``COPY`` as they are — no dict built
    per row and read back by name."""
    if dialect.positional:
        return dialect
    positional = _POSITIONAL.get(dialect)
    if positional is None:
        positional = shallow_copy(dialect)
        positional.paramstyle, positional.positional = "format", True
        _POSITIONAL[dialect] = positional
    return positional


COPY_FROM_ROWS = 8
"""From this many rows a PostgreSQL INSERT goes as one ``COPY`` (one stream instead of a
statement per row); fewer are cheaper as statements."""


def _copy_of(statement: Insert, sql: str, names: tuple[str, ...], dialect: Dialect) -> str | None:
    """The ``COPY … FROM STDIN`` writing ``statement``'s columns, or None for an INSERT that is
    more than its rows (``ON CONFLICT``, ``RETURNING``, a ``SELECT``)."""
    if " VALUES (" not in sql or "ON CONFLICT" in sql or "RETURNING" in sql:
        return None
    table = statement.table
    quote = dialect.identifier_preparer
    columns = ", ".join(quote.quote(table.c[name].name) for name in names)
    return f"COPY {quote.format_table(table)} ({columns}) FROM STDIN"


Read = tuple[FastStatement, Params]
"""A SELECT with its parameters, one of several run together (``read_together``)."""

_LATER = "kontor_later_writes"  # the connection's queue of writes sent with the next statement
_CHECKS_LATER = "kontor_checks_later"  # checked writes are queued too (``checks_later``)
_REFUSED = "kontor_refused_later"  # a checked write's refusal: the transaction cannot commit


def _queue(connection: Connection, entry: Queued) -> None:
    """Queue a write to be sent before the transaction's next statement or its commit."""
    driver_cursor(connection).close()  # the transaction has begun: its end clears the queue
    connection.info.setdefault(_LATER, []).append(entry)


@contextmanager
def _behind_queued_writes(connection: Connection) -> Iterator[None]:
    """A PostgreSQL pipeline that sends the queued writes first: the statements of the block
    follow them in the same round trip (rows gathered for a ``COPY`` go in one before it)."""
    driver = connection.connection.dbapi_connection
    queue: list[Queued] = connection.info.pop(_LATER, None) or []
    cursor = driver.cursor()  # type: ignore[union-attr]
    checked: list[tuple[Any, Queued]] = []
    try:
        piped: list[Queued] = []
        for entry in sending_order(queue):
            if not entry.appending or len(entry.arguments) < COPY_FROM_ROWS:
                piped.append(entry)
                continue
            if piped:
                with driver.pipeline():  # type: ignore[union-attr]
                    _send(driver, cursor, piped, checked)
                piped = []
            with cursor.copy(entry.copy) as copy:  # appended rows always have a COPY
                for arguments in entry.arguments:
                    copy.write_row(arguments)
        with driver.pipeline():  # type: ignore[union-attr]
            _send(driver, cursor, piped, checked)
            yield
    except BaseException:
        for own, _ in checked:
            own.close()
        raise
    finally:
        cursor.close()
    _check(connection, checked)


def _send(
    driver: Any, cursor: Any, entries: list[Queued], checked: list[tuple[Any, Queued]]
) -> None:
    """Run queued statements in the open pipeline; those to check each on a cursor of its own,
    kept in ``checked``."""
    for entry in entries:
        if entry.refused is not None:
            own = driver.cursor()
            own.execute(entry.sql, entry.arguments[0])
            checked.append((own, entry))
            continue
        for one in entry.arguments:
            cursor.execute(entry.sql, one)


def _check(connection: Connection, checked: list[tuple[Any, Queued]]) -> None:
    """Raise ``RefusedLater`` for the first checked write that touched no row (and remember it:
    the transaction must not commit)."""
    refusal = None
    for cursor, entry in checked:
        if cursor.rowcount != 1 and refusal is None and entry.refused is not None:
            refusal = entry.refused()
        cursor.close()
    if refusal is not None:
        connection.info[_REFUSED] = refusal
        raise RefusedLater(str(refusal)) from refusal


class RefusedLater(RuntimeError):
    """A write checked when the queue was sent touched no row: its transaction cannot commit."""


@contextmanager
def checks_later(connection: Connection) -> Iterator[None]:
    """While in the block, ``execute_checked`` statements on PostgreSQL are queued and checked
    when the queue is sent (a batch of steps then costs no round trip each); a refusal fails
    the whole transaction, whose caller runs its work again one by one."""
    if connection.dialect.name != "postgresql":
        yield
        return
    connection.info[_CHECKS_LATER] = True
    try:
        yield
    finally:
        connection.info.pop(_CHECKS_LATER, None)


def _executed(connection: Connection, sql: str, arguments: Any) -> Any:
    """A cursor that ran ``sql``; on PostgreSQL queued writes go first in the same round trip."""
    cursor = driver_cursor(connection)
    if connection.info.get(_LATER):
        with _behind_queued_writes(connection):
            cursor.execute(sql, arguments)
    else:
        cursor.execute(sql, arguments)
    return cursor


def read_together(connection: Connection, *reads: Read) -> list[list[Any]]:
    """Run several SELECTs and return the rows of each: on PostgreSQL in one round trip (with
    any queued writes before them, and the transaction's BEGIN when they are its first
    statements: worth it for a single SELECT too), elsewhere one after the other."""
    if connection.dialect.name != "postgresql":
        return [statement.all_rows(connection, params) for statement, params in reads]
    cursors = []
    with _behind_queued_writes(connection):
        for statement, params in reads:
            plan = statement._plan(connection.dialect, params)
            cursor = driver_cursor(connection)
            cursor.execute(plan.sql, plan.arguments(params))
            cursors.append(cursor)
    return [
        statement._rows_of(connection, cursor)
        for (statement, _), cursor in zip(reads, cursors, strict=True)
    ]


def flush_later(connection: Connection) -> None:
    """Send the writes queued by ``execute_later`` now (one round trip)."""
    if connection.info.get(_LATER):
        with _behind_queued_writes(connection):
            pass  # the pipeline's end sends them and waits for their results


def flush_before_commit(connection: Connection) -> None:
    """``flush_later`` before the COMMIT (SQLAlchemy's commit event); a failed write ends the
    transaction.

    The queued writes go in a round trip of their own, never with the COMMIT: a write may wait
    for another transaction's lock, and if the process ends meanwhile (a stop, a crash), a
    COMMIT already sent behind it would still commit what its caller was told failed.
    """
    try:
        flush_later(connection)
        refusal = connection.info.pop(_REFUSED, None)
        if refusal is not None:  # raised before, and caught on the way: still no commit
            raise RefusedLater(str(refusal)) from refusal
    except BaseException:
        _roll_back_driver(connection)
        raise


def _roll_back_driver(connection: Connection) -> None:
    """End the failed transaction on the driver's connection itself.

    A commit that raised leaves SQLAlchemy believing the transaction over, so its pool would
    not roll back either, and the connection would go back to the pool with the server's
    transaction aborted.
    """
    connection.connection.dbapi_connection.rollback()  # type: ignore[union-attr]


def send_later(connection: Connection, sql: str) -> Queued:
    """Queue a statement without parameters that later writes must not pass (a SAVEPOINT);
    the entry queued."""
    entry = Queued(sql, [()], frozenset(), barrier=True)
    _queue(connection, entry)
    return entry


def queued_writes(connection: Connection) -> list[Queued]:
    """The writes queued on ``connection`` and not sent yet (the list itself)."""
    queue: list[Queued] = connection.info.setdefault(_LATER, [])
    return queue


def refuse_commit(connection: Connection, error: BaseException) -> None:
    """Make the transaction's commit fail with ``error`` as its cause (it went wrong in a way
    its caller may not see)."""
    connection.info[_REFUSED] = error


def commit_refused(connection: Connection) -> bool:
    """Whether the transaction can no longer commit (``refuse_commit``, a refused checked
    write)."""
    return _REFUSED in connection.info


def discard_later(connection: Any) -> None:
    """Forget the queued writes (the transaction or its savepoint was rolled back)."""
    connection.info.pop(_LATER, None)
    connection.info.pop(_REFUSED, None)


def driver_cursor(connection: Connection) -> Any:
    """The driver's cursor on ``connection``, its transaction begun (by the engine's hook)."""
    if not connection.in_transaction():
        connection.begin()  # runs the engine's begin hook (SQLite: BEGIN IMMEDIATE for writers)
    return connection.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
