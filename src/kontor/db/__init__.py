"""Database access: engines for SQLite and PostgreSQL, shared metadata and types, migrations."""

from kontor.db.engine import WRITE_OPTION, create_database_engine, is_sqlite
from kontor.db.migrate import current_revision, downgrade, head_revision, upgrade
from kontor.db.schema import JsonDocument, UtcDateTime, metadata, tenant_column_type

__all__ = [
    "WRITE_OPTION",
    "JsonDocument",
    "UtcDateTime",
    "create_database_engine",
    "current_revision",
    "downgrade",
    "head_revision",
    "is_sqlite",
    "metadata",
    "tenant_column_type",
    "upgrade",
]
