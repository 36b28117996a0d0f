"""Data packages of a GDV file: Vorsatz versions, what was counted, Nachsatz checks."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from kontor.exchange.gdv.errors import GdvWarning
from kontor.exchange.gdv.layouts import Catalogue
from kontor.exchange.gdv.record import GdvRecord
from kontor.exchange.gdv.values import to_json_value

VORSATZ = "0001"
NACHSATZ = "9999"
PREMIUM_FIELDS = ("gesbeitrag_netto_in_we", "gesbeitrag_in_we")
"""Gesamtbeitrag of a 0200 record (name of the 2018/2023 descriptions, older name)."""


@dataclass
class PackageSummary:
    """What one data package (Vorsatz … Nachsatz) held and how its Nachsatz checked out."""

    number: int
    line: int
    versions: dict[str, str] = field(default_factory=dict)
    """Record type key prefix → version named in the Vorsatz."""
    records: int = 0
    """Lines between Vorsatz and Nachsatz (what the Nachsatz counts)."""
    premium: Decimal = Decimal("0.00")
    """Sum of the 0200 records' Gesamtbeitrag."""
    nachsatz_line: int | None = None
    checks: list[dict[str, Any]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        """Return the summary as a JSON-ready dict."""
        return {
            "number": self.number,
            "line": self.line,
            "records": self.records,
            "nachsatz_line": self.nachsatz_line,
            "checks": self.checks,
        }


class Packages:
    """Follows the data packages while a file is read (the reader counts ``current.records``)."""

    def __init__(self, catalogue: Catalogue) -> None:
        self._catalogue = catalogue
        self.summaries: list[PackageSummary] = []
        self.current: PackageSummary | None = None

    def start(self, line: int, satzart: str, warnings: list[GdvWarning]) -> None:
        """Begin a package at ``line``; warn when the previous one had no Nachsatz."""
        previous = self.current
        if previous is not None and previous.nachsatz_line is None:
            warnings.append(_nachsatz_missing(previous, line, VORSATZ))
        if satzart != VORSATZ:
            warnings.append(
                GdvWarning(
                    "vorsatz_missing", "Datenpaket ohne Vorsatz 0001", line, satzart, "Satzart"
                )
            )
        self.current = PackageSummary(number=len(self.summaries) + 1, line=line)
        self.summaries.append(self.current)

    def finished(self, record: GdvRecord) -> None:
        """Take note of a complete Vorsatz, Nachsatz or contract (0200) record."""
        package = self.current
        if package is None:
            return
        if record.satzart == VORSATZ:
            package.versions = self._versions_of(record)
        elif record.satzart == NACHSATZ:
            self._check_nachsatz(package, record)
        elif record.satzart == "0200":
            for key in PREMIUM_FIELDS:
                value = record.fields.get(key)
                if isinstance(value, Decimal):
                    package.premium += value
                    break

    def end_of_file(self, last: GdvRecord, line: int) -> None:
        """Warn on the last record when the last package had no Nachsatz."""
        package = self.current
        if package is not None and package.nachsatz_line is None:
            last.warnings.append(_nachsatz_missing(package, line, last.record_type))

    def _versions_of(self, vorsatz: GdvRecord) -> dict[str, str]:
        versions = {}
        for key, prefix in self._catalogue.version_fields.items():
            value = vorsatz.fields.get(key)
            if isinstance(value, str) and value.strip():
                versions[prefix] = value.strip()
        return versions

    def _check_nachsatz(self, package: PackageSummary, record: GdvRecord) -> None:
        package.nachsatz_line = record.line
        stated_count = record.fields.get("anz_saetze")
        if isinstance(stated_count, int):
            _check(package, record, "anz_saetze", "Anzahl der Sätze", stated_count, package.records)
        stated_premium = record.fields.get("gesbeitrag")
        if isinstance(stated_premium, Decimal):
            _check(package, record, "gesbeitrag", "Gesamtbeitrag", stated_premium, package.premium)


def _check(
    package: PackageSummary, record: GdvRecord, key: str, name: str, stated: Any, actual: Any
) -> None:
    ok = stated == actual
    package.checks.append(
        {"field": key, "stated": to_json_value(stated), "actual": to_json_value(actual), "ok": ok}
    )
    if not ok:
        record.warnings.append(
            GdvWarning(
                "nachsatz_mismatch",
                f"Nachsatz nennt {stated}, gezählt/summiert: {actual}",
                record.line,
                NACHSATZ,
                name,
            )
        )


def _nachsatz_missing(package: PackageSummary, line: int, record_type: str) -> GdvWarning:
    return GdvWarning(
        "nachsatz_missing",
        f"Datenpaket {package.number} (ab Zeile {package.line}) endet ohne Nachsatz 9999",
        line,
        record_type,
        "Satzart",
    )
