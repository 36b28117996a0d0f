"""The demo tariff (DMN) and the condition: Decimal throughout, refusals with their reasons."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kontor.apps.portfolio_transfer import (
    SEED_CALCULATION_WINDOW,
    Calculation,
    ContractFacts,
    DemoTariff,
    Quote,
    calculate,
)
from kontor.exchange.pipeline import RunWindow


def facts(**changes: object) -> ContractFacts:
    base: dict[str, object] = {
        "contract_id": "c1", "label": "HR-1", "line_of_business": "household",
        "sum_insured": Decimal(65000), "living_area": Decimal(80), "tariff_zone": 2,
        "perils": "FELSH", "previous_premium": Decimal("110.00"),
    }  # fmt: skip
    return ContractFacts(**{**base, **changes})  # type: ignore[arg-type]


def test_household_premium_from_sum_area_zone_and_perils() -> None:
    # (65,000 / 1000 × 1.50 + 80 × 0.05) × 1.15 (zone 2) × 1.05 (0.40 + F E L S H)
    assert DemoTariff().get_quote(facts(), Decimal(0)) == Quote(Decimal("122.56"))
    more_perils = DemoTariff().get_quote(facts(perils="FELSHGBMNU"), Decimal(0))
    assert more_perils.premium == Decimal("157.58")
    assert DemoTariff().get_quote(facts(tariff_zone=1), Decimal(0)).premium == Decimal("106.58")


def test_building_premium_counts_the_living_area() -> None:
    building = facts(line_of_business="residential_building", sum_insured=Decimal(400000),
                     living_area=Decimal(140), tariff_zone=1, perils="FLS")  # fmt: skip
    # (400,000 / 1000 × 0.40 + 140 × 1.80) × 1.00 × 0.85
    assert DemoTariff().get_quote(building, Decimal(0)).premium == Decimal("350.20")


def test_a_building_without_sum_insured_is_rated_by_its_value_1914() -> None:
    building = facts(line_of_business="residential_building", sum_insured=Decimal(0),
                     value_1914=Decimal(16000), living_area=Decimal(140), tariff_zone=1,
                     perils="FLS")  # fmt: skip
    # 16,000 × 25 = 400,000: the same premium as with that sum insured
    assert DemoTariff().get_quote(building, Decimal(0)).premium == Decimal("350.20")
    missing = calculate(DemoTariff(), facts(sum_insured=Decimal(0)))
    assert missing == Quote(None, ("Versicherungssumme (oder Wert 1914) fehlt",))


def test_the_condition_meets_the_previous_premium() -> None:
    calculation = calculate(DemoTariff(), facts())
    assert calculation == Calculation(
        Decimal("122.56"), Decimal("110.00"), Decimal("-10.25"), Decimal("110.00")
    )
    surcharge = calculate(DemoTariff(), facts(previous_premium=Decimal("150.00")))
    assert isinstance(surcharge, Calculation)
    assert (surcharge.condition_percent, surcharge.premium) == (Decimal("22.39"), Decimal("150.00"))
    overridden = calculate(DemoTariff(), facts(), Decimal("-5"))
    assert isinstance(overridden, Calculation)
    assert (overridden.premium, overridden.overridden) == (Decimal("116.43"), True)
    unknown_previous = calculate(DemoTariff(), facts(previous_premium=None))
    assert isinstance(unknown_previous, Calculation)
    assert unknown_previous.premium == unknown_previous.premium_100


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"tariff_zone": 9}, "Die Tarifzone wird vom Demo-Tarif nicht angeboten"),
        ({"tariff_zone": None}, "Die Tarifzone wird vom Demo-Tarif nicht angeboten"),
        ({"line_of_business": "liability"}, "Die Sparte wird vom Demo-Tarif nicht angeboten"),
        ({"sum_insured": Decimal(2500000)},
         "Versicherungssumme über 2.000.000 EUR ist nicht zeichenbar"),
    ],
)  # fmt: skip
def test_refusals_name_the_reason(changes: dict[str, object], reason: str) -> None:
    refused = calculate(DemoTariff(), facts(**changes))
    assert refused == Quote(None, (reason,))


def test_set_order_refuses_a_discount_beyond_forty_percent() -> None:
    cheap = calculate(DemoTariff(), facts(previous_premium=Decimal("50.00")))
    assert isinstance(cheap, Calculation)
    order = DemoTariff().set_order(facts(), cheap, "request-1")
    assert (order.accepted, order.messages) == (False, ("Rabatt über 40 % ist nicht zeichenbar",))
    fair = calculate(DemoTariff(), facts())
    assert isinstance(fair, Calculation)
    assert DemoTariff().set_order(facts(), fair, "request-1").policy_number == "DEMO-REQUEST-1"


@given(previous=st.decimals(min_value=Decimal("74"), max_value=Decimal("10000"), places=2))
def test_the_offered_premium_meets_the_previous_one_to_a_hundredth_of_a_percent(
    previous: Decimal,
) -> None:
    calculation = calculate(DemoTariff(), facts(previous_premium=previous))
    assert isinstance(calculation, Calculation)
    assert isinstance(calculation.premium, Decimal)
    # the condition is rounded to 0.01 %, the premiums to the cent
    assert abs(calculation.premium - previous) <= previous / 10000 + Decimal("0.01")


@pytest.mark.parametrize(
    ("utc", "inside"),
    [
        (dt.datetime(2026, 3, 2, 4, 59, tzinfo=dt.UTC), False),  # 05:59 in Berlin (winter)
        (dt.datetime(2026, 3, 2, 5, 0, tzinfo=dt.UTC), True),  # 06:00
        (dt.datetime(2026, 3, 2, 20, 59, tzinfo=dt.UTC), True),  # 21:59
        (dt.datetime(2026, 3, 2, 21, 0, tzinfo=dt.UTC), False),  # 22:00
        (dt.datetime(2026, 7, 1, 4, 0, tzinfo=dt.UTC), True),  # 06:00 in Berlin (summer)
        (dt.datetime(2026, 7, 1, 20, 0, tzinfo=dt.UTC), False),  # 22:00 in Berlin (summer)
    ],
)
def test_the_calculation_window_is_six_to_ten_in_berlin(utc: dt.datetime, inside: bool) -> None:
    assert RunWindow.parse(SEED_CALCULATION_WINDOW).is_open(utc) is inside
