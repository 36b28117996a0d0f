"""Fixtures shared by every tier: database backends and a wired Kontor per test."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings
from sqlalchemy import Engine

from kontor import db
from kontor.bootstrap import load_schema
from support.backends import (
    POSTGRES_URL,
    create_postgres_schema,
    drop_postgres_schema,
    postgres_url_with_schema,
    sqlite_url,
)
from support.installed import copy_migrated_sqlite, drop_templates

# A busy machine must not fail a property: no deadline per example, no "too slow" health check.
# `make test` draws the same examples every run (a landing never fails on a new random draw);
# KONTOR_HYPOTHESIS=explore draws fresh examples each run, to hunt for new failures.
settings.register_profile(
    "kontor",
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    derandomize=True,
    database=None,
)
settings.register_profile("explore", parent=settings.get_profile("kontor"), derandomize=False)
settings.load_profile("explore" if os.environ.get("KONTOR_HYPOTHESIS") == "explore" else "kontor")


@pytest.fixture
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database: SQLite by default, PostgreSQL when parametrized so."""
    backend = getattr(request, "param", "sqlite")
    if backend == "sqlite":
        if "engine" in request.fixturenames:  # migrated right away: start from a migrated copy
            copy_migrated_sqlite(tmp_path / "kontor.db")
        yield sqlite_url(tmp_path)
        return
    if not POSTGRES_URL:
        pytest.skip("PostgreSQL tests need KONTOR_TEST_POSTGRES_URL (CI sets it)")
    schema = create_postgres_schema()
    try:
        yield postgres_url_with_schema(schema)
    finally:
        drop_postgres_schema(schema)


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    """An engine on a freshly migrated database."""
    load_schema()
    created = db.create_database_engine(database_url)
    db.upgrade(created)
    yield created
    created.dispose()


def pytest_sessionfinish(session: pytest.Session) -> None:
    """Drop the installed-database templates this process built for the server tiers."""
    drop_templates()
