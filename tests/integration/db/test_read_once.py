"""A single read in one round trip: no transaction around it, and a dropped connection retried."""

from __future__ import annotations

import pytest
from sqlalchemy import Column, Engine, MetaData, String, Table, func, insert, select, text

from kontor.db import create_database_engine
from kontor.db.fast import FastStatement
from support.backends import BACKENDS

pytestmark = pytest.mark.parametrize("database_url", BACKENDS, indirect=True)

scratch = MetaData()
notes = Table("read_once_notes", scratch, Column("note", String(20), primary_key=True))
NOTES = FastStatement(select(notes.c.note).order_by(notes.c.note))
# PostgreSQL's backend process, and whether a transaction was open: in one, now() is its start;
# outside, every statement is its own transaction and now() is the statement's time
BACKEND = FastStatement(
    select(
        func.pg_backend_pid().label("pid"),
        (func.now() == func.statement_timestamp()).label("alone"),
    )
)


def test_a_read_sees_what_was_committed(engine: Engine) -> None:
    scratch.create_all(engine)
    with engine.begin() as connection:
        connection.execute(insert(notes), [{"note": "zwei"}, {"note": "eins"}])
    assert [row.note for row in NOTES.read_once(engine, {})] == ["eins", "zwei"]


def test_on_postgresql_no_transaction_is_opened_and_a_dropped_connection_is_replaced(
    engine: Engine, database_url: str
) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite has no server round trips and no server that could drop one")
    [first] = BACKEND.read_once(engine, {})
    assert first.alone is True
    admin = create_database_engine(database_url)
    try:
        with admin.connect() as connection:
            connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": first.pid})
    finally:
        admin.dispose()
    [again] = BACKEND.read_once(engine, {})
    assert again.pid != first.pid
