"""Typed GDV field values as portfolio values, and the line-of-business details of a contract.

Helpers of the GDV mapping (pure): text, dates, amounts, line codes; per line of business the
fields of its 0210/0211/0220/0221 records that the portfolio's details hold.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from kontor.exchange.gdv import GdvRecord, GdvValue


def details_of(kind: str, by_type: Mapping[str, list[GdvRecord]]) -> dict[str, Any] | None:
    """The details data of line ``kind`` from a contract's records (by Satzart); None: none."""
    specific = first(by_type, "0210")
    s = specific.fields if specific else {}
    extra = [record.fields for record in by_type.get("0211", []) + by_type.get("0221", [])]
    items = [record.fields for record in by_type.get("0220", [])]
    if kind == "household":
        total = positive(s.get("ges_versssumme_in_we")) or first_positive(
            extra, "ges_versssumme_in_we", "versssumme_entschaedigungsgrenze_in_we"
        )
        return {"kind": kind, "risk_text": text(s.get("versicherte_gefahren")),
                "living_area": positive(s.get("wohnflaeche_qm")),
                "tariff_zone": text(s.get("tarifzone")), "sum_insured": total}  # fmt: skip
    if kind == "residential_building":
        year = next((v for i in items if isinstance(v := i.get("baujahr"), int) and v), None)
        return {"kind": kind, "sum_insured": positive(s.get("ges_versssumme_in_we")),
                "construction_year": year}  # fmt: skip
    if kind == "liability":
        return {"kind": kind, "coverage_sum": first_positive(extra, "deckungssumme1_in_we")}
    if kind == "accident":
        return {"kind": kind, "disability_sum": first_positive(extra, "invaliditaet"),
                "death_benefit": first_positive(extra, "tod"),
                "insured_persons": len(items) or None}  # fmt: skip
    if kind == "motor":
        sparten = {line_code(i.get("sparte")) for i in items}
        cover = "full" if "052" in sparten else "partial" if "053" in sparten else "liability"
        vehicle = " ".join(v for v in (text(s.get("herstellername")),
                                       text(s.get("modellname"))) if v)  # fmt: skip
        no_claims = next((text(i.get("kh_sf_s_klasse")) for i in items
                          if i.get("kh_sf_s_klasse")), None)  # fmt: skip
        return {"kind": kind, "registration": text(s.get("amtliches_kennzeichen")),
                "vehicle": vehicle or None, "first_registration": iso(s.get("erstzulassung")),
                "cover": cover, "no_claims_class": no_claims}  # fmt: skip
    return None


def first(by_type: Mapping[str, list[GdvRecord]], satzart: str) -> GdvRecord | None:
    """The contract's first record of ``satzart``, if any."""
    found = by_type.get(satzart)
    return found[0] if found else None


def line_code(value: GdvValue) -> str:
    """A Sparte as the three-digit code (``30`` → ``030``)."""
    code = text(value) or ""
    return code.zfill(3) if code.isdigit() else code


def text(value: GdvValue) -> str | None:
    """The value as stripped text; None for blanks."""
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def date(value: GdvValue) -> dt.date | None:
    """The value if it is a whole date (partial GDV dates count as none)."""
    return value if isinstance(value, dt.date) else None


def iso(value: GdvValue) -> str | None:
    """The whole date as ISO text."""
    found = date(value)
    return found.isoformat() if found else None


def money(value: GdvValue) -> Decimal | None:
    """An amount to the cent."""
    if isinstance(value, Decimal | int) and not isinstance(value, bool):
        return Decimal(value).quantize(Decimal("0.01"))
    return None


def positive(value: GdvValue) -> Decimal | None:
    """An amount above zero (GDV writes zeros for 'not given')."""
    amount = money(value)
    return amount if amount is not None and amount > 0 else None


def first_positive(records: list[dict[str, GdvValue]], *names: str) -> Decimal | None:
    """The first amount above zero among the records' fields ``names``."""
    for fields in records:
        for name in names:
            amount = positive(fields.get(name))
            if amount is not None:
                return amount
    return None
