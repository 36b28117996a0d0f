"""GDV records to portfolio data: who the policyholder is, addresses, lines, skip reasons."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from kontor.exchange.gdv import GdvFileBuilder, read_records
from kontor.portfolio.gdv_mapping import read_file

LINES = frozenset({"030", "040", "050", "130", "140"})


def _builder() -> GdvFileBuilder:
    return GdvFileBuilder(vu_nr="4711", absender="Muster Versicherung AG",
                          adressat="Makler", erstellt=dt.date(2026, 3, 1))  # fmt: skip


def test_a_company_with_a_house_number_range_and_old_currency_key_maps_cleanly() -> None:
    builder = _builder()
    builder.add("0100", sparte=40, vs_nr="HP-1", anredeschluessel="3", name1="Bäckerei",
                name2="Schmitz GmbH", lkz="A", plz="1010", ort="Wien",
                str="Am Graben 12a-14", adresskennzeichen="01")  # fmt: skip
    builder.add("0200", sparte=40, vs_nr="HP-1", vertragsbeginn=dt.date(2025, 1, 1),
                waehrungsschluessel="DM", gesbeitrag_netto_in_we=Decimal("80.00"))  # fmt: skip
    [contract] = read_file(read_records(builder.to_bytes()), LINES).contracts
    assert contract.skip_reason is None
    assert contract.customer["kind"] == "company"
    assert contract.customer["company_name"] == "Bäckerei Schmitz GmbH"
    assert contract.customer["address"] == {
        "street": "Am Graben", "house_number": "12a-14", "postal_code": "1010", "city": "Wien",
        "country": "AT",
    }  # fmt: skip
    assert contract.contract["currency"] == "EUR"
    assert contract.contract["validity_date"] == "2026-03-01"  # no Änderungsdatum: the file's date


def test_contracts_of_unsupported_lines_and_without_policyholder_are_skipped_with_reasons() -> None:
    builder = _builder()
    builder.add("0100", sparte=10, vs_nr="LV-1", name1="Muster", name3="Erika")
    builder.add("0200", sparte=10, vs_nr="LV-1")
    builder.add("0200", sparte=130, vs_nr="HR-9")
    reading = read_file(read_records(builder.to_bytes()), LINES)
    reasons = {c.policy_number: c.skip_reason for c in reading.contracts}
    assert reasons["LV-1"] is not None
    assert reasons["LV-1"].startswith("Sparte 010 (Leben) wird nicht unterstützt")
    assert reasons["HR-9"] == "Vertrag ohne Adresssatz des Versicherungsnehmers (Satzart 0100)"
