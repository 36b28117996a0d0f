"""Streaming GDV reader: physical lines → logical records with typed fields and warnings."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import IO, Any, BinaryIO

from kontor.exchange.gdv.errors import GdvFormatError, GdvWarning
from kontor.exchange.gdv.layouts import Catalogue, PartLayout, RecordLayout, catalogue
from kontor.exchange.gdv.lines import RECORD_LENGTH, PhysicalLines, is_blank
from kontor.exchange.gdv.values import FieldValueError, GdvValue, to_json_value

VORSATZ = "0001"
NACHSATZ = "9999"
_FINISHING = frozenset(("0001", "9999", "0200"))
_BLANK_START = " \t\x1a\x00"
_IDENTITY_END = 42  # Satzart … Geschäftsstelle/Vermittler: the same in every part of a record
_SUMS = (
    # (Nachsatz field, record type, fields summed over the package: first one present)
    ("gesbeitrag", "0200", ("gesbeitrag_netto_in_we", "gesbeitrag_in_we")),
)


@dataclass(slots=True, eq=False)
class GdvRecord:
    """One logical record: all Teildatensätze of one record in one data package."""

    record_type: str
    """Layout key, e.g. ``0200``, ``0210.130``, ``0220.010.13.1``; Satzart[.Sparte] if unknown."""
    satzart: str
    sparte: str | None
    fields: dict[str, GdvValue]
    """Typed values by snake_case key (filler and sign fields left out; signs applied)."""
    line: int
    """Line number of its first Teildatensatz (1-based)."""
    parts: list[int]
    """Teildatensatz numbers in the order read."""
    text: list[str] = field(repr=False)
    """Exact text of its lines incl. terminators and blank lines after them (for round trips)."""
    warnings: list[GdvWarning] = field(default_factory=list)
    package: int = 0
    """Number of the data package (1-based; 0 before any Vorsatz)."""
    version: str | None = None
    """Version of the layout used (None when the record type is unknown)."""
    encoding: str = "iso-8859-1"
    layout: RecordLayout | None = field(default=None, repr=False)

    @property
    def known(self) -> bool:
        """Tell whether a layout was found for the record."""
        return self.layout is not None

    @property
    def missing_parts(self) -> list[int]:
        """Return the Teildatensatz numbers of the layout that the file did not have."""
        if self.layout is None:
            return []
        return [number for number in self.layout.parts if number not in self.parts]

    def raw(self) -> bytes:
        """Return the record's bytes exactly as read."""
        return "".join(self.text).encode(self.encoding, "surrogateescape")

    def to_json(self) -> dict[str, Any]:
        """Return the record as a JSON-ready dict (Decimal as string, dates ISO)."""
        return {
            "line": self.line,
            "package": self.package,
            "record_type": self.record_type,
            "satzart": self.satzart,
            "sparte": self.sparte,
            "version": self.version,
            "parts": self.parts,
            "fields": {key: to_json_value(value) for key, value in self.fields.items()},
            "warnings": [warning.to_json() for warning in self.warnings],
        }


@dataclass
class PackageSummary:
    """What one data package (Vorsatz … Nachsatz) held and how its Nachsatz checked out."""

    number: int
    line: int
    versions: dict[str, str] = field(default_factory=dict)
    records: int = 0
    """Physical records between Vorsatz and Nachsatz (what the Nachsatz counts)."""
    sums: dict[str, Decimal] = field(default_factory=dict)
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


class GdvReader:
    """Iterator over the logical records of a GDV file; see ``read_records``."""

    def __init__(self, source: BinaryIO, *, encoding: str | None = None) -> None:
        try:
            self._lines = PhysicalLines(source, encoding)
        except ValueError as error:
            raise GdvFormatError(str(error), line=0, field="encoding") from None
        self._catalogue: Catalogue = catalogue()
        self.packages: list[PackageSummary] = []
        self._package: PackageSummary | None = None
        self._layouts: dict[tuple[str, str], list[RecordLayout]] = {}
        self._pending_version_warnings: dict[str, str] = {}
        self._line_count = 0
        self._package_records = 0
        self._sparte_specific = self._catalogue.sparte_specific
        self._iterator = self._records()

    @property
    def encoding(self) -> str:
        """Return the encoding used (detected or given)."""
        return self._lines.encoding

    @property
    def line_ending(self) -> str:
        """Return ``LF``, ``CRLF``, ``mixed`` or ``none`` (complete once iterated)."""
        return self._lines.line_ending

    @property
    def lines(self) -> int:
        """Return the number of lines read so far."""
        return self._line_count

    def __iter__(self) -> Iterator[GdvRecord]:
        return self._iterator

    def __next__(self) -> GdvRecord:
        return next(self._iterator)

    def _records(self) -> Iterator[GdvRecord]:
        current: GdvRecord | None = None
        layout: RecordLayout | None = None
        identity = satzart_now = ""
        pending: list[str] = []
        seen_record = False
        counted = False  # whether the current record's lines count for the Nachsatz
        length = RECORD_LENGTH
        for number, body, raw in self._lines:
            self._line_count = number
            if (not body or body[0] in _BLANK_START) and is_blank(body):
                if current is not None:
                    current.text.append(raw)
                else:
                    pending.append(raw)
                continue
            text = body if len(body) == length else body.ljust(length)
            satzart = text[0:4]
            if (
                layout is not None
                and satzart == satzart_now
                and text[4:_IDENTITY_END] == identity
                and current is not None
            ):
                part = layout.part_of(text) if layout.fits(text) else None
                if part is not None and part.number not in current.parts:
                    current.text.append(raw)
                    current.parts.append(part.number)
                    if counted:
                        self._package_records += 1
                    try:
                        current.fields.update(part.decode_tail(text))
                    except FieldValueError:
                        self._decode_slowly(current, part, number, text, first=False)
                    continue
            if current is not None:
                if current.satzart in _FINISHING:
                    self._finish(current)
                yield current
            elif not seen_record:
                _check_first_line(number, body)
                seen_record = True
            current = self._start(number, text, satzart, [*pending, raw] if pending else [raw])
            pending = []
            layout = current.layout
            satzart_now = satzart
            identity = text[4:_IDENTITY_END]
            counted = satzart not in (VORSATZ, NACHSATZ)
        if not seen_record:
            raise GdvFormatError(
                "Die Datei enthält keine Sätze", line=self._line_count, field="Satzart"
            )
        if current is not None:
            if pending:
                current.text.extend(pending)
            finished = self._finish(current)
            self._close_package(finished, at_end=True)
            yield finished

    # --- records -------------------------------------------------------------------------

    def _start(self, number: int, text: str, satzart: str, raw: list[str]) -> GdvRecord:
        warnings: list[GdvWarning] = []
        if satzart == VORSATZ:
            self._open_package(number, warnings)
        elif self._package is None:
            self._open_package(number, warnings)
            warnings.append(
                GdvWarning("vorsatz_missing", "Datenpaket ohne Vorsatz 0001", number, satzart)
            )
        package = self._package
        assert package is not None
        if satzart != VORSATZ and satzart != NACHSATZ:
            self._package_records += 1
        specific = satzart in self._sparte_specific
        sparte = text[10:13] if specific else ""
        cache_key = (satzart, sparte)
        layouts = self._layouts.get(cache_key)
        if layouts is None:
            layouts = self._resolve(cache_key)
            self._layouts[cache_key] = layouts
        layout: RecordLayout | None = None
        part: PartLayout | None = None
        for candidate in layouts:
            if candidate.fits(text):
                part = candidate.part_of(text)
                if part is not None:
                    layout = candidate
                    break
        if layout is None:
            layout, part = self._layout_fallback(number, satzart, sparte, text, layouts, warnings)
        if self._pending_version_warnings and layout is not None:
            self._version_warning(number, layout, warnings)
        if layout is None or part is None:
            return GdvRecord(
                satzart + "." + sparte if specific else satzart,
                satzart,
                sparte if specific else None,
                {},
                number,
                [_part_number(text)],
                raw,
                warnings,
                package.number,
                None,
                self.encoding,
            )
        try:
            fields = part.decode_full(text)
        except FieldValueError:
            fields = {}
            record = GdvRecord(
                layout.key, satzart, layout.sparte, fields, number, [], raw, warnings,
                package.number, layout.version, self.encoding, layout,
            )  # fmt: skip
            self._decode_slowly(record, part, number, text, first=True)
            record.parts.append(part.number)
            return record
        return GdvRecord(
            layout.key, satzart, layout.sparte, fields, number, [part.number], raw, warnings,
            package.number, layout.version, self.encoding, layout,
        )  # fmt: skip

    def _decode_slowly(
        self, record: GdvRecord, part: PartLayout, number: int, text: str, *, first: bool
    ) -> None:
        values, problems = part.decode_slowly(text, frozenset() if first else part.shared_keys)
        for name, problem in problems:
            record.warnings.append(
                GdvWarning("field_invalid", problem, number, record.record_type, name)
            )
        record.fields.update(values)

    def _layout_fallback(
        self,
        number: int,
        satzart: str,
        sparte: str,
        text: str,
        layouts: list[RecordLayout],
        warnings: list[GdvWarning],
    ) -> tuple[RecordLayout | None, PartLayout | None]:
        fitting = [layout for layout in layouts if layout.fits(text)]
        if fitting:
            layout = fitting[0]
            part = next(iter(layout.parts.values()))
            warnings.append(
                GdvWarning(
                    "part_unknown",
                    "Teildatensatz-Nummer nicht erkennbar; "
                    f"gelesen als Teildatensatz {part.number}",
                    number,
                    layout.key,
                    "Satznummer",
                )
            )
            return layout, part
        shown = f"{satzart}.{sparte}" if sparte else satzart
        warnings.append(
            GdvWarning(
                "record_type_unknown", f"Unbekannte Satzart {shown}", number, shown, "Satzart"
            )
        )
        return None, None

    def _resolve(self, cache_key: tuple[str, str]) -> list[RecordLayout]:
        satzart, sparte = cache_key
        keys = self._catalogue.candidates(satzart, sparte)
        package = self._package
        versions = package.versions if package is not None else {}
        resolved = []
        for key in keys:
            declared = _declared_version(key, versions)
            layout, problem = self._catalogue.choose(key, declared)
            if problem:
                self._pending_version_warnings[key] = problem
            resolved.append(layout)
        return resolved

    def _version_warning(self, number: int, layout: RecordLayout, out: list[GdvWarning]) -> None:
        problem = self._pending_version_warnings.pop(layout.key, None)
        if problem:
            out.append(GdvWarning("version_fallback", problem, number, layout.key, "Version"))

    def _finish(self, record: GdvRecord) -> GdvRecord:
        if record.satzart == VORSATZ and self._package is not None:
            self._package.versions = self._versions_of(record)
            self._layouts.clear()
            self._pending_version_warnings = {}
        elif record.satzart == NACHSATZ:
            self._check_nachsatz(record)
        elif record.layout is not None and self._package is not None:
            for nachsatz_field, source_type, source_fields in _SUMS:
                if record.record_type == source_type:
                    value = next(
                        (record.fields[key] for key in source_fields if key in record.fields), None
                    )
                    if isinstance(value, Decimal):
                        sums = self._package.sums
                        sums[nachsatz_field] = sums.get(nachsatz_field, Decimal(0)) + value
        return record

    def _versions_of(self, vorsatz: GdvRecord) -> dict[str, str]:
        versions = {}
        for key, prefix in self._catalogue.version_fields.items():
            value = vorsatz.fields.get(key)
            if isinstance(value, str) and value.strip():
                versions[prefix] = value.strip()
        return versions

    # --- packages ------------------------------------------------------------------------

    def _open_package(self, number: int, warnings: list[GdvWarning]) -> None:
        previous = self._package
        if previous is not None and previous.nachsatz_line is None:
            warnings.append(
                GdvWarning(
                    "nachsatz_missing",
                    f"Datenpaket {previous.number} (ab Zeile {previous.line}) "
                    "endet ohne Nachsatz 9999",
                    number,
                    VORSATZ,
                )
            )
        if previous is not None:
            previous.records = self._package_records
        self._package_records = 0
        self._package = PackageSummary(number=len(self.packages) + 1, line=number)
        self.packages.append(self._package)
        self._layouts.clear()
        self._pending_version_warnings = {}

    def _close_package(self, last: GdvRecord, *, at_end: bool) -> None:
        package = self._package
        if package is not None:
            package.records = self._package_records
        if at_end and package is not None and package.nachsatz_line is None:
            last.warnings.append(
                GdvWarning(
                    "nachsatz_missing",
                    f"Datenpaket {package.number} (ab Zeile {package.line}) "
                    "endet ohne Nachsatz 9999",
                    self._line_count,
                    last.record_type,
                )
            )

    def _check_nachsatz(self, record: GdvRecord) -> None:
        package = self._package
        if package is None:
            return
        package.nachsatz_line = record.line
        package.records = self._package_records
        expected = record.fields.get("anz_saetze")
        if isinstance(expected, int):
            self._add_check(record, "anz_saetze", "Anzahl der Sätze", expected, package.records)
        for nachsatz_field, _, _ in _SUMS:
            stated = record.fields.get(nachsatz_field)
            if isinstance(stated, Decimal):
                actual = package.sums.get(nachsatz_field, Decimal(0))
                self._add_check(record, nachsatz_field, "Gesamtbeitrag", stated, actual)

    def _add_check(self, record: GdvRecord, key: str, name: str, stated: Any, actual: Any) -> None:
        package = self._package
        assert package is not None
        ok = stated == actual
        package.checks.append(
            {
                "field": key,
                "stated": to_json_value(stated),
                "actual": to_json_value(actual),
                "ok": ok,
            }
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


def _declared_version(key: str, versions: dict[str, str]) -> str | None:
    pieces = key.split(".")
    for length in range(len(pieces), 0, -1):
        found = versions.get(".".join(pieces[:length]))
        if found:
            return found
    return None


def _part_number(text: str) -> int:
    last = text[RECORD_LENGTH - 1 : RECORD_LENGTH]
    return int(last) if last.isdigit() and last.isascii() else 1


def _check_first_line(number: int, body: str) -> None:
    satzart = body[0:4].lstrip("\ufeff")
    if not (len(satzart) == 4 and satzart.isascii() and satzart.isdigit()):
        raise GdvFormatError(
            "Keine GDV-Datei: die erste Zeile beginnt nicht mit einer Satzart (4 Ziffern)",
            line=number,
            field="Satzart",
        )


def read_records(
    source: BinaryIO | IO[bytes] | bytes | str | os.PathLike[str],
    *,
    encoding: str | None = None,
) -> GdvReader:
    """Read a GDV file lazily (path, bytes or binary stream); ``encoding`` overrides detection."""
    if isinstance(source, bytes):
        import io

        return GdvReader(io.BytesIO(source), encoding=encoding)
    if isinstance(source, str | os.PathLike):
        return _FileReader(Path(source), encoding)
    return GdvReader(source, encoding=encoding)  # type: ignore[arg-type]


class _FileReader(GdvReader):
    """A reader that owns its file and closes it when iteration ends."""

    def __init__(self, path: Path, encoding: str | None) -> None:
        self._file = path.open("rb")
        try:
            super().__init__(self._file, encoding=encoding)
        except BaseException:
            self._file.close()
            raise

    def _records(self) -> Iterator[GdvRecord]:
        try:
            yield from super()._records()
        finally:
            self._file.close()

    def __del__(self) -> None:
        file = getattr(self, "_file", None)
        if file is not None:
            file.close()
