"""Queued writes (``execute_later``) behave as if they had run at once, only later on the wire;
queued savepoints undo only their block's writes."""

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
    func,
    select,
    text,
)
from sqlalchemy import insert as sql_insert
from sqlalchemy import update as sql_update

from kontor.db import connect_for_writing
from kontor.db.fast import (
    FastStatement,
    RefusedLater,
    checks_later,
    commit_refused,
    read_together,
)
from kontor.db.savepoints import queued_savepoint
from support.backends import BACKENDS

pytestmark = pytest.mark.parametrize("database_url", BACKENDS, indirect=True)

scratch = MetaData()
entries = Table(
    "queued_write_entries",
    scratch,
    Column("entry_id", String(36), primary_key=True),
    Column("amount", Integer, nullable=False),
)
INSERT = FastStatement(sql_insert(entries))
TOTAL = FastStatement(select(func.coalesce(func.sum(entries.c.amount), 0)))


def _rows(*pairs: tuple[str, int]) -> list[dict[str, object]]:
    return [{"entry_id": entry_id, "amount": amount} for entry_id, amount in pairs]


def _stored(engine: Engine) -> list[str]:
    with engine.connect() as connection:
        found = connection.execute(select(entries.c.entry_id).order_by(entries.c.entry_id))
        return [row.entry_id for row in found]


def test_a_queued_write_is_seen_by_the_next_read_and_kept_by_the_commit(engine: Engine) -> None:
    scratch.create_all(engine)
    with connect_for_writing(engine) as connection:
        INSERT.execute_later(connection, _rows(("a", 2), ("b", 3)))
        assert TOTAL.first_value(connection, {}) == 5  # a fast read sees it
        INSERT.execute_later(connection, _rows(("c", 4)))
        assert connection.execute(select(func.count()).select_from(entries)).scalar() == 3
        INSERT.execute_later(connection, _rows(("d", 1)))
        connection.commit()
    with engine.begin() as connection:  # a block's commit sends the queue first too
        INSERT.execute_later(connection, _rows(("e", 1)))
    assert _stored(engine) == ["a", "b", "c", "d", "e"]


def test_reads_together_see_the_queued_writes_each_with_its_own_rows(engine: Engine) -> None:
    scratch.create_all(engine)
    ids = FastStatement(select(entries.c.entry_id).order_by(entries.c.entry_id))
    with connect_for_writing(engine) as connection:
        INSERT.execute_later(connection, _rows(("x", 7), ("y", 8)))
        totals, names = read_together(connection, (TOTAL, {}), (ids, {}))
        assert ([tuple(row) for row in totals], [row.entry_id for row in names]) == (
            [(15,)],
            ["x", "y"],
        )


def test_a_rolled_back_transaction_or_savepoint_forgets_its_queued_writes(engine: Engine) -> None:
    scratch.create_all(engine)
    with connect_for_writing(engine) as connection:
        INSERT.execute_later(connection, _rows(("gone", 1)))
        connection.rollback()
        INSERT.execute_later(connection, _rows(("kept", 1)))
        savepoint = connection.begin_nested()
        INSERT.execute_later(connection, _rows(("undone", 1)))
        savepoint.rollback()
        connection.commit()
    assert _stored(engine) == ["kept"]


def test_a_queued_write_that_fails_fails_the_commit_and_leaves_the_connection_usable(
    engine: Engine,
) -> None:
    scratch.create_all(engine)
    with connect_for_writing(engine) as connection:
        INSERT.execute_later(connection, _rows(("taken", 1)))
        connection.commit()
    with connect_for_writing(engine) as connection:
        INSERT.execute_later(connection, _rows(("new", 1)))
        with pytest.raises(Exception, match=r"(?i)unique|duplicate"):  # noqa: PT012
            INSERT.execute_later(connection, _rows(("taken", 2)))  # SQLite: fails at once
            connection.commit()  # PostgreSQL: fails here, the queue is sent before the COMMIT
    for _ in range(3):  # every pooled connection works: none was left in a failed transaction
        with connect_for_writing(engine) as connection:
            assert connection.execute(text("SELECT 1")).scalar() == 1
    assert _stored(engine) == ["taken"]


owned = Table(
    "queued_owned_rows",
    scratch,
    Column("row_id", String(36), primary_key=True),
    Column("owner", String(36), nullable=False),
    Column("state", String(20), nullable=False),
)
APPEND = FastStatement(sql_insert(owned))
CLOSE = FastStatement(
    sql_update(owned)
    .where(owned.c.owner == bindparam("b_owner"), owned.c.state == "open")
    .values(state="closed")
)


def _owned(owner: str, *ids: str) -> list[dict[str, object]]:
    return [{"row_id": row_id, "owner": owner, "state": "open"} for row_id in ids]


def _states(engine: Engine) -> dict[str, str]:
    with engine.connect() as connection:
        return {row.row_id: row.state for row in connection.execute(select(owned))}


def test_appended_rows_of_many_owners_are_stored_and_seen_by_a_later_write_of_their_owner(
    engine: Engine,
) -> None:
    scratch.create_all(engine)
    with connect_for_writing(engine) as connection:
        for owner in ("a", "b", "c"):  # enough rows for one COPY on PostgreSQL
            APPEND.execute_later(
                connection, _owned(owner, *(f"{owner}{n}" for n in range(4))),
                scope=owner, appending=True,
            )  # fmt: skip
            CLOSE.execute_later(connection, [{"b_owner": "zz"}], scope="zz")  # nobody's rows
        CLOSE.execute_later(connection, [{"b_owner": "b"}], scope="b")  # b's rows went first
        APPEND.execute_later(connection, _owned("b", "b9"), scope="b", appending=True)
        assert TOTAL.first_value(connection, {}) == 0  # a read sends them all before it
        connection.commit()
    states = _states(engine)
    assert len(states) == 13
    assert {row_id for row_id, state in states.items() if state == "closed"} == {
        f"b{n}" for n in range(4)
    }


def test_a_duplicate_among_appended_rows_fails_the_commit_and_keeps_none(engine: Engine) -> None:
    scratch.create_all(engine)
    with connect_for_writing(engine) as connection:
        APPEND.execute_later(connection, _owned("a", "dup"), scope="a", appending=True)
        connection.commit()
    with connect_for_writing(engine) as connection:
        for owner in ("b", "c"):
            APPEND.execute_later(
                connection, _owned(owner, *(f"{owner}{n}" for n in range(5))),
                scope=owner, appending=True,
            )  # fmt: skip
        with pytest.raises(Exception, match=r"(?i)unique|duplicate"):  # noqa: PT012
            APPEND.execute_later(connection, _owned("a", "dup"), scope="a", appending=True)
            connection.commit()  # PostgreSQL: fails here, the queue is sent before the COMMIT
    assert set(_states(engine)) == {"dup"}


SET_AMOUNT = FastStatement(
    sql_update(entries)
    .where(entries.c.entry_id == bindparam("b_id"))
    .values(amount=bindparam("b_amount"))
)


class Refused(Exception):
    """The checked write found no row."""


def _add(connection: Connection, *ids: str) -> None:
    INSERT.execute_later(connection, _rows(*((entry_id, 1) for entry_id in ids)))


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
            TOTAL.first_value(connection, {})
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
    assert _stored(engine) == ["after", "before", "kept"]


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
    assert _stored(engine) == ["outer", "outer-after"]


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
                TOTAL.first_value(connection, {})
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
