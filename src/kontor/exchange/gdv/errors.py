"""Errors and warnings of the GDV reader: each names line, record type and field."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from kontor.errors import InvalidInput


class GdvFormatError(InvalidInput):
    """A file that cannot be read as GDV data at all (e.g. not a GDV file, no records)."""

    code = "exchange.gdv.format"
    title = "Keine lesbare GDV-Datei"

    def __init__(self, message: str, *, line: int, record_type: str = "", field: str = "") -> None:
        super().__init__(message, line=line, record_type=record_type, field=field)
        self.line = line
        self.record_type = record_type
        self.field = field

    def __str__(self) -> str:
        return _where(self.line, self.record_type, self.field) + self.message


@dataclass(frozen=True, slots=True)
class GdvWarning:
    """A problem that does not stop reading; ``code`` is stable, ``message`` German."""

    code: str
    message: str
    line: int
    record_type: str = ""
    field: str = ""

    def to_json(self) -> dict[str, Any]:
        """Return the warning as a JSON-ready dict."""
        return {
            "code": self.code,
            "line": self.line,
            "record_type": self.record_type,
            "field": self.field,
            "message": self.message,
        }

    def __str__(self) -> str:
        return _where(self.line, self.record_type, self.field) + self.message


def _where(line: int, record_type: str, field: str) -> str:
    parts = [f"Zeile {line}"] if line > 0 else []
    if record_type:
        parts.append(f"Satzart {record_type}")
    if field:
        parts.append(f"Feld {field}")
    return ", ".join(parts) + ": "
