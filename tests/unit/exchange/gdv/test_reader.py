"""The streaming reader: line endings, encodings, part grouping, typed values, warnings."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

import pytest

from kontor.exchange.gdv import GdvFormatError, GdvRecord, PartialDate, read_records, write_records


def _lines(data: bytes) -> list[str]:
    return data.decode("iso-8859-1").splitlines()


def _join(lines: list[str], ending: str = "\n") -> bytes:
    return "".join(line + ending for line in lines).encode("iso-8859-1")


def _types(records: list[GdvRecord]) -> list[str]:
    return [record.record_type for record in records]


def _codes(records: list[GdvRecord]) -> list[tuple[str, int, str, str]]:
    return [(w.code, w.line, w.record_type, w.field) for r in records for w in r.warnings]


EXPECTED_TYPES = [
    "0001", "0100", "0200", "0210.130", "0220.130", "0200", "0210.140", "0220.140", "9999",
]  # fmt: skip


def test_a_valid_file_reads_without_warnings(small_file: bytes) -> None:
    reader = read_records(small_file)
    records = list(reader)
    assert _types(records) == EXPECTED_TYPES
    assert _codes(records) == []
    assert reader.encoding == "iso-8859-1"
    assert reader.line_ending == "LF"
    customer = records[1]
    assert customer.fields["name1"] == "Müßig"
    assert customer.fields["geburtsdatum"] == date(1980, 1, 31)
    hausrat = records[3]
    assert hausrat.sparte == "130"
    assert hausrat.fields["wohnflaeche_qm"] == 85
    assert hausrat.fields["versicherte_gefahren"] == "FELS"
    assert records[2].fields["gesbeitrag_netto_in_we"] == Decimal("120.50")
    assert reader.packages[0].checks == [
        {"field": "anz_saetze", "stated": 7, "actual": 7, "ok": True},
        {"field": "gesbeitrag", "stated": "600.50", "actual": "600.50", "ok": True},
    ]


@pytest.mark.parametrize(("ending", "expected"), [("\r\n", "CRLF"), ("", "none"), ("\n", "LF")])
def test_line_endings(small_file: bytes, ending: str, expected: str) -> None:
    data = _join(_lines(small_file), ending)
    reader = read_records(data)
    records = list(reader)
    assert _types(records) == EXPECTED_TYPES
    assert reader.line_ending == expected
    assert b"".join(record.raw() for record in records) == data


def test_blank_lines_and_cut_trailing_blanks_are_tolerated(small_file: bytes) -> None:
    lines = [line.rstrip() for line in _lines(small_file)]
    lines.insert(3, "")
    lines.insert(5, "   ")
    data = _join(lines) + b"\n\n"
    records = list(read_records(data))
    assert _types(records) == EXPECTED_TYPES
    assert _codes(records) == []
    assert records[1].fields["name3"] == "Jörg"
    assert b"".join(record.raw() for record in records) == data


@pytest.mark.parametrize("encoding", ["cp850", "utf-8", "iso-8859-15"])
def test_encodings_are_detected(small_file: bytes, encoding: str) -> None:
    text = small_file.decode("iso-8859-1")
    if encoding == "iso-8859-15":
        text = text.replace("Makler Müller", "Makler €uro ")
    data = text.encode(encoding)
    reader = read_records(data)
    records = list(reader)
    assert reader.encoding == encoding
    assert records[1].fields["name1"] == "Müßig"
    assert b"".join(record.raw() for record in records) == data


def test_encoding_can_be_given(small_file: bytes) -> None:
    data = small_file.decode("iso-8859-1").encode("cp850")
    records = list(read_records(data, encoding="CP850"))
    assert records[1].fields["name1"] == "Müßig"
    with pytest.raises(GdvFormatError) as raised:
        read_records(data, encoding="ebcdic-42")
    assert raised.value.field == "encoding"


def test_parts_are_grouped_when_missing_or_out_of_order(small_file: bytes) -> None:
    lines = _lines(small_file)
    second = lines[1][:255] + "2"  # a part 2 of the same customer (0100)
    lines[1:2] = [second, lines[1]]  # part 2 before part 1
    records = list(read_records(_join(lines)))
    assert records[1].parts == [2, 1]
    assert records[1].fields["name1"] == "Müßig"
    assert records[1].missing_parts == [3, 4, 5]
    assert records[1].line == 2


def test_a_repeated_part_starts_a_new_record(small_file: bytes) -> None:
    lines = _lines(small_file)
    lines.insert(2, lines[1])
    records = list(read_records(_join(lines)))
    assert _types(records)[:3] == ["0001", "0100", "0100"]
    assert [w.code for w in records[-1].warnings] == ["nachsatz_mismatch"]


def test_amount_sign_and_partial_dates(small_file: bytes) -> None:
    lines = _lines(small_file)
    nachsatz = lines[-1]
    lines[-1] = nachsatz[:39] + "00000000001234" + "-" + nachsatz[54:]
    contract = lines[2]
    lines[2] = contract[:43] + "00012024" + contract[51:59] + "00002005" + contract[67:]
    records = list(read_records(_join(lines)))
    assert records[-1].fields["gesbeitrag_brutto_inkasso"] == Decimal("-12.34")
    assert records[2].fields["vertragsbeginn"] == PartialDate(2024, 1)
    assert records[2].fields["hauptfaelligkeit"] == PartialDate(2005)
    assert PartialDate(2024, 1).isoformat() == "2024-01"


def test_negative_amount_written_and_read_back() -> None:
    from kontor.exchange.gdv import new_record, render_record

    record = new_record("9999", {"anz_saetze": 0, "gesprovisions_betrag": Decimal("-12.34")})
    line = render_record(record)
    assert line[68] == "-"
    (read,) = list(read_records(("0001" + " " * 252 + "\n" + line).encode()))[1:]
    assert read.fields["gesprovisions_betrag"] == Decimal("-12.34")


def test_bad_field_values_are_warnings_naming_line_type_and_field(small_file: bytes) -> None:
    lines = _lines(small_file)
    contract = lines[2]
    lines[2] = contract[:43] + "31022024" + contract[51:115] + "00000001x050" + contract[127:]
    records = list(read_records(_join(lines)))
    assert _codes(records)[:2] == [
        ("field_invalid", 3, "0200", "Vertragsbeginn"),
        ("field_invalid", 3, "0200", "Gesamtbeitrag (Netto) in Währungseinheiten"),
    ]
    assert records[2].fields["vertragsbeginn"] is None
    assert "31022024" in str(records[2].warnings[0])
    assert str(records[2].warnings[0]).startswith("Zeile 3, Satzart 0200, Feld Vertragsbeginn")


def test_unknown_record_types_are_reported_not_fatal(small_file: bytes) -> None:
    lines = _lines(small_file)
    lines.insert(2, "0777" + "x" * 252)
    lines.insert(3, "0210" + "9999  999" + " " * 243)
    reader = read_records(_join(lines))
    records = list(reader)
    assert _types(records)[2:4] == ["0777", "0210.999"]
    assert not records[2].known
    assert _codes(records)[:2] == [
        ("record_type_unknown", 3, "0777", "Satzart"),
        ("record_type_unknown", 4, "0210.999", "Satzart"),
    ]


def test_several_packages_and_a_missing_nachsatz(small_file: bytes) -> None:
    lines = _lines(small_file)
    data = _join(lines[:-1] + lines)
    reader = read_records(data)
    records = list(reader)
    assert [package.line for package in reader.packages] == [1, 9]
    assert [record.package for record in records][7:10] == [1, 2, 2]
    missing = [w for r in records for w in r.warnings if w.code == "nachsatz_missing"]
    assert [(w.line, w.record_type, w.field) for w in missing] == [(9, "0001", "Satzart")]
    data = _join(lines[:-1])
    records = list(read_records(data))
    assert [w.code for w in records[-1].warnings] == ["nachsatz_missing"]


def test_a_file_without_vorsatz_is_read_with_a_warning(small_file: bytes) -> None:
    records = list(read_records(_join(_lines(small_file)[1:])))
    assert _codes(records)[0] == ("vorsatz_missing", 1, "0100", "Satzart")


@pytest.mark.parametrize(
    ("data", "line"),
    [(b"", 0), (b"\n  \n", 2), (b"PK\x03\x04 not a gdv file\n", 1), ("Ä".encode() * 300, 1)],
)
def test_not_gdv_at_all_is_fatal(data: bytes, line: int) -> None:
    with pytest.raises(GdvFormatError) as raised:
        list(read_records(data))
    assert raised.value.line == line
    assert raised.value.field == "Satzart"
    assert str(raised.value).startswith(f"Zeile {line}, " if line else "Feld Satzart")
    assert "Feld Satzart: " in str(raised.value)


def test_reading_is_lazy_and_accepts_streams(small_file: bytes) -> None:
    stream = io.BytesIO(small_file * 2000)
    reader = read_records(stream)
    first = next(reader)
    assert first.record_type == "0001"
    assert stream.tell() < len(small_file) * 2000


def test_sub_types_of_leben_kranken_and_bausparen_are_told_apart() -> None:
    from kontor.exchange.gdv import new_record, render_record

    built = [
        new_record("0220.010.13.1", {"vs_nr": "L-1"}),
        new_record("0220.010.13.6", {"vs_nr": "L-1"}),
        new_record("0220.010.48.1", {"vs_nr": "L-2"}),
        new_record("0220.020.2", {"vs_nr": "K-1"}),
        new_record("0220.020.3", {"vs_nr": "K-1"}),
        new_record("0220.580.2", {}),
    ]
    text = "".join(render_record(record) for record in built)
    lines = text.splitlines()
    assert lines[0][59] == "1"  # Wagnisart
    assert lines[2][59] == "4"
    assert lines[3][47] == "2"  # Kranken: Folgenummer
    records = list(read_records(("0001" + " " * 252 + "\n" + text).encode()))[1:]
    assert _types(records) == [
        "0220.010.13.1", "0220.010.13.6", "0220.010.48.1", "0220.020.2", "0220.020.3", "0220.580.2",
    ]  # fmt: skip
    assert [w.code for r in records for w in r.warnings] == ["nachsatz_missing"]


def test_parts_interleaved_with_extension_records_make_one_record_each() -> None:
    from kontor.exchange.gdv import new_record, render_record

    unfall = render_record(new_record("0220.030", {"vs_nr": "U-1", "name_vp": "Muster", "tod": 5}))
    extension = render_record(new_record("0221.030", {"vs_nr": "U-1"}))
    u1, u2 = unfall.splitlines()[:2]
    (e2,) = extension.splitlines()[:1]
    assert (u1[48], u2[48], e2[48]) == ("1", "2", "2")
    other = render_record(new_record("0200", {"vs_nr": "U-2"})).splitlines()[0]
    lines = ["0001" + " " * 252, u1, e2, "", u2, other]
    data = "\n".join(lines).encode()
    records = list(read_records(data))
    assert [(r.record_type, r.parts, r.line) for r in records] == [
        ("0001", [1], 1), ("0220.030", [1, 2], 2), ("0221.030", [2], 3), ("0200", [1], 6),
    ]  # fmt: skip
    assert records[1].fields["name_vp"] == "Muster"
    assert records[1].fields["tod"] == 5
    assert [line for line, _ in records[2].chunks] == [3, 4]  # the blank line follows it
    from kontor.exchange.gdv import write_records

    assert write_records(records) == data


@pytest.mark.parametrize("encoding", ["iso-8859-1", "utf-8"])
def test_a_large_file_without_separators_streams_in_256_character_records(
    small_file: bytes, encoding: str
) -> None:
    one = "".join(_lines(small_file)).encode(encoding)  # 9 records, no line ends
    data = one * 150  # 150 packages: far more than the 64 KiB kept of an unended line
    reader = read_records(io.BytesIO(data), encoding=encoding)
    records = list(reader)
    assert reader.line_ending == "none"
    assert len(records) == 9 * 150
    assert len(reader.packages) == 150
    assert all(check["ok"] for package in reader.packages for check in package.checks)
    assert records[-8].fields["name1"] == "Müßig"
    assert records[-1].line == 9 * 150
    assert write_records(records) == data


def test_a_utf8_byte_order_mark_is_read_and_written_back(small_file: bytes) -> None:
    data = b"\xef\xbb\xbf" + small_file.decode("iso-8859-1").encode("utf-8")
    reader = read_records(data)
    records = list(reader)
    assert reader.encoding == "utf-8"
    assert _types(records) == EXPECTED_TYPES
    assert write_records(records) == data
