"""Test backends: SQLite files, PostgreSQL schemas and RabbitMQ, from the CI variables."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest
from sqlalchemy import text

from kontor import db

POSTGRES_URL = os.environ.get("KONTOR_TEST_POSTGRES_URL")
AMQP_URL = os.environ.get("KONTOR_TEST_AMQP_URL")
SHARED = Path(__file__).resolve().parents[2].parent / "shared"

needs_postgres = pytest.mark.skipif(
    not POSTGRES_URL, reason="PostgreSQL tests need KONTOR_TEST_POSTGRES_URL (CI sets it)"
)
needs_rabbitmq = pytest.mark.skipif(
    not AMQP_URL, reason="RabbitMQ tests need KONTOR_TEST_AMQP_URL (CI sets it)"
)


def sqlite_url(directory: Path) -> str:
    """A fresh SQLite database file in ``directory``."""
    return f"sqlite:///{directory / 'kontor.db'}"


UNFLUSHED_COMMITS = "-csynchronous_commit%3Doff"
"""A test session's commit does not wait for PostgreSQL to flush its log to disk. The commit is
as atomic and as visible to every other session; only a crash of the PostgreSQL server itself,
which no test causes (the crash tests kill Kontor's processes), could lose it. It makes a commit
about ten times cheaper on a busy machine."""


def postgres_url_with_schema(schema: str) -> str:
    """The test PostgreSQL URL with ``schema`` first on the search path."""
    assert POSTGRES_URL
    separator = "&" if "?" in POSTGRES_URL else "?"
    return f"{POSTGRES_URL}{separator}options=-csearch_path%3D{schema}%20{UNFLUSHED_COMMITS}"


def create_postgres_schema() -> str:
    """Create an empty schema of its own for one test and return its name."""
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = db.create_database_engine(POSTGRES_URL or "")
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    admin.dispose()
    return schema


def drop_postgres_schema(schema: str) -> None:
    """Drop a test schema and everything in it."""
    admin = db.create_database_engine(POSTGRES_URL or "")
    with admin.begin() as connection:
        connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    admin.dispose()


BACKENDS = [pytest.param("sqlite", id="sqlite"), pytest.param("postgres", id="postgres")]
