"""Streaming GDV reader: physical lines → logical records with typed fields and warnings."""

from __future__ import annotations

import io
import os
from collections import deque
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from kontor.exchange.gdv.errors import GdvFormatError, GdvWarning
from kontor.exchange.gdv.layouts import (
    Catalogue,
    LayoutChoice,
    PartLayout,
    RecordLayout,
    catalogue,
)
from kontor.exchange.gdv.lines import RECORD_LENGTH, PhysicalLines, is_blank
from kontor.exchange.gdv.packages import NACHSATZ, VORSATZ, Packages, PackageSummary
from kontor.exchange.gdv.record import GdvRecord
from kontor.exchange.gdv.values import FieldValueError

_FINISHING = frozenset((VORSATZ, NACHSATZ, "0200"))
_UNCOUNTED = frozenset((VORSATZ, NACHSATZ))
_MAX_QUEUED = 64  # records of one contract held back at most (keeps memory flat)
_BLANK_START = " \t\x1a\x00"
_IDENTITY_END = 42  # Satzart … Geschäftsstelle/Vermittler: the same in every part of a record


class GdvReader:
    """Iterator over the logical records of a GDV file; see ``read_records``."""

    def __init__(self, source: IO[bytes], *, encoding: str | None = None) -> None:
        try:
            self._lines = PhysicalLines(source, encoding)
        except ValueError as error:
            raise GdvFormatError(str(error), line=0, field="encoding") from None
        self._encoding = self._lines.encoding
        self._catalogue: Catalogue = catalogue()
        self._packages = Packages(self._catalogue)
        self._layouts: dict[tuple[str, str], LayoutChoice] = {}
        self._pending_version_warnings: dict[str, str] = {}
        self._line_count = 0
        self._sparte_specific = self._catalogue.sparte_specific
        self._iterator = self._records()

    @property
    def encoding(self) -> str:
        """Return the encoding used (detected or given)."""
        return self._encoding

    @property
    def line_ending(self) -> str:
        """Return ``LF``, ``CRLF``, ``mixed`` or ``none`` (complete once iterated)."""
        return self._lines.line_ending

    @property
    def packages(self) -> list[PackageSummary]:
        """Return the data packages read so far, with their Nachsatz checks."""
        return self._packages.summaries

    @property
    def lines(self) -> int:
        """Return the number of lines read so far."""
        return self._line_count

    def __iter__(self) -> Iterator[GdvRecord]:
        return self._iterator

    def __next__(self) -> GdvRecord:
        return next(self._iterator)

    def _records(self) -> Iterator[GdvRecord]:
        """Group lines into records; records of one contract stay open while its lines last.

        All lines with the same columns 5–42 (VU-Nummer … Vermittler: one contract or person)
        form a group; within it a line continues the open record of its Satzart when its
        sub-type fits and its part number is new, so parts interleaved with extension records
        (0220.030 parts 1, 2, 0221.030 part 2, 0220.030 part 3 …) make one record each.
        Records are yielded in the order of their first line.
        """
        queue: deque[GdvRecord] = deque()  # started, not yet yielded, in first-line order
        open_records: dict[str, GdvRecord] = {}  # Satzart → record that may take more parts
        open_by_identity: dict[tuple[str, object], GdvRecord] = {}  # the same, by risk/person/…
        last: GdvRecord | None = None  # the record that took the last line
        identity = ""
        pending: list[tuple[int, str]] = []
        package: PackageSummary | None = None
        length = RECORD_LENGTH
        for number, body, raw in self._lines:
            self._line_count = number
            if (not body or body[0] in _BLANK_START) and is_blank(body):
                if last is not None:
                    last.chunks.append((number, raw))
                else:
                    pending.append((number, raw))
                continue
            text = body if len(body) == length else body.ljust(length)
            satzart = text[0:4]
            if text[4:_IDENTITY_END] == identity:
                record = open_records.get(satzart)
                layout = record.layout if record is not None else None
                if (
                    layout is not None
                    and record is not None
                    and (not layout.match or layout.fits(text))
                ):
                    part = layout.part_of(text)
                    if part is not None and part.identity:  # which risk, person, object
                        record = open_by_identity.get((satzart, part.identity_of(text)))
                    if part is not None and record is not None and part.number not in record.parts:
                        record.chunks.append((number, raw))
                        record.parts.append(part.number)
                        if package is not None and satzart not in _UNCOUNTED:
                            package.records += 1
                        try:
                            part.decode_tail_into(text, record.fields)
                        except FieldValueError:
                            self._decode_slowly(record, part, number, text, first=False)
                        last = record
                        continue
                if satzart in _UNCOUNTED or VORSATZ in open_records:
                    # a Vorsatz or Nachsatz ends what came before; a Vorsatz must be complete
                    # (it names the versions) before the first record of its package
                    yield from self._flush(queue, open_records, 0)
                    open_by_identity.clear()
            else:
                if last is None:
                    _check_first_line(number, body)
                while queue:  # another contract: all records so far are complete
                    record = queue.popleft()
                    if record.satzart in _FINISHING:
                        self._finished(record)
                    yield record
                open_records.clear()
                open_by_identity.clear()
                identity = text[4:_IDENTITY_END]
            record = self._start(number, text, satzart, [*pending, (number, raw)])
            pending = []
            package = self._packages.current
            queue.append(record)
            open_records[satzart] = record
            layout = record.layout
            if layout is not None and layout.has_identity:
                first = layout.parts.get(record.parts[0])
                if first is not None and first.identity:
                    open_by_identity[satzart, first.identity_of(text)] = record
            last = record
            if len(queue) > _MAX_QUEUED:
                yield from self._flush(queue, open_records, _MAX_QUEUED // 2)
                kept = {id(item) for item in queue}
                open_by_identity = {
                    key: item for key, item in open_by_identity.items() if id(item) in kept
                }
        if last is None:
            raise GdvFormatError(
                "Die Datei enthält keine Sätze", line=self._line_count, field="Satzart"
            )
        for record in queue:
            self._finished(record)
        self._packages.end_of_file(queue[-1], self._line_count)
        yield from queue

    def _flush(
        self, queue: deque[GdvRecord], open_records: dict[str, GdvRecord], keep: int
    ) -> Iterator[GdvRecord]:
        """Yield the oldest records until ``keep`` are left (they can take no more parts)."""
        while len(queue) > keep:
            record = queue.popleft()
            if open_records.get(record.satzart) is record:
                del open_records[record.satzart]
            if record.satzart in _FINISHING:
                self._finished(record)
            yield record

    # --- records -------------------------------------------------------------------------

    def _start(
        self, number: int, text: str, satzart: str, chunks: list[tuple[int, str]]
    ) -> GdvRecord:
        warnings: list[GdvWarning] = []
        if satzart == VORSATZ or self._packages.current is None:
            self._packages.start(number, satzart, warnings)
            self._layouts.clear()
            self._pending_version_warnings = {}
        package = self._packages.current
        assert package is not None
        if satzart not in _UNCOUNTED:
            package.records += 1
        specific = satzart in self._sparte_specific
        sparte = text[10:13] if specific else ""
        cache_key = (satzart, sparte)
        choice = self._layouts.get(cache_key)
        if choice is None:
            choice = self._layouts[cache_key] = LayoutChoice(self._resolve(cache_key))
        layout: RecordLayout | None
        part: PartLayout | None
        chosen = choice.chosen.get(choice.signature(text)) or choice.choose(text)
        if chosen is not None:
            layout, part = chosen
        else:
            layout, part = self._layout_fallback(
                number, satzart, sparte, text, choice.layouts, warnings
            )
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
                chunks,
                warnings,
                package.number,
                None,
                self._encoding,
            )
        try:
            fields = part.decode_full(text)
        except FieldValueError:
            fields = {}
            record = GdvRecord(
                layout.key, satzart, layout.sparte, fields, number, [], chunks, warnings,
                package.number, layout.version, self._encoding, layout,
            )  # fmt: skip
            self._decode_slowly(record, part, number, text, first=True)
            record.parts.append(part.number)
            return record
        return GdvRecord(
            layout.key, satzart, layout.sparte, fields, number, [part.number], chunks, warnings,
            package.number, layout.version, self._encoding, layout,
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
        package = self._packages.current
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

    def _finished(self, record: GdvRecord) -> None:
        self._packages.finished(record)
        if record.satzart == VORSATZ:
            self._layouts.clear()  # the Vorsatz named the versions: resolve layouts anew
            self._pending_version_warnings = {}


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
    satzart = body[0:4]
    if not (len(satzart) == 4 and satzart.isascii() and satzart.isdigit()):
        raise GdvFormatError(
            "Keine GDV-Datei: die erste Zeile beginnt nicht mit einer Satzart (4 Ziffern)",
            line=number,
            record_type="".join(char if char.isprintable() else "?" for char in satzart),
            field="Satzart",
        )


def read_records(
    source: IO[bytes] | bytes | str | os.PathLike[str],
    *,
    encoding: str | None = None,
) -> GdvReader:
    """Read a GDV file lazily (path, bytes or binary stream); ``encoding`` overrides detection."""
    if isinstance(source, bytes):
        return GdvReader(io.BytesIO(source), encoding=encoding)
    if isinstance(source, str | os.PathLike):
        return _FileReader(Path(source), encoding)
    return GdvReader(source, encoding=encoding)


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
