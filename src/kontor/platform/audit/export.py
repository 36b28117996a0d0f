"""Audit entries as spreadsheet rows of text; ``exchange.tabular`` writes and escapes them."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator

from kontor.platform.audit.entries import AuditEntry

EXPORT_COLUMNS = (
    "entry_id",
    "recorded_at",
    "tenant_id",
    "actor",
    "action",
    "entity_type",
    "entity_id",
    "correlation_id",
    "subject",
    "difference",
)
ERASED = "(erased)"


def export_rows(entries: Iterable[AuditEntry]) -> Iterator[list[str]]:
    """The export's rows (header first), every cell text."""
    yield list(EXPORT_COLUMNS)
    for entry in entries:
        if entry.difference is not None:
            difference = json.dumps(entry.difference, ensure_ascii=False, sort_keys=True)
        else:
            difference = ERASED
        values = (
            entry.entry_id,
            entry.recorded_at.isoformat(),
            entry.tenant_id,
            entry.actor or "",
            entry.action,
            entry.entity_type,
            entry.entity_id,
            entry.correlation_id or "",
            entry.subject or "",
            difference,
        )
        yield list(values)
