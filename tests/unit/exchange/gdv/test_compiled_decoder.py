"""The compiled field decoder is built and gives exactly the values of the Python decoders."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kontor.exchange.gdv import GdvRecord, layouts, read_records
from kontor.exchange.gdv.layouts import PartLayout, catalogue
from kontor.exchange.gdv.values import CachedConverter, FieldValueError
from support.gdv_files import build_file

SAMPLES = Path(__file__).resolve().parents[4].parent / "shared" / "gdv" / "samples"
PARTS = sorted(
    (
        (layout.key, version, number, part)
        for versions in catalogue().by_key.values()
        for version, layout in versions.items()
        for number, part in layout.parts.items()
    ),
    key=lambda entry: entry[:3],
)
CONVERTERS: list[CachedConverter] = list(
    {
        id(converter): converter
        for *_, part in PARTS
        for item in part.value_fields()
        if item.type != "A"
        for converter in [layouts._converters(item.type, item.decimals)]
    }.values()
)


def test_the_compiled_decoder_is_built() -> None:
    if not layouts.COMPILED_DECODING and not (shutil.which("cc") or shutil.which("gcc")):
        pytest.skip("no C compiler here: the GDV reader runs on its Python decoders")
    assert layouts.COMPILED_DECODING, "rebuild the package (`pip install -e .`): _fields is missing"


def _forget_cached_values() -> None:
    for converter in CONVERTERS:
        converter.clear()


def _outcome(decoder: Any, text: str) -> list[tuple[str, str, str]] | str:
    _forget_cached_values()  # each side computes its values itself
    try:
        values = decoder(text)
    except FieldValueError as error:
        return f"FieldValueError: {error}"
    return [(key, type(value).__name__, repr(value)) for key, value in values.items()]


_FIELD_TEXT = st.sampled_from(
    ["digits", "blank", "zeros", "padded", "signed", "letters", "mixed", "date", "bad date"]
)
_CHARACTERS = "0123456789 -+.,ABZaäöüßÄ\t\u00a0\u2003"


@st.composite
def _line(draw: st.DrawFn, part: PartLayout) -> str:
    chars = list(" " * 256)
    for item in part.fields:
        kind = draw(_FIELD_TEXT)
        length = item.length
        if item.type == "S":
            text = draw(st.sampled_from(["-", "-", " ", "+", "0"]))
        elif kind == "digits":
            text = draw(st.text("0123456789", min_size=length, max_size=length))
        elif kind == "blank":
            text = " " * length
        elif kind == "zeros":
            text = "0" * length
        elif kind == "padded":
            digits = draw(st.text("0123456789", min_size=0, max_size=length))
            text = draw(st.sampled_from([digits.rjust(length), digits.ljust(length)]))
        elif kind == "signed":
            text = "-" if length == 1 else draw(st.sampled_from(["-", "+", " "])) * length
        elif kind in {"date", "bad date"} and length == 8:
            day = draw(st.integers(0, 32 if kind == "bad date" else 28))
            month = draw(st.integers(0, 13 if kind == "bad date" else 12))
            year = draw(st.integers(0, 9999))
            text = f"{day:02d}{month:02d}{year:04d}"
        else:
            text = draw(st.text(_CHARACTERS, min_size=length, max_size=length))
        chars[item.start : item.end] = text[:length].ljust(length)
    return "".join(chars[:256])


SIGNED_PARTS = [entry for entry in PARTS if entry[3].signs]


@settings(max_examples=500, deadline=None)
@given(st.data())
def test_every_part_decodes_alike(data: st.DataObject) -> None:
    parts = st.one_of(st.sampled_from(PARTS), st.sampled_from(SIGNED_PARTS))
    key, version, number, part = data.draw(parts, label="part")
    text = data.draw(_line(part), label="line")
    for skip in (frozenset(), part.shared_keys):
        compiled = layouts._compile(part, skip)
        python = layouts._compile(part, skip, compiled=False)
        assert _outcome(compiled, text) == _outcome(python, text), (key, version, number)


def test_decoding_into_a_record_keeps_its_other_values() -> None:
    _, _, _, part = next(entry for entry in PARTS if entry[3].shared_keys)
    values: dict[str, Any] = {"kept": "as it was"}
    part.decode_tail_into(" " * 256, values)
    assert values["kept"] == "as it was"
    assert set(values) - {"kept"} == {item.key for item in part.value_fields()} - part.shared_keys


@contextmanager
def _python_decoders() -> Iterator[None]:
    compiled = layouts._fields
    _reset_decoders()
    layouts._fields = None  # type: ignore[assignment]
    try:
        yield
    finally:
        layouts._fields = compiled
        _reset_decoders()


def _reset_decoders() -> None:
    for *_, part in PARTS:
        part.__dict__.pop("decode_full", None)
        part.__dict__.pop("decode_tail_into", None)


def _read(data: bytes) -> list[dict[str, Any]]:
    _forget_cached_values()
    return [_typed(record) for record in read_records(data)]


def _typed(record: GdvRecord) -> dict[str, Any]:
    result = record.to_json()
    result["types"] = {key: type(value).__name__ for key, value in record.fields.items()}
    return result


def _files() -> list[bytes]:
    files = [build_file().to_bytes()]
    files += [path.read_bytes() for path in sorted(SAMPLES.glob("*.txt"))]
    return files


def test_whole_files_read_alike() -> None:
    files = _files()
    compiled = [_read(data) for data in files]
    with _python_decoders():
        python = [_read(data) for data in files]
    assert compiled == python
    assert sum(len(records) for records in compiled) > 10
