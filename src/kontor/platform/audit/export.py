"""Export of audit entries as CSV or XLSX, with cells a spreadsheet would run kept as text."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TextIO

import xlsxwriter

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
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
ERASED = "(erased)"


def spreadsheet_safe(value: str) -> str:
    """``value`` with a leading quote when a spreadsheet would read it as a formula (OWASP)."""
    return f"'{value}" if value.startswith(_FORMULA_STARTS) else value


def export_rows(entries: Iterable[AuditEntry]) -> Iterator[list[str]]:
    """The export's rows (header first), every cell text and spreadsheet-safe."""
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
        yield [spreadsheet_safe(value) for value in values]


def csv_lines(rows: Iterable[list[str]]) -> Iterator[str]:
    """The rows as CSV text, one line at a time (for streaming)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in rows:
        writer.writerow(row)
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()


def write_csv(rows: Iterable[list[str]], target: TextIO) -> None:
    """Write the rows as CSV to ``target``."""
    for line in csv_lines(rows):
        target.write(line)


def write_xlsx(rows: Iterable[list[str]], path: Path) -> None:
    """Write the rows as one XLSX sheet to ``path``, row by row in constant memory."""
    options = {"constant_memory": True, "strings_to_formulas": False, "strings_to_urls": False}
    workbook = xlsxwriter.Workbook(str(path), options)
    try:
        sheet = workbook.add_worksheet("audit")
        for number, row in enumerate(rows):
            for column, value in enumerate(row):
                sheet.write_string(number, column, value)
    finally:
        workbook.close()
