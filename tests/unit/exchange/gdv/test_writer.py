"""The writer: new files from typed values read back to the same values; clear errors."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

import pytest

from kontor.exchange.gdv import (
    GdvFormatError,
    PartialDate,
    new_record,
    read_records,
    render_record,
    write_records,
)
from support.gdv_files import build_file


def test_built_file_reads_back_to_the_given_values() -> None:
    builder = build_file()
    records = list(read_records(builder.to_bytes()))
    for built, read in zip(builder.records, records[1:-1], strict=True):
        assert read.record_type == built.record_type
        for key, value in built.fields.items():
            assert read.fields[key] == value, (built.record_type, key)
    vorsatz = records[0]
    assert vorsatz.fields["absender"] == "Muster AG"
    assert vorsatz.fields["satzart0210130"] == records[3].version
    assert vorsatz.fields["satzart0220140"] == records[7].version


def test_every_line_is_256_characters_and_crlf_can_be_chosen() -> None:
    data = build_file().to_bytes(line_ending="\r\n", encoding="cp850")
    lines = data.split(b"\r\n")
    assert lines[-1] == b""
    assert {len(line) for line in lines[:-1]} == {256}
    reader = read_records(data)
    records = list(reader)
    assert reader.encoding == "cp850"
    assert records[1].fields["name1"] == "Müßig"


def test_writing_to_a_stream() -> None:
    records = list(read_records(build_file().to_bytes()))
    stream = io.BytesIO()
    assert write_records(records, stream) == b""
    assert stream.getvalue() == build_file().to_bytes()


def test_partial_dates_and_parts_beyond_the_first() -> None:
    record = new_record(
        "0200",
        {"vs_nr": "X", "vertragsbeginn": PartialDate(2024, 5), "vs_nr_vm": "VM-1"},
    )
    assert record.parts == [1, 2]
    text = render_record(record)
    assert text.splitlines()[0][43:51] == "00052024"
    (read,) = [
        r for r in read_records(("0001" + " " * 252 + "\n" + text).encode()) if r.satzart == "0200"
    ]
    assert read.fields["vertragsbeginn"] == PartialDate(2024, 5)
    assert read.fields["vs_nr_vm"] == "VM-1"


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"no_such_field": 1}, "no_such_field"),
        ({"vs_nr": "x" * 18}, "Versicherungsschein-Nummer"),
        (
            {"gesbeitrag_netto_in_we": Decimal("1.234")},
            "Gesamtbeitrag (Netto) in Währungseinheiten",
        ),
        ({"vertragsbeginn": "morgen"}, "Vertragsbeginn"),
        ({"folge_nr": 123}, "Folgenummer"),
    ],
)
def test_values_that_do_not_fit_name_the_field(fields: dict[str, object], field: str) -> None:
    with pytest.raises(GdvFormatError) as raised:
        render_record(new_record("0200", fields))  # type: ignore[arg-type]
    assert raised.value.field == field
    assert raised.value.record_type == "0200"


def test_unknown_record_type() -> None:
    with pytest.raises(GdvFormatError) as raised:
        new_record("0815", {})
    assert raised.value.record_type == "0815"


def test_hausrat_and_wohngebaeude_details() -> None:
    records = list(read_records(build_file().to_bytes()))
    by_type = {record.record_type: record for record in records}
    assert by_type["0210.130"].fields["beginn"] is None
    assert by_type["0220.140"].parts == [1]
    assert by_type["0210.140"].sparte == "140"
    assert by_type["0200"].fields["vertragsbeginn"] == date(2023, 7, 1)  # the last 0200


def test_records_of_two_reads_are_written_one_after_the_other() -> None:
    data = build_file().to_bytes()
    first = list(read_records(data))
    second = list(read_records(data))
    assert write_records([*first, *second]) == data + data


def test_writing_in_another_encoding() -> None:
    records = list(read_records(build_file().to_bytes()))
    data = write_records(records, encoding="utf-8", line_ending="\r\n")
    assert "Müßig".encode() in data
    again = list(read_records(data))
    assert again[1].fields["name1"] == "Müßig"
    with pytest.raises(GdvFormatError) as raised:
        write_records(records, encoding="klingonisch")
    assert raised.value.field == "encoding"


def test_builder_defaults_only_fields_the_record_type_has() -> None:
    builder = build_file()
    bausparen = builder.add("0220.580.2")  # Bausparkassen-Nummer instead of VU-Nummer
    assert "vu_nr" not in bausparen.fields
    records = list(read_records(builder.to_bytes()))
    assert records[-2].record_type == "0220.580.2"
