"""The shared table metadata and column types every component's tables use."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, DateTime, MetaData, String, Text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

from kontor.db import json_codec

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = MetaData(naming_convention=NAMING_CONVENTION)
"""All of Kontor's tables; each component registers its own on it."""

JsonDocument = JSON().with_variant(JSONB(), "postgresql")
"""A JSON column: JSONB on PostgreSQL, JSON text on SQLite."""


class JsonText(TypeDecorator[Any]):
    """JSON in a column SQLite declares TEXT: a bare number stays the text written.

    SQLite gives a column declared JSON NUMERIC affinity, so a document that is a bare number
    (``0.30000000000000004441``) would be stored as a float and come back changed.
    """

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> str | None:
        return None if value is None else json_codec.dumps(value)

    def process_result_value(self, value: Any, dialect: Dialect) -> Any:
        return None if value is None else json_codec.loads(value)


JsonValue = JSON().with_variant(JSONB(), "postgresql").with_variant(JsonText(), "sqlite")
"""A JSON column that may hold a bare number (a variable's value): exact on both databases."""


class UtcDateTime(TypeDecorator[dt.datetime]):
    """A timezone-aware UTC timestamp; naive values are refused, SQLite's naive ones restored."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r} given; Kontor stores aware UTC times")
        if dialect.name != "sqlite":
            return value  # a timestamptz keeps the instant whatever the zone it came in
        if value.tzinfo is not dt.UTC:
            value = value.astimezone(dt.UTC)
        return value.replace(tzinfo=None)

    def process_result_value(self, value: Any, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)  # type: ignore[no-any-return]
        if value.tzinfo is dt.UTC:
            return value  # type: ignore[no-any-return]
        return value.astimezone(dt.UTC)  # type: ignore[no-any-return]


def tenant_column_type() -> String:
    """The column type of ``tenant_id`` on every business table."""
    return String(64)
