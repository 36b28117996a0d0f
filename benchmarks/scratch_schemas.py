"""Throwaway PostgreSQL schemas for benchmark runs (dropped afterwards)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import text

from kontor import db


@contextmanager
def postgres_schema(url: str) -> Iterator[tuple[str, str]]:
    """Create a fresh schema; yield (url that uses it, schema name); drop it at the end."""
    schema = f"bench_{uuid.uuid4().hex[:8]}"
    admin = db.create_database_engine(url)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    separator = "&" if "?" in url else "?"
    try:
        yield f"{url}{separator}options=-csearch_path%3D{schema}", schema
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()
