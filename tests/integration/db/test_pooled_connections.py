"""A pooled PostgreSQL connection that the server dropped while it waited is replaced unseen."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, text

from kontor.db import create_database_engine
from kontor.db import engine as engine_module
from support.backends import POSTGRES_URL, needs_postgres


def _backend_pid(engine: Engine) -> int:
    with engine.begin() as connection:
        return int(connection.execute(text("SELECT pg_backend_pid()")).scalar_one())


@needs_postgres
def test_a_connection_dropped_while_idle_in_the_pool_is_replaced(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(engine_module, "PING_AFTER_IDLE_SECONDS", 0.0)  # every wait is long
    engine, admin = (
        create_database_engine(POSTGRES_URL or ""),
        create_database_engine(POSTGRES_URL or ""),
    )
    try:
        first = _backend_pid(engine)
        with admin.connect() as connection:
            connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": first})
        assert _backend_pid(engine) != first  # the transaction ran; no error reached the caller
    finally:
        engine.dispose()
        admin.dispose()
