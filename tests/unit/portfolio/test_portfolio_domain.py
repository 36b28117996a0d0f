"""The portfolio's entities refuse bad data naming the field; money stays exact."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from kontor.portfolio import (
    Address,
    BuildingDetails,
    InvalidPortfolioData,
    Peril,
    build_bank_account,
    build_claims_ratio,
    build_contract,
    build_customer,
    contract_merge_key,
    details_from_data,
    details_to_data,
    line_of_business,
    merge_key,
)
from support.portfolio import CUSTOMER, HOUSEHOLD


def _refused_field(build: Any, *args: Any) -> str:
    with pytest.raises(InvalidPortfolioData) as refused:
        build(*args)
    field: str = refused.value.details["field"]
    return field


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"last_name": " "}, "last_name"),
        ({"kind": "robot"}, "kind"),
        ({"date_of_birth": "03.02.1980"}, "date_of_birth"),
        ({"email": "anna"}, "email"),
        ({"address": {"country": "Deutschland"}}, "address.country"),
        ({"kind": "company", "company_name": None}, "company_name"),
    ],
)
def test_a_bad_customer_is_refused_naming_the_field(change: dict[str, Any], field: str) -> None:
    assert _refused_field(build_customer, "c", CUSTOMER | change) == field


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"policy_number": "X" * 18}, "policy_number"),
        ({"policy_number": "HR#1"}, "policy_number"),
        ({"line_of_business_code": "13"}, "line_of_business_code"),
        ({"annual_premium_gross": Decimal("1.234")}, "annual_premium_gross"),
        ({"annual_premium_gross": 12.5}, "annual_premium_gross"),
        ({"annual_premium_net": Decimal("500")}, "annual_premium_net"),
        ({"end_date": "2019-12-31"}, "end_date"),
        ({"payment_frequency": "weekly"}, "payment_frequency"),
        ({"details": {"kind": "household", "risk_text": "FQ"}}, "details.risk_text"),
        ({"details": {"kind": "household", "sum_insured": -1}}, "details.sum_insured"),
        ({"details": {"kind": "household", "colour": "red"}}, "details.colour"),
        ({"details": {"kind": "motor"}}, "details.kind"),
    ],
)
def test_a_bad_contract_is_refused_naming_the_field(change: dict[str, Any], field: str) -> None:
    assert _refused_field(build_contract, "k", "c", HOUSEHOLD | change) == field


def test_money_keeps_two_places_exactly() -> None:
    contract = build_contract("k", "c", HOUSEHOLD | {"annual_premium_gross": "1000000000.1"})
    assert str(contract.annual_premium_gross) == "1000000000.10"


def test_building_details_hold_value_1914_and_perils() -> None:
    details = details_from_data({
        "kind": "residential_building", "perils": ["S", "F", "L"], "value_1914": "23500",
        "construction_year": 1968, "living_area": "142.5", "tariff_zone": "2",
    })  # fmt: skip
    assert isinstance(details, BuildingDetails)
    assert details.perils == (Peril.FIRE, Peril.TAP_WATER, Peril.STORM)
    assert details.value_1914 == Decimal("23500.00")
    assert details_from_data(details_to_data(details)) == details


def test_lines_of_business_have_our_names() -> None:
    assert [line_of_business(code) for code in ("130", "140", "040", "030", "050", "999")] == [
        "household", "residential_building", "liability", "accident", "motor", "other",
    ]  # fmt: skip


def test_an_iban_with_wrong_check_digits_is_refused_and_a_good_one_finds_its_bank() -> None:
    assert _refused_field(build_bank_account, "b", "c", {"iban": "DE89370400440532013001"}) == (
        "iban"
    )
    assert _refused_field(build_bank_account, "b", "c", {"iban": "DE89370400440532013000",
                                                         "bic": "NOPE"}) == "bic"  # fmt: skip
    account = build_bank_account("b", "c", {"iban": "de89 3704 0044 0532 0130 00"})
    assert (account.iban, account.bic) == ("DE89370400440532013000", "COBADEFFXXX")


def test_a_claims_ratio_needs_what_its_scope_is_about() -> None:
    given = {"scope": "insurer", "period_start": "2025-01-01", "period_end": "2025-12-31",
             "ratio": "0.5"}  # fmt: skip
    assert _refused_field(build_claims_ratio, "r", given) == "insurer_number"
    assert build_claims_ratio("r", given | {"insurer_number": "9001"}).ratio == Decimal("0.5000")


def test_the_merge_key_ignores_spelling_but_not_meaning() -> None:
    customer = build_customer("c", CUSTOMER)
    contract = build_contract("k", "c", HOUSEHOLD)
    spelled = merge_key(
        first_name="ANNA", last_name="Mueller", date_of_birth=dt.date(1980, 2, 3),
        address=Address("Hauptstr.", "12", "10115", "Berlin"), policy_number="HR 4711",
        line_of_business_code="130", insurer="9001",
    )  # fmt: skip
    assert contract_merge_key(customer, contract) == spelled
    other_line = build_contract("k", "c", HOUSEHOLD | {"line_of_business_code": "140",
                                                       "details": None})  # fmt: skip
    assert contract_merge_key(customer, other_line) != spelled
