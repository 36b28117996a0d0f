"""The GDV samples read with hand-checked facts and round trip byte for byte."""

from __future__ import annotations

from collections import Counter
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kontor.exchange.gdv import GdvRecord, read_records, write_records

SAMPLES = Path(__file__).resolve().parents[3].parent / "shared" / "gdv" / "samples"
MUSTER = SAMPLES / "musterdatei_041222.txt"
ZWEI = SAMPLES / "zwei_datenpakete.txt"


@pytest.fixture(scope="module", autouse=True)
def _samples_present() -> None:
    if not MUSTER.is_file() or not ZWEI.is_file():
        pytest.skip(f"GDV samples not found in {SAMPLES} (shared test data is not checked out)")


def _lines_per_satzart(records: list[GdvRecord]) -> Counter[str]:
    counts: Counter[str] = Counter()
    for record in records:
        counts[record.satzart] += len(record.parts)
    return counts


def _contracts_per_sparte(records: list[GdvRecord]) -> Counter[int]:
    return Counter(record.fields["sparte"] for record in records if record.satzart == "0200")  # type: ignore[misc]


def test_musterdatei_facts() -> None:
    reader = read_records(MUSTER)
    records = list(reader)
    assert reader.encoding == "iso-8859-1"
    assert reader.line_ending == "LF"
    # counted with: cut -c1-4 musterdatei_041222.txt | sort | uniq -c
    assert _lines_per_satzart(records) == {
        "0001": 2, "0100": 41, "0200": 14, "0210": 15, "0211": 11,
        "0220": 50, "0221": 31, "9999": 1,
    }  # fmt: skip
    assert _contracts_per_sparte(records) == {30: 4, 40: 5, 50: 4, 0: 1}
    vorsatz = records[0]
    assert vorsatz.record_type == "0001"
    assert vorsatz.parts == [1, 2]
    assert vorsatz.fields["absender"] == "XXX Versicherung AG"
    assert vorsatz.fields["adressat"] == "BRBRIENNEE,JÜRGEN"
    person = records[1]
    assert person.record_type == "0100"
    assert person.parts == [1, 2]
    assert person.fields["name1"] == "Kitzelpfütze"
    assert person.fields["geburtsdatum"] == date(1979, 11, 11)
    contract = records[2]
    assert contract.record_type == "0200"
    assert contract.fields["vertragsbeginn"] == date(2004, 5, 1)
    assert contract.fields["gesbeitrag_netto_in_we"] == Decimal("411.41")
    assert contract.fields["folge_nr"] == 1
    hausrat = next(record for record in records if record.record_type == "0210.130")
    assert hausrat.line == 159
    assert hausrat.sparte == "130"
    # Unfall: 0220.030 parts 1, 2, 3, 9 on lines 7, 8, 10, 12 with its 0221.030 parts 2, 3
    # (Erweiterungssätze) on lines 9 and 11 in between: one record each
    unfall = records[4]
    assert (unfall.record_type, unfall.parts) == ("0220.030", [1, 2, 3, 9])
    assert [line for line, _ in unfall.chunks] == [7, 8, 10, 12]
    assert unfall.fields["name_vp"] == "Kitzelpfütze"
    assert unfall.fields["beitrag_pro_vp_oder_pro_personengruppe_in_we"] == Decimal("411.41")
    assert unfall.fields["beitrag_tod_in_we"] == Decimal("56.53")  # from part 3, line 10
    extension = records[5]
    assert (extension.record_type, extension.line, extension.parts) == ("0221.030", 9, [2, 3])
    assert Counter(record.record_type for record in records)["0220.030"] == 6
    # Haftpflicht with two risks (Ordnungs-Nummer 01, 02 in columns 49-50): parts 1 on lines
    # 73 and 75, parts 2 on lines 77 and 78, with 0221.040 lines between
    haftpflicht = [r for r in records if r.record_type == "0220.040" and 70 < r.line < 80]
    assert [(r.line, r.parts, [line for line, _ in r.chunks]) for r in haftpflicht] == [
        (73, [1, 2], [73, 77]),
        (75, [1, 2], [75, 78]),
    ]
    assert haftpflicht[1].fields["wagnistext"] == "Hunde"
    assert len(records) == 106
    nachsatz = records[-1]
    assert nachsatz.record_type == "9999"
    assert nachsatz.fields["anz_saetze"] == 162
    assert nachsatz.fields["gesbeitrag"] == Decimal("4806.00")
    (package,) = reader.packages
    assert [(check["field"], check["ok"]) for check in package.checks] == [
        ("anz_saetze", True),
        ("gesbeitrag", True),
    ]
    assert not [w for r in records for w in r.warnings if w.code != "version_fallback"]


def test_musterdatei_declares_versions_older_than_any_description() -> None:
    records = list(read_records(MUSTER))
    fallback = [w for r in records for w in r.warnings if w.code == "version_fallback"]
    assert fallback
    first = fallback[0]
    assert (first.line, first.record_type, first.field) == (3, "0100", "Version")
    assert "1.9" in first.message


def test_two_packages_with_nachsatz_mismatch_in_the_second() -> None:
    reader = read_records(ZWEI)
    records = list(reader)
    assert [package.line for package in reader.packages] == [1, 166]
    assert [record.package for record in records if record.satzart == "9999"] == [1, 2]
    second = reader.packages[1]
    assert second.records == 30
    assert second.checks == [
        {"field": "anz_saetze", "stated": 31605, "actual": 30, "ok": False},
        {"field": "gesbeitrag", "stated": "183323.90", "actual": "1191.70", "ok": False},
    ]
    mismatches = [w for w in records[-1].warnings if w.code == "nachsatz_mismatch"]
    assert [(w.line, w.record_type, w.field) for w in mismatches] == [
        (200, "9999", "Anzahl der Sätze"),
        (200, "9999", "Gesamtbeitrag"),
    ]
    assert _contracts_per_sparte(records) == {30: 4, 40: 5, 50: 9, 0: 1}


@pytest.mark.parametrize("path", [MUSTER, ZWEI], ids=lambda path: path.name)
def test_read_then_write_reproduces_the_file(path: Path) -> None:
    assert write_records(read_records(path)) == path.read_bytes()


@settings(max_examples=100)
@given(st.data())
def test_sample_lines_shuffled_or_dropped_still_round_trip(data: st.DataObject) -> None:
    lines = MUSTER.read_bytes().split(b"\n")[:-1]
    chosen = data.draw(st.lists(st.sampled_from(lines), min_size=1, max_size=60))
    blob = b"\n".join(chosen) + b"\n"
    records = list(read_records(blob))  # every sample line starts with a Satzart: never fatal
    assert write_records(records) == blob
    assert sum(len(record.parts) for record in records) == len(chosen)
    for record in records:
        assert all(warning.line and warning.field for warning in record.warnings)
