"""On PostgreSQL a transaction that only reads (a reading unit of work, ``db.reading``) is
read-only and ends without forgetting the connection's prepared statements (psycopg drops them
all at every ROLLBACK)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager

import pytest
from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import DBAPIError

from kontor.db import create_database_engine, reading
from kontor.messaging import FakeClock, UnitOfWork
from support.backends import POSTGRES_URL, needs_postgres

pytestmark = needs_postgres

_PREPARED_AFTER = 5  # psycopg prepares a statement on a connection after five runs of it
_PREPARED = text("SELECT count(*) FROM pg_prepared_statements")

Reading = Callable[[Engine], AbstractContextManager[Connection]]


@contextmanager
def _reading_unit(engine: Engine) -> Iterator[Connection]:
    with UnitOfWork(engine, FakeClock(), writes=False) as uow:
        yield uow.connection


@pytest.fixture(params=[_reading_unit, reading], ids=["unit of work", "db.reading"])
def read(request: pytest.FixtureRequest) -> Reading:
    """One way to run a transaction that only reads."""
    way: Reading = request.param
    return way


@pytest.fixture
def engine() -> Iterator[Engine]:
    """An engine whose transactions, run one after the other, all get its one pooled connection."""
    created = create_database_engine(POSTGRES_URL or "")
    yield created
    created.dispose()


def test_a_reading_transaction_keeps_the_prepared_statements_of_its_connection(
    engine: Engine, read: Reading
) -> None:
    for _ in range(_PREPARED_AFTER + 2):  # each run in a transaction of its own
        with read(engine) as connection:
            connection.execute(text("SELECT relname FROM pg_class WHERE oid = 1259")).all()
    with read(engine) as connection:
        prepared = connection.execute(_PREPARED).scalar_one()
    assert engine.pool.checkedin() == 1  # the same connection throughout
    assert prepared >= 1


def test_a_reading_transaction_refuses_to_write(engine: Engine, read: Reading) -> None:
    with pytest.raises(DBAPIError, match="read-only transaction"), read(engine) as connection:
        connection.execute(text("CREATE TEMPORARY TABLE scratch (id integer)"))
