"""Fast writes reach the database exactly as SQLAlchemy would have written them."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import (
    Column,
    Engine,
    Integer,
    MetaData,
    Numeric,
    String,
    Table,
    bindparam,
    insert,
    select,
)
from sqlalchemy import update as sql_update

from kontor.db import JsonDocument, UtcDateTime, connect_for_writing, one_of
from kontor.db.fast import FastStatement
from kontor.db.lists import any_of_parameter
from support.backends import BACKENDS

pytestmark = pytest.mark.parametrize("database_url", BACKENDS, indirect=True)

scratch = MetaData()
notes = Table(
    "fast_write_notes",
    scratch,
    Column("note_id", String(36), primary_key=True),
    Column("written_at", UtcDateTime, nullable=False),
    Column("body", JsonDocument),
    Column("revision", Integer, nullable=False),
)
amounts = Table(
    "fast_read_amounts", scratch, Column("amount_id", Integer, primary_key=True),
    Column("amount", Numeric(15, 2, asdecimal=True), nullable=False),
)  # fmt: skip
with_default = Table(
    "fast_write_defaults", scratch, Column("id", Integer, primary_key=True),
    Column("kind", String(10), default="plain"),
)  # fmt: skip

WRITE = FastStatement(insert(notes))
BUMP = FastStatement(
    sql_update(notes)
    .where(notes.c.note_id == bindparam("b_id"), notes.c.revision == bindparam("b_revision"))
    .values(revision=bindparam("b_next"))
)
NEWEST = FastStatement(select(notes.c.note_id).order_by(notes.c.written_at.desc()).limit(1))
BERLIN = dt.timezone(dt.timedelta(hours=1))


def test_rows_written_fast_read_back_with_their_types(engine: Engine) -> None:
    scratch.create_all(engine)
    rows = [
        {"note_id": f"n{i}", "written_at": dt.datetime(2026, 11, 21, 9, i, tzinfo=BERLIN),
         "body": {"amount": i, "items": ["a", None], "nested": {"ok": True}}, "revision": 1}
        for i in range(3)
    ]  # fmt: skip
    with connect_for_writing(engine) as connection:
        WRITE.execute_many(connection, rows)
        assert BUMP.execute(connection, {"b_id": "n1", "b_revision": 1, "b_next": 2}) == 1
        assert BUMP.execute(connection, {"b_id": "n1", "b_revision": 1, "b_next": 3}) == 0
        assert NEWEST.first_value(connection, {}) == "n2"
        connection.commit()
    with engine.connect() as connection:
        stored = connection.execute(select(notes).order_by(notes.c.note_id)).all()
    assert [row.written_at for row in stored] == [row["written_at"] for row in rows]
    assert stored[0].written_at.tzinfo is not None
    assert stored[2].body == rows[2]["body"]
    assert [row.revision for row in stored] == [1, 2, 1]


def test_a_rolled_back_fast_write_leaves_nothing(engine: Engine) -> None:
    scratch.create_all(engine)
    with connect_for_writing(engine) as connection:
        WRITE.execute(
            connection,
            {"note_id": "gone", "written_at": dt.datetime.now(dt.UTC), "body": None, "revision": 1},
        )
        connection.rollback()
    with engine.connect() as connection:
        assert connection.execute(select(notes)).all() == []


def test_statements_that_need_python_side_defaults_are_refused(engine: Engine) -> None:
    scratch.create_all(engine)
    with connect_for_writing(engine) as connection, pytest.raises(ValueError, match="defaults"):
        FastStatement(insert(with_default)).execute(connection, {"id": 1})


def test_values_the_driver_cannot_take_fail_without_writing(engine: Engine) -> None:
    scratch.create_all(engine)
    row = {"note_id": "x", "written_at": dt.datetime.now(dt.UTC), "body": {1.5},
           "revision": 1}  # fmt: skip
    with connect_for_writing(engine) as connection, pytest.raises(TypeError):
        WRITE.execute(connection, row)


def test_rows_read_fast_equal_what_sqlalchemy_reads(engine: Engine) -> None:
    scratch.create_all(engine)
    row = {"note_id": "r1", "written_at": dt.datetime(2026, 11, 21, 9, 0, 0, 5, tzinfo=BERLIN),
           "body": {"text": "Schaden \u00fcber 1.000 \u20ac", "flag": False, "none": None},
           "revision": 7}  # fmt: skip
    with connect_for_writing(engine) as connection:
        WRITE.execute(connection, row)
        connection.commit()
    by_id = select(notes).where(notes.c.note_id == bindparam("b_id"))
    with engine.connect() as connection:
        fast = FastStatement(by_id).first_row(connection, {"b_id": "r1"})
        slow = connection.execute(by_id, {"b_id": "r1"}).one()
        missing = FastStatement(by_id).first_row(connection, {"b_id": "nope"})
    assert tuple(fast) == tuple(slow)
    assert (fast.written_at, fast.body, fast.revision) == (row["written_at"], row["body"], 7)
    assert missing is None


def test_many_rows_in_several_statements_arrive_whole_and_a_bad_one_writes_none(
    engine: Engine,
) -> None:
    scratch.create_all(engine)
    rows = [
        {"note_id": f"m{i:05d}", "written_at": dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
         + dt.timedelta(seconds=i), "body": None if i % 3 else {"i": i, "text": "ä%s"},
         "revision": i}
        for i in range(2_500)  # PostgreSQL: more than one multi-row statement, and a remainder
    ]  # fmt: skip
    with connect_for_writing(engine) as connection:
        WRITE.execute_many(connection, rows)
        connection.commit()
    with engine.connect() as connection:
        stored = connection.execute(select(notes).order_by(notes.c.note_id)).all()
    assert [tuple(row) for row in stored] == [tuple(row.values()) for row in rows]
    clash = [{**rows[0], "note_id": "new"}, rows[1]]  # the second is there already
    with connect_for_writing(engine) as connection, pytest.raises(Exception, match=r"(?i)unique"):
        WRITE.execute_many(connection, clash)
    with engine.connect() as connection:
        assert connection.execute(select(notes).where(notes.c.note_id == "new")).all() == []


def test_exact_amounts_read_fast_as_sqlalchemy_reads_them(engine: Engine) -> None:
    scratch.create_all(engine)
    with connect_for_writing(engine) as connection:
        connection.execute(insert(amounts), [{"amount_id": 1, "amount": Decimal("1234.50")}])
        connection.commit()
    every = select(amounts).order_by(amounts.c.amount_id)
    with engine.connect() as connection:
        fast = FastStatement(every).all_rows(connection, {})
        slow = connection.execute(every).all()
    assert [tuple(row) for row in fast] == [tuple(row) for row in slow]
    assert fast[0].amount == Decimal("1234.50")


def test_a_long_list_of_ids_finds_exactly_those_rows(engine: Engine) -> None:
    scratch.create_all(engine)
    written = dt.datetime(2026, 12, 4, 9, 0, tzinfo=dt.UTC)
    rows = [{"note_id": f"n{i:04d}", "written_at": written, "body": None, "revision": i}
            for i in range(1500)]  # fmt: skip
    wanted = [f"n{i:04d}" for i in range(0, 1500, 3)] + ["not-there"]
    with connect_for_writing(engine) as connection:
        WRITE.execute_many(connection, rows)
        found = connection.execute(
            select(notes.c.note_id).where(one_of(connection, notes.c.note_id, wanted))
        ).scalars()
        assert sorted(found) == wanted[:-1]


def test_an_id_longer_than_its_column_matches_no_row_not_a_row_it_was_cut_to(
    engine: Engine,
) -> None:
    scratch.create_all(engine)
    written = dt.datetime(2026, 12, 5, 9, 0, tzinfo=dt.UTC)
    stored = "n" * 36  # the column's full length
    too_long = [stored + "x"]
    by_parameter = FastStatement(
        select(notes.c.note_id).where(any_of_parameter(notes.c.note_id, "b_ids"))
    )
    with connect_for_writing(engine) as connection:
        WRITE.execute_many(
            connection, [{"note_id": stored, "written_at": written, "body": None, "revision": 1}]
        )
        query = select(notes.c.note_id).where(one_of(connection, notes.c.note_id, too_long))
        assert connection.execute(query).scalars().all() == []
        if engine.dialect.name == "postgresql":  # the array parameter is PostgreSQL's
            assert by_parameter.all_rows(connection, {"b_ids": too_long}) == []
            assert [r.note_id for r in by_parameter.all_rows(connection, {"b_ids": [stored]})] == [
                stored
            ]
