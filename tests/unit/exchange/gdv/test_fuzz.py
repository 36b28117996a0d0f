"""Hostile input: random bytes and mutated valid files raise only GdvFormatError."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from kontor.exchange.gdv import GdvFormatError, GdvRecord, read_records, write_records
from support.gdv_files import build_file

VALID = build_file().to_bytes()


def _read_all(data: bytes, encoding: str | None = None) -> list[GdvRecord] | GdvFormatError:
    try:
        return list(read_records(data, encoding=encoding))
    except GdvFormatError as error:
        return error


def _check(outcome: list[GdvRecord] | GdvFormatError, data: bytes) -> None:
    if isinstance(outcome, GdvFormatError):
        assert outcome.line >= 0
        assert outcome.field
        assert str(outcome).startswith(f"Zeile {outcome.line}, " if outcome.line else "Feld ")
        return
    for record in outcome:
        for warning in record.warnings:
            assert warning.line >= 1
            assert warning.record_type
            assert warning.field
            assert warning.message
            assert warning.code
    assert write_records(outcome) == data


@settings(max_examples=300)
@given(st.binary(max_size=2000))
def test_random_bytes(data: bytes) -> None:
    _check(_read_all(data), data)


@settings(max_examples=200)
@given(st.binary(max_size=600), st.sampled_from([None, "utf-8", "cp850", "iso-8859-15"]))
def test_random_bytes_after_a_valid_vorsatz(tail: bytes, encoding: str | None) -> None:
    data = VALID[:257] + tail
    _check(_read_all(data, encoding), data)


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    data = bytearray(VALID)
    for _ in range(draw(st.integers(1, 12))):
        kind = draw(st.sampled_from(["replace", "delete", "insert"]))
        position = draw(st.integers(0, len(data) - 1))
        chunk = draw(st.binary(min_size=1, max_size=8))
        if kind == "replace":
            data[position : position + len(chunk)] = chunk
        elif kind == "delete":
            del data[position : position + len(chunk)]
        else:
            data[position:position] = chunk
    return bytes(data)


@settings(max_examples=300)
@given(mutated())
def test_mutated_valid_files(data: bytes) -> None:
    outcome = _read_all(data)
    _check(outcome, data)


@settings(max_examples=200)
@given(st.lists(st.sampled_from(VALID.split(b"\n")[:-1]), max_size=30))
def test_shuffled_and_repeated_lines(lines: list[bytes]) -> None:
    data = b"\n".join(lines)
    _check(_read_all(data), data)
