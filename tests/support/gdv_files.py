"""GDV files for tests: built with the writer (a Hausrat and a Wohngebäude contract; Hausrat
files of a given validity date; a claims-only file) and the GDV's 2004 sample."""

from __future__ import annotations

import datetime as dt
from datetime import date
from decimal import Decimal

import pytest

from kontor.exchange.gdv import GdvFileBuilder
from support.backends import SHARED


def build_file() -> GdvFileBuilder:
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


SAMPLE = SHARED / "gdv" / "samples" / "musterdatei_041222.txt"


def sample_bytes() -> bytes:
    """The GDV's sample portfolio file of 2004 (skips the test when the folder is absent)."""
    if not SAMPLE.exists():
        pytest.skip(f"the GDV sample {SAMPLE} is absent (the shared folder is not here)")
    return SAMPLE.read_bytes()


def household_file(
    validity: dt.date, *, premium: str = "120.00", risk_text: str = "FELS", contracts: int = 2
) -> bytes:
    """A file of Hausrat contracts of two customers, changed on ``validity``."""
    builder = GdvFileBuilder(
        vu_nr="4711", absender="Muster Versicherung AG", adressat="Makler Meier",
        erstellt=validity, vermittler="0815",
    )  # fmt: skip
    people = [("Muster", "Erika", dt.date(1980, 1, 31)), ("Beispiel", "Max", dt.date(1975, 6, 2))]
    for number in range(contracts):
        last, first, born = people[number % 2]
        policy = f"HR-{number + 1}"
        builder.add("0100", sparte=130, vs_nr=policy, anredeschluessel="2", name1=last,
                    name3=first, geburtsdatum=born, lkz="D", plz="50667", ort="Köln",
                    str="Domstr. 1", adresskennzeichen="01")  # fmt: skip
        builder.add("0200", sparte=130, vs_nr=policy, vertragsbeginn=dt.date(2024, 1, 1),
                    zahlungsweise="1", vertragsstatus="1", aenderungsdatum=validity,
                    gesbeitrag_netto_in_we=Decimal(premium), waehrungsschluessel="EUR")  # fmt: skip
        builder.add("0210.130", sparte=130, vs_nr=policy, versicherte_gefahren=risk_text,
                    gesbeitrag_in_we=Decimal(premium), wohnflaeche_qm=80, tarifzone="3",
                    ges_versssumme_in_we=Decimal("52000"))  # fmt: skip
    return builder.to_bytes()


def campaign_file(erstellt: dt.date, households: int, buildings: int) -> bytes:
    """Hausrat (``ST-HR-n``) and Wohngebäude (``ST-WG-n``) contracts, one customer each."""
    builder = GdvFileBuilder(
        vu_nr="4711", absender="Alte Sach Versicherung AG", adressat="Makler Nord",
        erstellt=erstellt, vermittler="0815",
    )  # fmt: skip
    policies = [(f"ST-HR-{n}", 130) for n in range(1, households + 1)]
    policies += [(f"ST-WG-{n}", 140) for n in range(1, buildings + 1)]
    for number, (policy, sparte) in enumerate(policies, start=1):
        builder.add("0100", sparte=sparte, vs_nr=policy, anredeschluessel="1",
                    name1=f"Kunde{number:02d}", name3="Karl", geburtsdatum=dt.date(1970, 1, number),
                    lkz="D", plz="20095", ort="Hamburg", adresskennzeichen="01")  # fmt: skip
        builder.add("0200", sparte=sparte, vs_nr=policy, vertragsbeginn=dt.date(2022, 1, 1),
                    zahlungsweise="1", vertragsstatus="1", aenderungsdatum=erstellt,
                    gesbeitrag_netto_in_we=Decimal("110.00"),
                    waehrungsschluessel="EUR")  # fmt: skip
        if sparte == 130:
            builder.add("0210.130", sparte=130, vs_nr=policy, versicherte_gefahren="EFLSU",
                        gesbeitrag_in_we=Decimal("118.00"), wohnflaeche_qm=60 + 10 * number,
                        tarifzone="3", ges_versssumme_in_we=Decimal("52000"))  # fmt: skip
        else:
            builder.add("0210.140", sparte=140, vs_nr=policy, gesbeitrag_in_we=Decimal("95.00"),
                        ges_versssumme_in_we=Decimal("300000"))  # fmt: skip
    return builder.to_bytes()


def claims_only_file() -> bytes:
    """A file holding only a claims record (Schadeninformationssatz 0500), no contracts."""
    builder = GdvFileBuilder(vu_nr="4711", absender="Muster Versicherung AG",
                             adressat="Makler Meier", erstellt=dt.date(2026, 11, 1))  # fmt: skip
    builder.add("0500", sparte=130, vs_nr="HR-1")
    return builder.to_bytes()
