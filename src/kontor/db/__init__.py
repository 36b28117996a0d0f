"""Database access: engines for SQLite and PostgreSQL, shared metadata and types, migrations."""

from kontor.db.engine import (
    connect_for_reading,
    connect_for_writing,
    create_database_engine,
    end_reading,
    is_contention,
    is_retryable_at_once,
    is_unstorable_text,
    locks_at_begin,
    reader_engine,
    reading,
)
from kontor.db.lists import one_of
from kontor.db.migrate import (
    current_revisions,
    downgrade,
    head_revisions,
    is_up_to_date,
    unknown_revisions,
    upgrade,
)
from kontor.db.planner import planned_rows
from kontor.db.schema import (
    JsonDocument,
    JsonValue,
    UtcDateTime,
    metadata,
    tenant_column_type,
)
from kontor.db.text_search import contains_text

__all__ = [
    "JsonDocument",
    "JsonValue",
    "UtcDateTime",
    "connect_for_reading",
    "connect_for_writing",
    "contains_text",
    "create_database_engine",
    "current_revisions",
    "downgrade",
    "end_reading",
    "head_revisions",
    "is_contention",
    "is_retryable_at_once",
    "is_unstorable_text",
    "is_up_to_date",
    "locks_at_begin",
    "metadata",
    "one_of",
    "planned_rows",
    "reader_engine",
    "reading",
    "tenant_column_type",
    "unknown_revisions",
    "upgrade",
]
