"""The protocol as an Excel sheet (the seed's "per Excel über das Excel-Symbol exportieren")."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path

import xlsxwriter

from kontor.apps.portfolio_transfer.store import ProtocolEntry
from kontor.platform.audit.export import spreadsheet_safe

PROTOCOL_COLUMNS = ("Zeitpunkt (UTC)", "Vorgang", "Vertrag", "Art", "Benutzer", "Eintrag")
KINDS = {
    "status": "Status",
    "case_status": "Zeichnungsvorgang",
    "calculation": "Berechnung",
    "order": "Beantragung",
    "remark": "Bemerkung",
    "decision": "Entscheidung",
}


def protocol_rows(
    entries: Iterable[ProtocolEntry], labels: Mapping[str, str]
) -> Iterator[list[str]]:
    """The sheet's rows (header first), every cell text a spreadsheet will not run."""
    yield list(PROTOCOL_COLUMNS)
    for entry in entries:
        values = (
            entry.at.isoformat(), entry.request_id, labels.get(entry.request_id, ""),
            KINDS.get(entry.kind, entry.kind), entry.actor or "System", entry.text,
        )  # fmt: skip
        yield [spreadsheet_safe(value) for value in values]


def write_protocol_xlsx(rows: Iterable[list[str]], path: Path) -> None:
    """Write the rows as the sheet "Protokoll" to ``path`` in constant memory."""
    options = {"constant_memory": True, "strings_to_formulas": False, "strings_to_urls": False}
    workbook = xlsxwriter.Workbook(str(path), options)
    try:
        sheet = workbook.add_worksheet("Protokoll")
        for number, row in enumerate(rows):
            for column, value in enumerate(row):
                sheet.write_string(number, column, value)
    finally:
        workbook.close()
