"""Database access: engines for SQLite and PostgreSQL, shared metadata and types, migrations."""

from kontor.db.engine import WRITE_OPTION, create_database_engine, is_sqlite
from kontor.db.migrate import (
    current_revisions,
    downgrade,
    head_revisions,
    is_up_to_date,
    upgrade,
)
from kontor.db.schema import JsonDocument, UtcDateTime, metadata, tenant_column_type

__all__ = [
    "WRITE_OPTION",
    "JsonDocument",
    "UtcDateTime",
    "create_database_engine",
    "current_revisions",
    "downgrade",
    "head_revisions",
    "is_sqlite",
    "is_up_to_date",
    "metadata",
    "tenant_column_type",
    "upgrade",
]
