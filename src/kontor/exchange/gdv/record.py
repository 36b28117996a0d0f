"""A logical GDV record: the typed fields of all its Teildatensätze and its exact text."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from kontor.exchange.gdv.errors import GdvWarning
from kontor.exchange.gdv.layouts import RecordLayout
from kontor.exchange.gdv.values import GdvValue, to_json_value


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
    chunks: list[tuple[int, str]] = field(repr=False)
    """(line number, exact text incl. terminator) of its lines and of blank lines after them.

    Parts of a record may be interleaved with other records' lines; the writer puts the chunks
    of all records back in line order, so a file read and written comes out byte for byte.
    """
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
        """Return the bytes of the record's own lines exactly as read."""
        return "".join(text for _, text in self.chunks).encode(self.encoding, "surrogateescape")

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
