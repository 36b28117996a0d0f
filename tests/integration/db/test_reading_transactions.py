"""On PostgreSQL a unit of work that only reads runs a read-only transaction and ends it without
forgetting the connection's prepared statements (psycopg drops them all at every ROLLBACK)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError

from kontor.db import create_database_engine
from kontor.messaging import FakeClock, UnitOfWork
from support.backends import POSTGRES_URL, needs_postgres

pytestmark = needs_postgres

_PREPARED_AFTER = 5  # psycopg prepares a statement on a connection after five runs of it


@pytest.fixture
def engine() -> Iterator[Engine]:
    """An engine whose units, run one after the other, all get its one pooled connection."""
    created = create_database_engine(POSTGRES_URL or "")
    yield created
    created.dispose()


def _reading(engine: Engine) -> UnitOfWork:
    return UnitOfWork(engine, FakeClock(), writes=False)


def test_a_reading_unit_keeps_the_prepared_statements_of_its_connection(engine: Engine) -> None:
    for _ in range(_PREPARED_AFTER + 2):  # each run in a transaction of its own
        with _reading(engine) as uow:
            uow.connection.execute(text("SELECT relname FROM pg_class WHERE oid = 1259")).all()
    with _reading(engine) as uow:
        prepared = uow.connection.execute(
            text("SELECT count(*) FROM pg_prepared_statements")
        ).scalar_one()
    assert engine.pool.checkedin() == 1  # the same connection throughout
    assert prepared >= 1


def test_a_reading_unit_refuses_to_write(engine: Engine) -> None:
    with pytest.raises(DBAPIError, match="read-only transaction"), _reading(engine) as uow:
        uow.connection.execute(text("CREATE TEMPORARY TABLE scratch (id integer)"))
