"""GDV records → the portfolio's customers, contracts and line-of-business details (pure).

One contract per insurance number (VU number + VSNr) and data package: its address record 0100
(the policyholder, Adresskennzeichen 01), its general part 0200, its line-of-business parts
0210/0211 and the details 0220/0221. Contracts in lines of business that are not supported are
kept with the reason they are skipped; contracts whose data do not pass the portfolio's checks
are skipped naming the field.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from kontor.exchange.gdv import GdvRecord
from kontor.exchange.pipeline import RunFailed
from kontor.portfolio import gdv_fields
from kontor.portfolio.domain import build_contract, build_customer
from kontor.portfolio.errors import InvalidPortfolioData
from kontor.portfolio.lines import line_label, line_of_business
from kontor.portfolio.merge_key import merge_key

FILE_ERROR, MAPPING_ERROR = -1, -2
PORTFOLIO_SATZARTEN = frozenset({"0100", "0200", "0210", "0211", "0220", "0221"})
_COUNTRIES = {"D": "DE", "A": "AT", "CH": "CH", "NL": "NL", "B": "BE", "F": "FR", "I": "IT",
              "L": "LU", "PL": "PL", "CZ": "CZ", "DK": "DK", "E": "ES", "GB": "GB"}  # fmt: skip
_FREQUENCIES = {"1": "annual", "2": "semiannual", "4": "quarterly", "8": "monthly",
                "6": "single"}  # fmt: skip
_STATUSES = {"1": "active", "2": "cancelled", "3": "dormant", "4": "premium_free"}
_SALUTATIONS = {"1": "Herr", "2": "Frau", "3": "Firma"}
_HOUSE_NUMBER = re.compile(
    r"^(?P<street>.*?\D)\s*(?P<number>\d+\s*[a-zA-Z]?(?:\s*[-/]\s*\d+\s*[a-zA-Z]?)?)$"
)


@dataclass
class FileContract:
    """One contract as read from the file, ready to load or skipped with the reason."""

    line: int
    insurer_number: str
    policy_number: str
    line_of_business_code: str
    customer: dict[str, Any] = field(default_factory=dict)
    contract: dict[str, Any] = field(default_factory=dict)
    details: dict[str, Any] | None = None
    skip_reason: str | None = None
    merge_key: str = ""

    @property
    def summary(self) -> dict[str, Any]:
        """What the contract list of the file shows."""
        name = self.customer.get("company_name") or " ".join(
            part for part in (self.customer.get("first_name"), self.customer.get("last_name"))
            if part
        )  # fmt: skip
        return {
            "policy_number": self.policy_number,
            "line_of_business_code": self.line_of_business_code,
            "line_of_business": line_label(self.line_of_business_code),
            "insurer_number": self.insurer_number,
            "insurer_name": self.contract.get("insurer_name"),
            "customer": name,
            "validity_date": self.contract.get("validity_date"),
            "annual_premium_gross": self.contract.get("annual_premium_gross"),
        }


@dataclass
class _Package:
    insurer_name: str = ""
    created_on: dt.date | None = None
    versions: dict[str, str] = field(default_factory=dict)


@dataclass
class _Gathered:
    line: int
    package: _Package
    records: list[GdvRecord] = field(default_factory=list)


def check_portfolio_data(satzarten: Mapping[str, int]) -> None:
    """Refuse (step −1) a file without contract records (0200): claims or commission data."""
    if "0200" in satzarten:
        return
    found = ", ".join(sorted(satzarten)) or "keine"
    raise RunFailed(
        FILE_ERROR,
        "portfolio.gdv.not_portfolio_data",
        f"Die Datei enthält keine GDV-Bestandsdaten (keine Vertragssätze 0200; Satzarten: "
        f"{found}); vermutlich sind es Schaden- (0500) oder Provisions- und Inkassodaten (0400).",
        "Laden Sie die Bestandsdatei (Satzarten 0100/0200/0210/0220) Ihres Versicherers hoch; "
        "Schaden- und Provisionsdateien werden hier nicht eingespielt.",
    )


@dataclass
class FileReading:
    """One pass over a GDV file: what it holds, its warnings, its contracts, version problems."""

    satzarten: dict[str, int] = field(default_factory=dict)
    records: int = 0
    packages: int = 0
    warnings: list[tuple[int, str]] = field(default_factory=list)
    version_problem: RunFailed | None = None
    contracts: list[FileContract] = field(default_factory=list)


def read_file(records: Iterable[GdvRecord], supported: frozenset[str]) -> FileReading:
    """Read the records once: count them, keep warnings, map the contracts as they complete.

    A contract's records follow one another in a GDV file; when the next contract starts, the
    previous one is mapped and its records are let go.
    """
    reading = FileReading()
    package = _Package()
    current: _Gathered | None = None
    current_key: tuple[int, str, str] | None = None
    for record in records:
        reading.records += 1
        reading.satzarten[record.satzart] = reading.satzarten.get(record.satzart, 0) + 1
        reading.warnings.extend((w.line, str(w)) for w in record.warnings)
        if record.satzart == "0001":
            package = _package_of(record)
            reading.packages += 1
            continue
        if record.satzart not in PORTFOLIO_SATZARTEN:
            continue
        insurer, policy = (
            gdv_fields.text(record.fields.get("vu_nr")),
            gdv_fields.text(record.fields.get("vs_nr")),
        )
        if not policy:
            continue
        if reading.version_problem is None:
            reading.version_problem = _version_problem(record, package, supported)
        key = (record.package, insurer or "", policy)
        if key != current_key:
            if current is not None:
                reading.contracts.append(_contract(current, supported))
            current, current_key = _Gathered(record.line, package), key
        assert current is not None
        current.records.append(record)
    if current is not None:
        reading.contracts.append(_contract(current, supported))
    return reading


def _package_of(vorsatz: GdvRecord) -> _Package:
    period = (
        gdv_fields.text(vorsatz.fields.get("erstellungs_datum_zeitraum_vom_zeitraum_bis")) or ""
    )
    period = period.zfill(16) if period.isdigit() else period  # read as a number: "0103…"
    created = None
    if len(period) == 16 and period.isdigit():
        try:
            created = dt.datetime.strptime(period[8:], "%d%m%Y").date()
        except ValueError:
            created = None
    versions = {
        name.removeprefix("satzart"): str(value)
        for name, value in vorsatz.fields.items()
        if name.startswith("satzart0") and value
    }
    return _Package(gdv_fields.text(vorsatz.fields.get("absender")) or "", created, versions)


def _version_problem(
    record: GdvRecord, package: _Package, supported: frozenset[str]
) -> RunFailed | None:
    code = gdv_fields.line_code(record.fields.get("sparte"))
    if code not in supported and record.satzart not in ("0100", "0200"):
        return None
    declared = package.versions.get(record.record_type.replace(".", ""))
    if not record.known or (
        declared and record.version and _version(declared) > _version(record.version)
    ):
        shown = f"{record.record_type} in Version {declared}" if declared else record.record_type
        known = f" (bekannt bis Version {record.version})" if record.version else ""
        return RunFailed(
            MAPPING_ERROR,
            "portfolio.gdv.unknown_record_version",
            f"Zeile {record.line}: Satzart {shown} ist eine bisher unbekannte Version, die das "
            f"System nicht unterstützt{known}.",
            "Bitten Sie den Versicherer um eine Datei in einer unterstützten Formatversion des "
            "GDV-VU-Formats (bis Release 2023) oder melden Sie die Satzart dem Support.",
        )
    return None


def _version(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", text))


def _contract(entry: _Gathered, supported: frozenset[str]) -> FileContract:
    by_type: dict[str, list[GdvRecord]] = {}
    for record in entry.records:
        by_type.setdefault(record.satzart, []).append(record)
    general = gdv_fields.first(by_type, "0200")
    first = entry.records[0]
    code = gdv_fields.line_code((general or first).fields.get("sparte"))
    if code == "000":  # a bundled contract (Bündelung): the line is in its 0210 part
        specific = gdv_fields.first(by_type, "0210") or gdv_fields.first(by_type, "0220")
        code = gdv_fields.line_code(specific.fields.get("sparte")) if specific else code
    found = FileContract(
        line=(general or first).line,
        insurer_number=gdv_fields.text(first.fields.get("vu_nr")) or "",
        policy_number=gdv_fields.text(first.fields.get("vs_nr")) or "",
        line_of_business_code=code,
    )
    holder = _policyholder(by_type.get("0100", []))
    if holder is not None:
        found.customer = _customer(holder)
    if general is None:
        found.skip_reason = "Vertrag ohne Vertragsteil (Satzart 0200)"
        return found
    found.contract = _contract_data(general, by_type, entry.package, found)
    if code not in supported:
        label = line_label(code)
        found.skip_reason = (
            f"Sparte {code} ({label}) wird nicht unterstützt; unterstützt: "
            f"{', '.join(sorted(supported))}"
        )
        return found
    if holder is None:
        found.skip_reason = "Vertrag ohne Adresssatz des Versicherungsnehmers (Satzart 0100)"
        return found
    found.details = gdv_fields.details_of(line_of_business(code), by_type)
    try:
        customer = build_customer("check", found.customer)
        build_contract("check", "check", {**found.contract, "details": found.details})
    except InvalidPortfolioData as error:
        where = error.details.get("field", "")
        found.skip_reason = f"Daten nicht übernehmbar ({where}): {error.message}"
        return found
    found.merge_key = merge_key(
        first_name=customer.first_name,
        last_name=customer.last_name or customer.company_name,
        date_of_birth=customer.date_of_birth,
        address=customer.address,
        policy_number=found.policy_number,
        line_of_business_code=code,
        insurer=found.insurer_number or found.contract.get("insurer_name"),
    )
    return found


def _policyholder(addresses: list[GdvRecord]) -> GdvRecord | None:
    for record in addresses:
        if gdv_fields.text(record.fields.get("adresskennzeichen")) in ("01", "1"):
            return record
    return addresses[0] if addresses else None


def _customer(record: GdvRecord) -> dict[str, Any]:
    f = record.fields
    salutation = gdv_fields.text(f.get("anredeschluessel")) or ""
    company = salutation == "3"
    street, number = _street(gdv_fields.text(f.get("str")))
    country = gdv_fields.text(f.get("lkz")) or "D"
    data: dict[str, Any] = {
        "kind": "company" if company else "person",
        "customer_number": gdv_fields.text(f.get("personen_kunden_nr_versicherers")),
        "salutation": _SALUTATIONS.get(salutation),
        "title": gdv_fields.text(f.get("titel")),
        "date_of_birth": gdv_fields.iso(f.get("geburtsdatum")),
        "address": {
            "street": street,
            "house_number": number,
            "postal_code": gdv_fields.text(f.get("plz")),
            "city": gdv_fields.text(f.get("ort")),
            "country": _COUNTRIES.get(country.upper(), country if len(country) == 2 else "DE"),
        },
    }
    if company:
        names = (
            gdv_fields.text(f.get("name1")),
            gdv_fields.text(f.get("name2")),
            gdv_fields.text(f.get("name3")),
        )
        data["company_name"] = " ".join(name for name in names if name)
    else:
        data["last_name"] = gdv_fields.text(f.get("name1"))
        data["first_name"] = gdv_fields.text(f.get("name3"))
    return data


def _contract_data(
    general: GdvRecord,
    by_type: Mapping[str, list[GdvRecord]],
    package: _Package,
    found: FileContract,
) -> dict[str, Any]:
    f = general.fields
    specific = gdv_fields.first(by_type, "0210")
    net = gdv_fields.money(f.get("gesbeitrag_netto_in_we"))
    gross = gdv_fields.money(specific.fields.get("gesbeitrag_in_we")) if specific else None
    gross = gross if gross is not None and (net is None or gross >= net) else None
    validity = gdv_fields.date(f.get("aenderungsdatum")) or package.created_on
    return {
        "insurer_name": package.insurer_name or f"VU {found.insurer_number}",
        "insurer_number": found.insurer_number or None,
        "line_of_business_code": found.line_of_business_code,
        "policy_number": found.policy_number,
        "start_date": gdv_fields.iso(f.get("vertragsbeginn")),
        "end_date": gdv_fields.iso(f.get("vertragsablauf")),
        "main_due_date": gdv_fields.iso(f.get("hauptfaelligkeit")),
        "payment_frequency": _FREQUENCIES.get(gdv_fields.text(f.get("zahlungsweise")) or ""),
        "status": _STATUSES.get(gdv_fields.text(f.get("vertragsstatus")) or "", "active"),
        "annual_premium_gross": gross,
        "annual_premium_net": net,
        "currency": _currency(gdv_fields.text(f.get("waehrungsschluessel"))),
        "validity_date": validity.isoformat() if validity else None,
    }


def _currency(code: str | None) -> str:
    """The ISO code; old files' blanks or two-letter keys count as euro (GDV's default)."""
    return code if code and len(code) == 3 and code.isalpha() and code.isupper() else "EUR"


def _street(text: str | None) -> tuple[str | None, str | None]:
    if not text:
        return None, None
    match = _HOUSE_NUMBER.match(text)
    if match is None:
        return text, None
    return match["street"].strip(), match["number"].replace(" ", "")
