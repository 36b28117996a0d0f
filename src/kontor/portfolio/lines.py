"""Lines of business (Sparten): the GDV codes we name, and their typed contract details."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from kontor.portfolio import values
from kontor.portfolio.errors import InvalidPortfolioData
from kontor.portfolio.perils import Peril, decode_risk_text, encode_risk_text, ordered_perils

ACCIDENT, LIABILITY, MOTOR = "accident", "liability", "motor"
HOUSEHOLD, RESIDENTIAL_BUILDING = "household", "residential_building"
OTHER = "other"

LINES_OF_BUSINESS: dict[str, tuple[str, str]] = {
    "010": ("life", "Leben"),
    "020": ("health", "Kranken"),
    "030": (ACCIDENT, "Unfall"),
    "040": (LIABILITY, "Haftpflicht"),
    "050": (MOTOR, "Kfz"),
    "051": ("motor_liability", "Kfz-Haftpflicht"),
    "052": ("motor_full_cover", "Kfz-Vollkasko"),
    "053": ("motor_partial_cover", "Kfz-Teilkasko"),
    "070": ("legal_expenses", "Rechtsschutz"),
    "080": ("fire", "Feuer"),
    "110": ("glass", "Glas"),
    "130": (HOUSEHOLD, "Hausrat"),
    "140": (RESIDENTIAL_BUILDING, "Wohngebäude"),
}
"""GDV line-of-business code → (our name, German name); other 3-digit codes are ``other``."""


def line_of_business(code: str, field: str = "line_of_business_code") -> str:
    """Our name of the GDV line-of-business ``code`` (three digits); unknown codes are ``other``."""
    if not (isinstance(code, str) and len(code) == 3 and code.isascii() and code.isdigit()):
        raise InvalidPortfolioData(
            f"line of business {code!r} is no three-digit GDV code such as 130", field=field
        )
    return LINES_OF_BUSINESS.get(code, (OTHER, ""))[0]


def line_label(code: str) -> str:
    """The German name of a line-of-business code (the code itself when we name none)."""
    return LINES_OF_BUSINESS.get(code, ("", f"Sparte {code}"))[1]


@dataclass(frozen=True)
class HouseholdDetails:
    """Hausrat: insured perils (from the risk text), living area, tariff zone, sum insured."""

    perils: tuple[Peril, ...] = ()
    living_area: Decimal | None = None
    tariff_zone: str | None = None
    sum_insured: Decimal | None = None

    kind = HOUSEHOLD

    @property
    def risk_text(self) -> str:
        """The GDV risk text of the perils."""
        return encode_risk_text(self.perils)


@dataclass(frozen=True)
class BuildingDetails:
    """Wohngebäude: sum insured and value 1914, construction year, living area, perils, zone."""

    perils: tuple[Peril, ...] = ()
    sum_insured: Decimal | None = None
    value_1914: Decimal | None = None
    construction_year: int | None = None
    living_area: Decimal | None = None
    tariff_zone: str | None = None

    kind = RESIDENTIAL_BUILDING

    @property
    def risk_text(self) -> str:
        """The GDV risk text of the perils."""
        return encode_risk_text(self.perils)


@dataclass(frozen=True)
class LiabilityDetails:
    """Haftpflicht: cover sum, deductible and what is insured (single, family, …)."""

    coverage_sum: Decimal | None = None
    deductible: Decimal | None = None
    insured_risk: str | None = None

    kind = LIABILITY


@dataclass(frozen=True)
class AccidentDetails:
    """Unfall: disability sum, progression (percent), death benefit, insured persons."""

    disability_sum: Decimal | None = None
    progression: int | None = None
    death_benefit: Decimal | None = None
    insured_persons: int | None = None

    kind = ACCIDENT


@dataclass(frozen=True)
class MotorDetails:
    """Kfz: registration, vehicle, first registration, cover and no-claims class."""

    registration: str | None = None
    vehicle: str | None = None
    first_registration: dt.date | None = None
    cover: str | None = None
    no_claims_class: str | None = None

    kind = MOTOR


LineDetails = HouseholdDetails | BuildingDetails | LiabilityDetails | AccidentDetails | MotorDetails
MOTOR_COVERS = ("liability", "partial", "full")
"""Kfz cover: Haftpflicht only, Teilkasko, Vollkasko."""
_KINDS: dict[str, type[Any]] = {
    HOUSEHOLD: HouseholdDetails,
    RESIDENTIAL_BUILDING: BuildingDetails,
    LIABILITY: LiabilityDetails,
    ACCIDENT: AccidentDetails,
    MOTOR: MotorDetails,
}
DETAIL_KINDS = tuple(_KINDS)


def details_from_data(data: Mapping[str, Any] | None, field: str = "details") -> LineDetails | None:
    """Typed, checked details from plain data (``kind`` picks the line; ``risk_text`` or
    ``perils`` give the perils); every refusal names its field (``details.sum_insured``)."""
    if data is None:
        return None
    if not isinstance(data, Mapping):
        raise InvalidPortfolioData(f"{field} must be an object with a kind", field=field)
    given = dict(data)
    kind = given.pop("kind", None)
    if kind not in _KINDS:
        raise InvalidPortfolioData(
            f"{field}.kind must be one of {', '.join(DETAIL_KINDS)}", field=f"{field}.kind"
        )
    cls = _KINDS[kind]
    known = set(cls.__dataclass_fields__) | (
        {"risk_text"} if "perils" in cls.__dataclass_fields__ else set()
    )
    unknown = sorted(set(given) - known)
    if unknown:
        raise InvalidPortfolioData(
            f"{field} of kind {kind} has no field {unknown[0]!r}", field=f"{field}.{unknown[0]}"
        )
    checked: LineDetails = _CHECKS[kind](given, field)
    return checked


def details_to_data(details: LineDetails | None) -> dict[str, Any] | None:
    """Plain JSON-ready data of ``details`` (perils as letters and as risk text)."""
    if details is None:
        return None
    data: dict[str, Any] = {"kind": details.kind}
    for name in details.__dataclass_fields__:
        value = getattr(details, name)
        if name == "perils":
            data["perils"] = [peril.value for peril in value]
            data["risk_text"] = encode_risk_text(value)
        elif isinstance(value, dt.date):
            data[name] = value.isoformat()
        else:
            data[name] = value
    return data


def _perils(given: dict[str, Any], field: str) -> tuple[Peril, ...]:
    risk_text, letters = given.get("risk_text"), given.get("perils")
    if (
        risk_text is not None
        and letters is not None
        and decode_risk_text(str(risk_text), f"{field}.risk_text")
        != decode_risk_text("".join(str(letter) for letter in letters), f"{field}.perils")
    ):
        raise InvalidPortfolioData(
            f"{field}.risk_text and {field}.perils name different perils",
            field=f"{field}.perils",
        )
    if risk_text is not None:
        if not isinstance(risk_text, str):
            raise InvalidPortfolioData(
                f"{field}.risk_text must be text", field=f"{field}.risk_text"
            )
        return decode_risk_text(risk_text, f"{field}.risk_text")
    if letters is None:
        return ()
    if not isinstance(letters, list | tuple) or not all(isinstance(x, str) for x in letters):
        raise InvalidPortfolioData(
            f"{field}.perils must be a list of peril letters", field=f"{field}.perils"
        )
    return ordered_perils(decode_risk_text("".join(letters), f"{field}.perils"))


def _household(given: dict[str, Any], field: str) -> HouseholdDetails:
    return HouseholdDetails(
        perils=_perils(given, field),
        living_area=values.optional_quantity(given.get("living_area"), f"{field}.living_area", 2),
        tariff_zone=values.text(given.get("tariff_zone"), f"{field}.tariff_zone", 10),
        sum_insured=values.optional_money(given.get("sum_insured"), f"{field}.sum_insured"),
    )


def _building(given: dict[str, Any], field: str) -> BuildingDetails:
    return BuildingDetails(
        perils=_perils(given, field),
        sum_insured=values.optional_money(given.get("sum_insured"), f"{field}.sum_insured"),
        value_1914=values.optional_money(given.get("value_1914"), f"{field}.value_1914"),
        construction_year=values.year(given.get("construction_year"), f"{field}.construction_year"),
        living_area=values.optional_quantity(given.get("living_area"), f"{field}.living_area", 2),
        tariff_zone=values.text(given.get("tariff_zone"), f"{field}.tariff_zone", 10),
    )


def _liability(given: dict[str, Any], field: str) -> LiabilityDetails:
    return LiabilityDetails(
        coverage_sum=values.optional_money(given.get("coverage_sum"), f"{field}.coverage_sum"),
        deductible=values.optional_money(given.get("deductible"), f"{field}.deductible"),
        insured_risk=values.text(given.get("insured_risk"), f"{field}.insured_risk", 200),
    )


def _accident(given: dict[str, Any], field: str) -> AccidentDetails:
    return AccidentDetails(
        disability_sum=values.optional_money(
            given.get("disability_sum"), f"{field}.disability_sum"
        ),
        progression=_whole(given.get("progression"), f"{field}.progression", 1000),
        death_benefit=values.optional_money(given.get("death_benefit"), f"{field}.death_benefit"),
        insured_persons=_whole(given.get("insured_persons"), f"{field}.insured_persons", 999),
    )


def _motor(given: dict[str, Any], field: str) -> MotorDetails:
    cover = given.get("cover")
    if cover is not None and cover not in MOTOR_COVERS:
        raise InvalidPortfolioData(
            f"{field}.cover must be one of {', '.join(MOTOR_COVERS)}", field=f"{field}.cover"
        )
    first = given.get("first_registration")
    if isinstance(first, str):
        try:
            first = dt.date.fromisoformat(first)
        except ValueError:
            first = False
    if first is not None and not isinstance(first, dt.date):
        raise InvalidPortfolioData(
            f"{field}.first_registration must be a date (YYYY-MM-DD)",
            field=f"{field}.first_registration",
        )
    return MotorDetails(
        registration=values.text(given.get("registration"), f"{field}.registration", 20),
        vehicle=values.text(given.get("vehicle"), f"{field}.vehicle", 200),
        first_registration=first,
        cover=cover,
        no_claims_class=values.text(given.get("no_claims_class"), f"{field}.no_claims_class", 10),
    )


def _whole(value: Any, field: str, most: int) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= most:
        raise InvalidPortfolioData(f"{field} must be a whole number from 0 to {most}", field=field)
    return value


_CHECKS: dict[str, Any] = {
    HOUSEHOLD: _household,
    RESIDENTIAL_BUILDING: _building,
    LIABILITY: _liability,
    ACCIDENT: _accident,
    MOTOR: _motor,
}
