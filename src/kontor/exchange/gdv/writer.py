"""GDV writer: records back to bytes, and new files built from typed values."""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Mapping
from datetime import date
from decimal import Decimal
from typing import IO

from kontor.exchange.gdv.errors import GdvFormatError
from kontor.exchange.gdv.layouts import FieldLayout, RecordLayout, catalogue
from kontor.exchange.gdv.lines import RECORD_LENGTH, normalise_encoding
from kontor.exchange.gdv.packages import NACHSATZ, VORSATZ
from kontor.exchange.gdv.record import GdvRecord
from kontor.exchange.gdv.values import GdvValue, format_value


def write_records(
    records: Iterable[GdvRecord],
    stream: IO[bytes] | None = None,
    *,
    encoding: str | None = None,
    line_ending: str = "\n",
) -> bytes:
    """Write records as GDV bytes (to ``stream`` if given, also returned when no stream).

    Records read from a file are written exactly as read, their lines back in file order
    (parts interleaved with other records included); records built with ``new_record`` are
    rendered from their fields where they come.
    """
    try:
        forced = normalise_encoding(encoding) if encoding else None
    except ValueError as error:
        raise GdvFormatError(str(error), line=0, field="encoding") from None
    chunks: list[bytes] = []
    waiting: list[tuple[int, str, str]] = []  # heap of (line, text, encoding) not yet written
    previous_first = 0

    def emit(text: str, read_as: str, rendered: bool) -> None:
        chosen = forced or read_as
        # read text goes back byte for byte; other text gets "?" for what the encoding lacks
        errors = "surrogateescape" if chosen == read_as and not rendered else "replace"
        data = text.encode(chosen, errors)
        if stream is not None:
            stream.write(data)
        else:
            chunks.append(data)

    def release(before: int | None) -> None:
        while waiting and (before is None or waiting[0][0] < before):
            _, text, read_as = heapq.heappop(waiting)
            emit(text, read_as, rendered=False)

    for record in records:
        if record.chunks:
            first = record.chunks[0][0]
            # records of one read come in line order; a smaller line starts another read
            release(None if first <= previous_first else first)
            previous_first = first
            for line, text in record.chunks:
                heapq.heappush(waiting, (line, text, record.encoding))
        else:
            release(None)
            emit(render_record(record, line_ending), record.encoding, rendered=True)
    release(None)
    return b"".join(chunks)


def newest_layout(record_type: str) -> RecordLayout:
    """Return the newest layout of a record type (``0200``, ``0210.130``, …)."""
    versions = catalogue().by_key.get(record_type)
    if not versions:
        raise GdvFormatError(f"Unbekannte Satzart {record_type}", line=0, record_type=record_type)
    newest = max(versions, key=lambda item: tuple(int(p) for p in item.split(".") if p.isdigit()))
    return versions[newest]


def new_record(
    record_type: str, fields: Mapping[str, GdvValue], *, version: str | None = None
) -> GdvRecord:
    """Return a record to write, from typed values keyed like the reader's ``fields``.

    Satzart, Sparte, part numbers, sub-type marks and signs of amounts are filled in; unknown
    keys raise ``GdvFormatError`` naming the field.
    """
    layout = (
        catalogue().by_key.get(record_type, {}).get(version) if version else None
    ) or newest_layout(record_type)
    known = {item.key for part in layout.parts.values() for item in part.value_fields()}
    unknown = sorted(set(fields) - known)
    if unknown:
        raise GdvFormatError(
            f"Feld {unknown[0]} gibt es in Satzart {record_type} (Version {layout.version}) nicht",
            line=0,
            record_type=record_type,
            field=unknown[0],
        )
    parts = [
        part.number
        for index, part in enumerate(layout.parts.values())
        if index == 0
        or any(
            item.key in fields and item.key not in part.shared_keys for item in part.value_fields()
        )
    ]
    return GdvRecord(
        record_type=layout.key,
        satzart=layout.satzart,
        sparte=layout.sparte,
        fields=dict(fields),
        line=0,
        parts=parts,
        chunks=[],
        version=layout.version,
        layout=layout,
    )


def render_record(record: GdvRecord, line_ending: str = "\n") -> str:
    """Return the text of a record's parts rendered from its fields (one line per part)."""
    layout = record.layout
    if layout is None:
        raise GdvFormatError(
            "Satz ohne bekannte Satzart kann nicht geschrieben werden",
            line=record.line,
            record_type=record.record_type,
        )
    lines = []
    for number in record.parts:
        part = layout.parts[number]
        line = [" "] * RECORD_LENGTH
        for item in part.fields:
            if item.type in {"S", "L"}:
                continue
            value = _value_for(record, layout, item)
            if value is None:
                continue
            try:
                text = format_value(value, item.type, item.length, item.decimals)
            except (ValueError, ArithmeticError) as error:
                raise GdvFormatError(
                    str(error), line=record.line, record_type=record.record_type, field=item.name
                ) from None
            line[item.start : item.end] = text
        marks = list(layout.match)
        if part.check is not None:
            marks.append(part.check)
        for position, chars in marks:
            if line[position] == " ":
                line[position] = chars[0]
        for amount_key, sign_at in part.signs.items():
            amount = record.fields.get(amount_key)
            negative = isinstance(amount, int | Decimal) and amount < 0
            line[sign_at] = "-" if negative else "+"
        lines.append("".join(line) + line_ending)
    return "".join(lines)


def _value_for(record: GdvRecord, layout: RecordLayout, item: FieldLayout) -> GdvValue:
    if item.key in record.fields:
        value = record.fields[item.key]
        if item.type in {"N", "F"} and isinstance(value, int | Decimal) and value < 0:
            return -value
        return value
    if (item.start, item.length) == (0, 4):
        return int(layout.satzart)
    if (item.start, item.length) == (10, 3) and layout.sparte is not None:
        return int(layout.sparte)  # Sparte (Produkt for Bausparen)
    return None


class GdvFileBuilder:
    """Build a new GDV file: one data package with Vorsatz and Nachsatz filled in."""

    def __init__(
        self,
        *,
        vu_nr: str,
        absender: str,
        adressat: str,
        erstellt: date,
        vermittler: str = "",
    ) -> None:
        self.vu_nr = vu_nr
        self.absender = absender
        self.adressat = adressat
        self.erstellt = erstellt
        self.vermittler = vermittler
        self.records: list[GdvRecord] = []

    def add(self, record_type: str, **fields: GdvValue) -> GdvRecord:
        """Append a record; VU-Nummer and Geschäftsstelle/Vermittler default to the file's."""
        layout = newest_layout(record_type)
        defaults = {"vu_nr": self.vu_nr, "geschaeftsstelle_vermittler": self.vermittler}
        values: dict[str, GdvValue] = {
            key: value for key, value in defaults.items() if layout.field(key) is not None
        }
        values.update(fields)
        record = new_record(record_type, values)
        self.records.append(record)
        return record

    def build(self) -> list[GdvRecord]:
        """Return Vorsatz, the added records and a Nachsatz with count and premium sum."""
        return [self._vorsatz(), *self.records, self._nachsatz()]

    def to_bytes(self, *, encoding: str = "iso-8859-1", line_ending: str = "\n") -> bytes:
        """Return the whole file as bytes."""
        return write_records(self.build(), encoding=encoding, line_ending=line_ending)

    def _vorsatz(self) -> GdvRecord:
        by_prefix = {prefix: key for key, prefix in catalogue().version_fields.items()}
        versions: dict[str, GdvValue] = {}
        for layout in [newest_layout(VORSATZ), newest_layout(NACHSATZ)] + [
            record.layout for record in self.records if record.layout is not None
        ]:
            pieces = layout.key.split(".")
            for length in range(len(pieces), 0, -1):
                field_key = by_prefix.get(".".join(pieces[:length]))
                if field_key:
                    versions.setdefault(field_key, layout.version)
                    break
        period = self.erstellt.strftime("%d%m%Y")
        return new_record(
            VORSATZ,
            {
                "vu_nr": self.vu_nr,
                "absender": self.absender,
                "adressat": self.adressat,
                "erstellungs_datum_zeitraum_vom_zeitraum_bis": int(period + period),
                "geschaeftsstelle_vermittler": self.vermittler,
                **versions,
            },
        )

    def _nachsatz(self) -> GdvRecord:
        count = sum(len(record.parts) for record in self.records)
        total = sum(
            (
                value
                for record in self.records
                if record.satzart == "0200"
                and isinstance(value := record.fields.get("gesbeitrag_netto_in_we"), Decimal)
            ),
            Decimal("0.00"),
        )
        return new_record(
            NACHSATZ,
            {
                "anz_saetze": count,
                "geschaeftsstelle_vermittler": self.vermittler,
                "gesbeitrag": total,
            },
        )
