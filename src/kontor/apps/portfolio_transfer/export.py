"""The protocol as Excel rows (the seed's "per Excel über das Excel-Symbol exportieren")."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping

from kontor.apps.portfolio_transfer.store import ProtocolEntry

PROTOCOL_SHEET = "Protokoll"
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
