"""The portfolio back to GDV: customers and contracts as 0100/0200/0210 records, per insurer.

One data package per insurer (VU number): per contract its policyholder (0100, Adresskennzeichen
01), its general part (0200: dates, payment, status, validity date as Änderungsdatum, net
premium) and its line-of-business part (0210 for the lines that have one: gross premium; Hausrat
also the risk text, living area, tariff zone and sum insured). What the import reads from these
records comes back the same, so export and re-import merge into the same contracts.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from kontor.errors import KontorError
from kontor.exchange.gdv import GdvFileBuilder, GdvValue
from kontor.exchange.gdv.writer import newest_layout
from kontor.portfolio.domain import Contract, Customer, CustomerKind
from kontor.portfolio.lines import BuildingDetails, HouseholdDetails

_FREQUENCIES = {"annual": "1", "semiannual": "2", "quarterly": "4", "monthly": "8", "single": "6"}
_STATUSES = {"active": "1", "cancelled": "2", "dormant": "3", "premium_free": "4"}
_SALUTATIONS = {"Herr": "1", "Frau": "2", "Firma": "3"}
_COUNTRIES = {"DE": "D", "AT": "A", "CH": "CH", "BE": "B", "FR": "F", "IT": "I", "LU": "L",
              "ES": "E"}  # fmt: skip


def export_gdv(
    pairs: Iterable[tuple[Customer, Contract]], *, sender: str, receiver: str, created: dt.date
) -> bytes:
    """A GDV file (ISO-8859-1) with one data package per insurer of the given contracts."""
    builders: dict[str, GdvFileBuilder] = {}
    for customer, contract in pairs:
        vu_nr = (contract.insurer_number or "0000")[:5]
        builder = builders.get(vu_nr)
        if builder is None:
            builder = GdvFileBuilder(vu_nr=vu_nr, absender=contract.insurer_name[:30],
                                     adressat=receiver[:30], erstellt=created)  # fmt: skip
            builders[vu_nr] = builder
        _add_contract(builder, customer, contract)
    if not builders:
        raise KontorError("the portfolio holds no contracts to export", field="tenant")
    return b"".join(builders[key].to_bytes() for key in sorted(builders))


def _add_contract(builder: GdvFileBuilder, customer: Customer, contract: Contract) -> None:
    sparte = int(contract.line_of_business_code)
    policy = contract.policy_number
    builder.add("0100", **_compact(_address_fields(customer), sparte=sparte, vs_nr=policy))
    builder.add("0200", **_compact({
        "sparte": sparte, "vs_nr": policy,
        "vertragsbeginn": contract.start_date, "vertragsablauf": contract.end_date,
        "hauptfaelligkeit": contract.main_due_date,
        "zahlungsweise": _FREQUENCIES.get(contract.payment_frequency or ""),
        "vertragsstatus": _STATUSES.get(contract.status.value, "1"),
        "aenderungsdatum": contract.validity_date,
        "gesbeitrag_netto_in_we": contract.annual_premium_net,
        "waehrungsschluessel": contract.currency,
    }))  # fmt: skip
    record_type = f"0210.{contract.line_of_business_code}"
    try:
        newest_layout(record_type)
    except KontorError:
        return  # a line without a 0210 layout: the general part carries the contract
    specific: dict[str, GdvValue] = {"sparte": sparte, "vs_nr": policy,
                                     "gesbeitrag_in_we": contract.annual_premium_gross}  # fmt: skip
    details = contract.details
    if isinstance(details, HouseholdDetails):
        specific |= {
            "versicherte_gefahren": details.risk_text or None,
            "wohnflaeche_qm": int(details.living_area) if details.living_area else None,
            "tarifzone": details.tariff_zone,
            "ges_versssumme_in_we": details.sum_insured,
        }
    elif isinstance(details, BuildingDetails):
        specific["ges_versssumme_in_we"] = details.sum_insured
    builder.add(record_type, **_compact(specific))


def _address_fields(customer: Customer) -> dict[str, Any]:
    address = customer.address
    street = " ".join(part for part in (address.street, address.house_number) if part)
    company = customer.kind is CustomerKind.COMPANY
    return {
        "anredeschluessel": "3" if company else _SALUTATIONS.get(customer.salutation or "", "0"),
        "name1": (customer.company_name if company else customer.last_name) or "",
        "name3": None if company else customer.first_name,
        "titel": customer.title,
        "lkz": _COUNTRIES.get(address.country, address.country),
        "plz": address.postal_code,
        "ort": address.city,
        "str": street or None,
        "geburtsdatum": customer.date_of_birth,
        "adresskennzeichen": "01",
        "personen_kunden_nr_versicherers": customer.customer_number,
    }


def _compact(fields: dict[str, Any], **more: Any) -> dict[str, GdvValue]:
    """The fields that have a value (GDV writes blanks for the others)."""
    values = {**fields, **more}
    return {
        key: value
        for key, value in values.items()
        if value is not None and not (isinstance(value, Decimal) and value.is_nan())
    }
