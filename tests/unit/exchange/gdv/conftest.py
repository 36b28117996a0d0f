"""Small GDV files built with the writer, for reader tests."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from kontor.exchange.gdv import GdvFileBuilder


def build_file(**overrides: object) -> GdvFileBuilder:
    """Return a builder with a Hausrat and a Wohngebäude contract and their customer."""
    builder = GdvFileBuilder(
        vu_nr="9999", absender="Muster AG", adressat="Makler Müller",
        erstellt=date(2026, 12, 1), vermittler="0815",
    )  # fmt: skip
    builder.add(
        "0100", vs_nr="HR-1", name1="Müßig", name3="Jörg", geburtsdatum=date(1980, 1, 31),
        plz="52222", ort="Stolberg",
    )  # fmt: skip
    builder.add(
        "0200", sparte=130, vs_nr="HR-1", vertragsbeginn=date(2024, 1, 1),
        gesbeitrag_netto_in_we=Decimal("120.50"),
    )  # fmt: skip
    builder.add("0210.130", vs_nr="HR-1", versicherte_gefahren="FELS", wohnflaeche_qm=85)
    builder.add("0220.130", vs_nr="HR-1")
    builder.add(
        "0200", sparte=140, vs_nr="WG-1", vertragsbeginn=date(2023, 7, 1),
        gesbeitrag_netto_in_we=Decimal("480.00"),
    )  # fmt: skip
    builder.add("0210.140", vs_nr="WG-1")
    builder.add("0220.140", vs_nr="WG-1")
    return builder


@pytest.fixture
def small_file() -> bytes:
    """A valid one-package file (LF, ISO-8859-1) with 0100, 0200, 0210/0220 for 130 and 140."""
    return build_file().to_bytes()
