"""Queued savepoints: a block's writes are undone alone, at no round trip of its own."""

from __future__ import annotations

import pytest
from sqlalchemy import (
    Column,
    Connection,
    Engine,
    Integer,
    MetaData,
    String,
    Table,
    bindparam,
    select,
)
from sqlalchemy import insert as sql_insert
from sqlalchemy import update as sql_update

from kontor.db import connect_for_writing
from kontor.db.fast import FastStatement, RefusedLater, checks_later, commit_refused
from kontor.db.savepoints import queued_savepoint
from support.backends import BACKENDS

pytestmark = pytest.mark.parametrize("database_url", BACKENDS, indirect=True)

scratch = MetaData()
entries = Table(
    "savepoint_entries",
    scratch,
    Column("entry_id", String(36), primary_key=True),
    Column("amount", Integer, nullable=False),
)
INSERT = FastStatement(sql_insert(entries))
COUNT = FastStatement(select(entries.c.entry_id).order_by(entries.c.entry_id))
SET_AMOUNT = FastStatement(
    sql_update(entries)
    .where(entries.c.entry_id == bindparam("b_id"))
    .values(amount=bindparam("b_amount"))
)


class Refused(Exception):
    """The checked write found no row."""


def _add(connection: Connection, *ids: str) -> None:
    INSERT.execute_later(connection, [{"entry_id": i, "amount": 1} for i in ids])


def _stored(engine: Engine) -> list[str]:
    with engine.connect() as connection:
        return [row.entry_id for row in connection.execute(select(entries.c.entry_id))]


class Undone(Exception):
    """The block under test failed on purpose."""


def _failing_block(connection: Connection, *ids: str, sent: bool, inner: str = "") -> None:
    """Add rows in a savepoint (sent to the server with a read, or still queued), with
    ``inner`` added in a nested savepoint that succeeds; then fail."""
    with queued_savepoint(connection):
        _add(connection, *ids)
        if inner:
            with queued_savepoint(connection):
                _add(connection, inner)
        if sent:
            COUNT.all_rows(connection, {})
        raise Undone


def test_a_failed_block_undoes_only_its_own_writes_sent_or_not(engine: Engine) -> None:
    scratch.create_all(engine)
    with connect_for_writing(engine) as connection:
        _add(connection, "before")
        with pytest.raises(Undone):
            _failing_block(connection, "unsent", sent=False)
        with pytest.raises(Undone):
            _failing_block(connection, "sent", sent=True)
        _add(connection, "after")
        with queued_savepoint(connection):
            _add(connection, "kept")
        assert not commit_refused(connection)
        connection.commit()
    assert sorted(_stored(engine)) == ["after", "before", "kept"]


def test_an_inner_block_that_fails_leaves_the_outer_one_and_an_outer_failure_undoes_both(
    engine: Engine,
) -> None:
    scratch.create_all(engine)
    with connect_for_writing(engine) as connection:
        with queued_savepoint(connection):
            _add(connection, "outer")
            with pytest.raises(Undone):
                _failing_block(connection, "inner", sent=True)
            _add(connection, "outer-after")
        with pytest.raises(Undone):
            _failing_block(connection, "second-outer", inner="second-inner", sent=True)
        connection.commit()
    assert sorted(_stored(engine)) == ["outer", "outer-after"]


def test_a_write_queued_before_the_block_that_fails_in_it_refuses_the_commit(
    engine: Engine,
) -> None:
    scratch.create_all(engine)
    with connect_for_writing(engine) as connection:
        _add(connection, "taken")
        connection.commit()
    with connect_for_writing(engine) as connection:
        with pytest.raises(Exception, match=r"(?i)unique|duplicate"):  # noqa: PT012
            _add(connection, "taken")  # SQLite: fails at once; PostgreSQL: with the block
            with queued_savepoint(connection):
                COUNT.all_rows(connection, {})
        if engine.dialect.name == "postgresql":
            assert commit_refused(connection)
            with pytest.raises(RefusedLater):
                connection.commit()
    assert _stored(engine) == ["taken"]


def test_a_checked_write_queued_before_the_block_is_refused_outside_it(engine: Engine) -> None:
    scratch.create_all(engine)
    with connect_for_writing(engine) as connection:
        with pytest.raises((Refused, RefusedLater)):  # noqa: PT012 (SQLite: at once)
            with checks_later(connection):
                SET_AMOUNT.execute_checked(connection, {"b_id": "gone", "b_amount": 2}, Refused)
            with queued_savepoint(connection):  # PostgreSQL: the check is sent before it
                _add(connection, "in-block")
        assert commit_refused(connection) == (engine.dialect.name == "postgresql")
    assert _stored(engine) == []
