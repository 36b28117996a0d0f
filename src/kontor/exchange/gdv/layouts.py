"""Record layouts of the GDV descriptions, compiled into fast per-part decoders."""

from __future__ import annotations

import itertools
import json
import operator
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache, cached_property
from importlib import resources
from typing import Any, NamedTuple

from kontor.exchange.gdv.values import CachedConverter, FieldValueError, GdvValue, converter

try:
    from kontor.exchange.gdv import _fields
except ImportError:  # installed without a C compiler: the Python decoders serve
    _fields = None  # type: ignore[assignment]

COMPILED_DECODING = _fields is not None
"""Whether the compiled field decoder is in use (it is built when the package is installed)."""

DESCRIPTIONS = ("VUVM2018", "VUVM2023")
"""Format descriptions shipped as layout data, oldest first."""

_KEY_PATTERN = re.compile(r"^[a-z_][a-z0-9_]*$")
_VERSION_NAME = re.compile(r"\b(\d{4})(?: (\d{3}))?$")

Decoder = Callable[[str], dict[str, GdvValue]]


class FieldLayout(NamedTuple):
    """One field of a part record: German name, key, 0-based start, length, type, decimals."""

    name: str
    key: str
    start: int
    length: int
    type: str
    decimals: int

    @property
    def end(self) -> int:
        """Return the 0-based end (exclusive) of the field."""
        return self.start + self.length


@dataclass(eq=False)
class PartLayout:
    """One Teildatensatz of a record type with its compiled decoders."""

    number: int
    check: tuple[int, str] | None
    fields: tuple[FieldLayout, ...]
    shared_keys: frozenset[str]
    """Keys already given by an earlier part at the same place (Satzart, VU-Nummer, …)."""
    signs: dict[str, int] = field(default_factory=dict)
    """Key of an amount → 0-based position of its sign character."""
    identity: tuple[tuple[int, int], ...] = ()
    """Slices naming which risk, person or object a part is about (Wagnisart, lfd. Nummer …).

    They sit between the Vermittler (column 42) and the part number and recur in other parts
    of the record type; lines with different text there belong to different records.
    """

    @cached_property
    def decode_full(self) -> Decoder:
        """Return the compiled decoder of all value fields (built on first use)."""
        return _compile(self, skip=frozenset())

    @cached_property
    def decode_tail_into(self) -> Callable[[str, dict[str, GdvValue]], None]:
        """Return a function adding the fields an earlier part did not give to a record's."""
        decoder = _compile(self, skip=self.shared_keys)
        if _fields is not None and isinstance(decoder, _fields.PartDecoder):
            return decoder.into
        return lambda text, values: values.update(decoder(text))

    @cached_property
    def identity_of(self) -> Callable[[str], object]:
        """Return a function giving the text of a line's identity slices (see ``identity``)."""
        return operator.itemgetter(*(slice(start, end) for start, end in self.identity))

    def matches(self, text: str) -> bool:
        """Tell whether the part-number field of ``text`` names this part."""
        if self.check is None:
            return True
        position, expected = self.check
        return text[position : position + 1] in expected

    def value_fields(self) -> tuple[FieldLayout, ...]:
        """Return the fields that carry a value (no filler, no sign)."""
        return tuple(item for item in self.fields if item.type not in {"L", "S"})

    def decode_slowly(
        self, text: str, skip: frozenset[str]
    ) -> tuple[dict[str, GdvValue], list[tuple[str, str]]]:
        """Decode field by field, returning the values and (field, problem) pairs."""
        values: dict[str, GdvValue] = {}
        problems: list[tuple[str, str]] = []
        for item in self.value_fields():
            if item.key in skip:
                continue
            raw = text[item.start : item.end]
            if item.type == "A":
                values[item.key] = raw.rstrip()
                continue
            try:
                value = _converters(item.type, item.decimals)(raw)
            except FieldValueError as error:
                problems.append((item.name, str(error)))
                value = None
            sign_at = self.signs.get(item.key)
            if sign_at is not None and value and text[sign_at] == "-":
                value = -value
            values[item.key] = value
        return values, problems


@dataclass(eq=False)
class RecordLayout:
    """A record type (Satzart, Sparte, sub-type) in one version of one description."""

    key: str
    satzart: str
    sparte: str | None
    match: tuple[tuple[int, str], ...]
    version: str
    description: str
    parts: dict[int, PartLayout]

    def __post_init__(self) -> None:
        self.has_identity = any(part.identity for part in self.parts.values())
        checks = {part.check[0] for part in self.parts.values() if part.check is not None}
        self._first = next(iter(self.parts.values()))
        self._single = len(self.parts) == 1
        self._check_at: int | None = None
        self._by_char: dict[str, PartLayout] = {}
        if len(checks) == 1 and all(part.check for part in self.parts.values()):
            self._check_at = checks.pop()
            for part in reversed(self.parts.values()):
                assert part.check is not None
                for char in part.check[1]:
                    self._by_char[char] = part

    def fits(self, text: str) -> bool:
        """Tell whether the sub-type marks (Wagnisart, …) of ``text`` belong to this type."""
        if not self.match:
            return True
        return all(text[position : position + 1] in chars for position, chars in self.match)

    def part_of(self, text: str) -> PartLayout | None:
        """Return the part whose number field matches ``text``, if any."""
        at = self._check_at
        if at is not None:
            char = text[at : at + 1]
            found = self._by_char.get(char)
            if found is not None:
                return found
            if self._single or not char.strip():
                return self._first  # older files leave the part number blank
            return None
        for part in self.parts.values():
            if part.check is not None and part.matches(text):
                return part
        first = next(iter(self.parts.values()))
        if len(self.parts) == 1:
            return first
        if first.check is not None and not text[first.check[0] : first.check[0] + 1].strip():
            return first  # older files leave the part number blank
        return None

    def field(self, key: str) -> FieldLayout | None:
        """Return the field with ``key`` (first part that has it)."""
        for part in self.parts.values():
            for item in part.fields:
                if item.key == key:
                    return item
        return None


class LayoutChoice:
    """The layouts a line of one Satzart and Sparte may have; which one (and part) a line has.

    Which layout and part fit depends only on a few characters (sub-type marks, part number),
    so the answer is remembered by those characters.
    """

    _REMEMBERED = 4_096  # distinct answers kept at most (a garbled file cannot grow it further)

    def __init__(self, layouts: list[RecordLayout]) -> None:
        self.layouts = layouts
        positions = {0}
        for layout in layouts:
            positions.update(position for position, _ in layout.match)
            positions.update(part.check[0] for part in layout.parts.values() if part.check)
        self.signature: Callable[[str], object] = operator.itemgetter(*sorted(positions))
        self.chosen: dict[object, tuple[RecordLayout, PartLayout]] = {}

    def choose(self, text: str) -> tuple[RecordLayout, PartLayout] | None:
        """Return the first layout whose marks fit ``text`` and which knows its part number."""
        for layout in self.layouts:
            if layout.fits(text):
                part = layout.part_of(text)
                if part is not None:
                    if len(self.chosen) >= self._REMEMBERED:
                        self.chosen.clear()
                    self.chosen[self.signature(text)] = layout, part
                    return layout, part
        return None


@dataclass
class Catalogue:
    """All record layouts of all descriptions, indexed for lookup while reading."""

    by_key: dict[str, dict[str, RecordLayout]]
    """Record type key → version → layout (a newer description wins for the same version)."""
    by_satzart: dict[tuple[str, str | None], list[str]]
    """(Satzart, Sparte or None) → record type keys."""
    sparte_specific: frozenset[str]
    """Satzarten whose layout depends on the Sparte."""
    version_fields: dict[str, str]
    """Vorsatz field key → record type key prefix whose version it names."""

    def candidates(self, satzart: str, sparte: str) -> list[str]:
        """Return the record type keys a line with this Satzart and Sparte may have."""
        if satzart in self.sparte_specific:
            return self.by_satzart.get((satzart, sparte), [])
        return self.by_satzart.get((satzart, None), [])

    def choose(self, key: str, declared: str | None) -> tuple[RecordLayout, str | None]:
        """Return the layout for a declared version and a warning when it had to fall back."""
        versions = self.by_key[key]
        if declared and declared in versions:
            return versions[declared], None
        ordered = sorted(versions, key=lambda item: _version_sort_key(item) or ())
        wanted = _version_sort_key(declared) if declared else None
        if wanted is None:
            return versions[ordered[-1]], None
        older = [item for item in ordered if (_version_sort_key(item) or ()) <= wanted]
        if older:
            return versions[older[-1]], None
        chosen = versions[ordered[0]]
        return chosen, (
            f"Version {declared} ist älter als jede bekannte Beschreibung; "
            f"gelesen mit Version {chosen.version} ({chosen.description})"
        )


def _version_sort_key(version: str) -> tuple[int, ...] | None:
    try:
        return tuple(int(piece) for piece in version.split("."))
    except ValueError:
        return None


@cache
def catalogue() -> Catalogue:
    """Return the layouts of all shipped descriptions (loaded once)."""
    by_key: dict[str, dict[str, RecordLayout]] = {}
    for description in DESCRIPTIONS:
        data = load_layout_data(description)
        for entry in data["record_types"]:
            layout = _record_layout(entry, data["description"])
            by_key.setdefault(layout.key, {})[layout.version] = layout
    by_satzart: dict[tuple[str, str | None], list[str]] = {}
    sparte_specific = set()
    for key, versions in sorted(by_key.items()):
        sample = next(iter(versions.values()))
        by_satzart.setdefault((sample.satzart, sample.sparte), []).append(key)
        if sample.sparte is not None:
            sparte_specific.add(sample.satzart)
    newest_vorsatz = by_key["0001"][max(by_key["0001"], key=lambda v: _version_sort_key(v) or ())]
    return Catalogue(
        by_key=by_key,
        by_satzart=by_satzart,
        sparte_specific=frozenset(sparte_specific),
        version_fields=_version_fields(newest_vorsatz),
    )


def load_layout_data(description: str) -> dict[str, Any]:
    """Return the raw layout data of one description (as generated from its XML)."""
    path = resources.files("kontor.exchange.gdv").joinpath("layouts", f"{description}.json")
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def _record_layout(entry: dict[str, Any], description: str) -> RecordLayout:
    parts: dict[int, PartLayout] = {}
    seen: set[str] = set()
    for part_entry in entry["parts"]:
        fields = tuple(FieldLayout(*item) for item in part_entry["fields"])
        for item in fields:
            if not _KEY_PATTERN.match(item.key):
                raise ValueError(f"bad field key {item.key!r} in {entry['key']}")
        signs = {
            previous.key: item.start
            for previous, item in itertools.pairwise(fields)
            if item.type == "S"
        }
        keys = {item.key for item in fields if item.type not in {"L", "S"}}
        check = part_entry["check"]
        part = PartLayout(
            number=part_entry["number"],
            check=(check[0], check[1]) if check else None,
            fields=fields,
            shared_keys=frozenset(keys & seen),
            signs=signs,
        )
        seen |= keys
        parts.setdefault(part.number, part)
    _mark_identity(list(parts.values()))
    return RecordLayout(
        key=entry["key"],
        satzart=entry["satzart"],
        sparte=entry["sparte"],
        match=tuple((position, chars) for position, chars in entry["match"]),
        version=entry["version"],
        description=description,
        parts=parts,
    )


_IDENTITY_START = 42  # after Satzart … Geschäftsstelle/Vermittler
_IDENTITY_BEFORE = 80  # a part number further right ends no identity block


def _mark_identity(parts: list[PartLayout]) -> None:
    slices: dict[PartLayout, list[tuple[int, int]]] = {}
    for part in parts:
        if part.check is not None and part.check[0] < _IDENTITY_BEFORE:
            slices[part] = [
                (item.start, item.end)
                for item in part.fields
                if item.start >= _IDENTITY_START and item.end <= part.check[0]
            ]
    counts = Counter(piece for pieces in slices.values() for piece in pieces)
    for part, pieces in slices.items():
        part.identity = tuple(piece for piece in pieces if counts[piece] > 1)


def _version_fields(vorsatz: RecordLayout) -> dict[str, str]:
    result: dict[str, str] = {}
    taken: set[str] = set()
    for part in vorsatz.parts.values():
        for item in part.fields:
            if item.length != 3 or item.type != "A":
                continue
            found = _VERSION_NAME.search(item.name)
            if not found:
                continue
            satzart, sparte = found.groups()
            if satzart == "0230":
                sparte = "010" if "Leben" in item.name else "030"
            prefix = f"{satzart}.{sparte}" if sparte else satzart
            if prefix in taken:
                continue
            taken.add(prefix)
            result[item.key] = prefix
    return result


@cache
def _converters(type_code: str, decimals: int) -> CachedConverter:
    return converter(type_code, decimals)


def _compile(part: PartLayout, skip: frozenset[str], *, compiled: bool = True) -> Decoder:
    """Build one decoder that slices and converts every field of a part in one go.

    The compiled decoder (``_fields``, built at install) is used where it exists; the Python
    one gives the same values.
    """
    fields = [item for item in part.value_fields() if item.key not in skip]
    if compiled and _fields is not None:
        return _fields.PartDecoder(
            (
                item.key,
                item.start,
                item.end,
                _compiled_kind(item.type),
                None if item.type == "A" else _converters(item.type, item.decimals),
                item.decimals,
                part.signs.get(item.key),
            )
            for item in fields
        )
    return _compile_python(part, fields)


def _compiled_kind(type_code: str) -> int:
    assert _fields is not None
    kinds = {
        "A": _fields.ALPHANUMERIC,
        "N": _fields.WHOLE_NUMBER,
        "F": _fields.AMOUNT,
        "D8": _fields.DATE,
    }
    return kinds.get(type_code, _fields.CONVERTED)


def _compile_python(part: PartLayout, fields: list[FieldLayout]) -> Decoder:
    namespace: dict[str, Any] = {}
    entries: list[str] = []
    for index, item in enumerate(fields):
        piece = f"s[{item.start}:{item.end}]"
        if item.type == "A":
            expression = f"{piece}.rstrip()"
        else:
            namespace[f"c{index}"] = _converters(item.type, item.decimals)
            # one dict lookup, no Python call when the text was seen before (thread-safe)
            expression = f"c{index}[{piece}]"
            sign_at = part.signs.get(item.key)
            if sign_at is not None:
                expression = f"(-v if (v := {expression}) and s[{sign_at}] == '-' else v)"
        entries.append(f"{item.key!r}: {expression}")
    source = "def decode(s):\n    return {" + ", ".join(entries) + "}\n"
    # The source is built only from the shipped layout data (keys checked against a strict
    # pattern, positions are integers).
    exec(compile(source, f"<gdv part {part.number}>", "exec"), namespace)  # noqa: S102
    decoder: Decoder = namespace["decode"]
    return decoder
