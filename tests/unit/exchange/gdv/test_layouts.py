"""Layout data: generated from the format descriptions, committed, and consistent."""

from __future__ import annotations

from pathlib import Path

import pytest

from kontor.exchange.gdv.layout_build import build_layouts, dump_layouts, snake_case
from kontor.exchange.gdv.layouts import DESCRIPTIONS, catalogue

SPEC = Path(__file__).resolve().parents[4].parent / "shared" / "gdv" / "spec"
LAYOUTS = Path(__file__).resolve().parents[4] / "src" / "kontor" / "exchange" / "gdv" / "layouts"


@pytest.mark.parametrize("description", DESCRIPTIONS)
def test_committed_layouts_equal_a_fresh_generation(description: str) -> None:
    source = SPEC / f"{description}.xml"
    if not source.is_file():
        pytest.skip(f"format description not found at {source} (shared data not checked out)")
    fresh = dump_layouts(build_layouts(source.read_bytes(), source.name))
    committed = (LAYOUTS / f"{description}.json").read_text(encoding="utf-8")
    assert fresh == committed, "run scripts/gdv_layouts.py and commit the result"


def test_notice_sits_next_to_the_data() -> None:
    notice = (LAYOUTS / "NOTICE").read_text(encoding="utf-8")
    assert "Apache License" in notice


def test_every_part_covers_256_characters_without_overlap() -> None:
    for versions in catalogue().by_key.values():
        for layout in versions.values():
            for part in layout.parts.values():
                covered = [0] * 256
                for item in part.fields:
                    for position in range(item.start, min(item.end, 256)):
                        covered[position] += 1
                assert max(covered) <= 1, (layout.key, layout.version, part.number)
                keys = [item.key for item in part.fields]
                assert len(keys) == len(set(keys)), (layout.key, part.number)


def test_record_types_with_sub_types() -> None:
    by_key = catalogue().by_key
    leben = by_key["0220.010.13.1"]["2.2"]
    assert leben.match == ((59, "13"),)
    assert sorted(leben.parts) == [1, 2, 3]
    assert by_key["0220.020.1"]["1.6"].match == ((47, "1"),)
    assert by_key["0220.580.01"]["1.1"].match == ((43, "01"),)
    hausrat = by_key["0210.130"]["1.8"]
    assert [part.check for part in hausrat.parts.values()] == [(250, "1"), (250, "2")]


def test_field_types_and_signs() -> None:
    nachsatz = catalogue().by_key["9999"]["1.1"]
    part = nachsatz.parts[1]
    types = {item.key: (item.type, item.decimals) for item in part.fields}
    assert types["anz_saetze"] == ("N", 0)
    assert types["gesbeitrag"] == ("F", 2)
    assert types["vorzeichen"] == ("S", 0)
    assert part.signs["gesbeitrag_brutto_inkasso"] == 53
    contract = catalogue().by_key["0200"]["2.5"].parts[1]
    assert {item.key: item.type for item in contract.fields}["vertragsbeginn"] == "D8"
    assert catalogue().by_key["0200"]["2.5"].field("produktform_gueltig_ab").type == "D6"  # type: ignore[union-attr]


def test_version_fields_of_the_vorsatz() -> None:
    fields = catalogue().version_fields
    assert fields["satzart0100"] == "0100"
    assert fields["satzart0210130"] == "0210.130"
    assert fields["satzart0220010"] == "0220.010"
    assert fields["nachsatzsatzart9999"] == "9999"


def test_version_choice_falls_back_to_the_nearest() -> None:
    cat = catalogue()
    exact, warning = cat.choose("0100", "2.3")
    assert (exact.version, warning) == ("2.3", None)
    older, warning = cat.choose("0100", "1.9")
    assert older.version == min(cat.by_key["0100"], key=lambda v: tuple(map(int, v.split("."))))
    assert warning is not None
    assert "1.9" in warning
    newest, warning = cat.choose("0100", None)
    assert (newest.version, warning) == ("2.3", None)


@pytest.mark.parametrize(
    ("technical", "key"),
    [
        ("GesbeitragInWE", "gesbeitrag_in_we"),
        ("ErstellungsDatumZeitraumVomZeitraumBis", "erstellungs_datum_zeitraum_vom_zeitraum_bis"),
        ("1ReferenzVsNr", "f_1_referenz_vs_nr"),
        ("VuNr", "vu_nr"),
    ],
)
def test_snake_case_keys(technical: str, key: str) -> None:
    assert snake_case(technical) == key


def test_identity_slices_tell_risks_and_persons_apart() -> None:
    by_key = catalogue().by_key
    haftpflicht = by_key["0220.040"]["1.9"]
    assert [part.identity for part in haftpflicht.parts.values()] == [
        ((42, 48), (48, 50)),
        ((42, 48), (48, 50)),
    ]
    unfall = by_key["0220.030"]["2.5"]
    assert {number: part.identity for number, part in unfall.parts.items()} == {
        1: ((42, 48),), 2: ((42, 48),), 3: (), 4: ((42, 48),), 9: (),
    }  # fmt: skip
    assert by_key["0100"]["2.3"].parts[1].identity == ()
