"""Database access: engines for SQLite and PostgreSQL, shared metadata and types, migrations."""

from kontor.db.engine import (
    connect_for_writing,
    create_database_engine,
    is_contention,
    is_retryable_at_once,
    is_unstorable_text,
    reader_engine,
)
from kontor.db.migrate import (
    current_revisions,
    downgrade,
    head_revisions,
    is_up_to_date,
    upgrade,
)
from kontor.db.schema import JsonDocument, UtcDateTime, metadata, tenant_column_type

__all__ = [
    "JsonDocument",
    "UtcDateTime",
    "connect_for_writing",
    "create_database_engine",
    "current_revisions",
    "downgrade",
    "head_revisions",
    "is_contention",
    "is_retryable_at_once",
    "is_unstorable_text",
    "is_up_to_date",
    "metadata",
    "reader_engine",
    "tenant_column_type",
    "upgrade",
]
