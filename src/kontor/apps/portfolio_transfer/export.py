"""The protocol as an Excel sheet (the seed's "per Excel über das Excel-Symbol exportieren")."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path

from kontor.apps.portfolio_transfer.store import ProtocolEntry
from kontor.exchange.tabular import write_xlsx

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
    """The sheet's rows (header first), every cell text."""
    yield list(PROTOCOL_COLUMNS)
    for entry in entries:
        values = (
            entry.at.isoformat(), entry.request_id, labels.get(entry.request_id, ""),
            KINDS.get(entry.kind, entry.kind), entry.actor or "System", entry.text,
        )  # fmt: skip
        yield list(values)


def write_protocol_xlsx(rows: Iterable[list[str]], path: Path) -> None:
    """Write the rows as the sheet "Protokoll" to ``path`` (formula-like text escaped)."""
    write_xlsx(path, rows, "Protokoll")
