"""Calculation: a rating port (BiPRO 420 getQuote/setOrder in spirit) and the built-in demo tariff.

The demo tariff's premium is a DMN decision service shipped with the app. The condition follows
the seed: first a quote at 0 % (the insurer's 100 % premium), then the discount or surcharge
that meets the previous contract's premium, then the premium at that condition.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from functools import cache
from importlib.resources import files
from typing import Any, Protocol

from kontor.apps.portfolio_transfer.portfolio_port import ContractFacts
from kontor.rules.dmn import Definitions, evaluate_decision, load_dmn

CENT = Decimal("0.01")
MAX_DISCOUNT = Decimal("-40")
"""The demo insurer does not place a contract with a larger discount (setOrder refuses)."""


@dataclass(frozen=True)
class Quote:
    """A premium the provider offers, or why it offers none (``refusals``)."""

    premium: Decimal | None
    refusals: tuple[str, ...] = ()


@dataclass(frozen=True)
class Order:
    """The provider's answer to an application: accepted with a policy number, or refused."""

    accepted: bool
    policy_number: str | None = None
    messages: tuple[str, ...] = ()


class RatingPort(Protocol):
    """A tariff provider."""

    def get_quote(self, facts: ContractFacts, condition_percent: Decimal) -> Quote:
        """The premium of ``facts`` at ``condition_percent`` (negative: a discount)."""
        ...

    def set_order(self, facts: ContractFacts, calculation: Calculation, reference: str) -> Order:
        """Apply at the calculated premium; ``reference`` makes a repeat harmless."""
        ...

    def products(self) -> Mapping[str, str]:
        """The products the tariff rates: line of business → German name."""
        ...


@dataclass(frozen=True)
class Calculation:
    """A successful calculation as stored on the underwriting case."""

    premium_100: Decimal
    previous_premium: Decimal | None
    condition_percent: Decimal
    premium: Decimal
    overridden: bool = False
    messages: tuple[str, ...] = field(default=())

    def to_json(self) -> dict[str, Any]:
        """The calculation for a JSON column (Decimal stays exact through the codec)."""
        return {
            "premium_100": self.premium_100,
            "previous_premium": self.previous_premium,
            "condition_percent": self.condition_percent,
            "premium": self.premium,
            "overridden": self.overridden,
        }


def calculate(
    port: RatingPort, facts: ContractFacts, override_percent: Decimal | None = None
) -> Calculation | Quote:
    """The case's calculation; the refusing ``Quote`` when the provider refuses."""
    full = port.get_quote(facts, Decimal(0))
    if full.premium is None or full.premium <= 0:
        return full if full.refusals else Quote(None, ("Keine Prämie berechnet",))
    previous = facts.previous_premium
    if override_percent is not None:
        condition = override_percent.quantize(CENT, ROUND_HALF_UP)
    elif previous is None or previous <= 0:  # no previous premium to meet: the 100 % premium
        condition = Decimal("0.00")
    else:
        condition = ((previous / full.premium - 1) * 100).quantize(CENT, ROUND_HALF_UP)
    offered = port.get_quote(facts, condition)
    if offered.premium is None:
        return offered
    return Calculation(
        full.premium, previous, condition, offered.premium,
        overridden=override_percent is not None,
    )  # fmt: skip


@cache
def _tariff_model() -> Definitions:
    source = files("kontor.apps.portfolio_transfer").joinpath("decisions")
    return load_dmn(source.joinpath("demo_tariff.dmn").read_bytes(), file_name="demo_tariff.dmn")


class DemoTariff:
    """The built-in demo tariff for Hausrat and Wohngebäude (DMN), with a simple setOrder."""

    def products(self) -> Mapping[str, str]:
        """Hausrat and Wohngebäude."""
        return {"household": "Hausrat", "residential_building": "Wohngebäude"}

    def get_quote(self, facts: ContractFacts, condition_percent: Decimal) -> Quote:
        """Evaluate the tariff's decision service ``Angebot``."""
        inputs = {
            "Sparte": facts.line_of_business,
            "Versicherungssumme": facts.sum_insured,
            "Wohnflaeche": facts.living_area,
            "Wert1914": facts.value_1914,
            "Tarifzone": facts.tariff_zone,
            "Gefahren": facts.perils,
            "Kondition": condition_percent,
        }
        result = evaluate_decision(_tariff_model(), "Angebot", inputs)
        value = result.value if isinstance(result.value, dict) else {}
        refusals = tuple(str(reason) for reason in value.get("Ablehnungsgruende") or ())
        if result.has_errors:
            refusals += tuple(str(message) for message in result.messages)
        premium = value.get("Praemie")
        if refusals or not isinstance(premium, Decimal):
            return Quote(None, refusals or ("Keine Prämie berechnet",))
        return Quote(premium.quantize(CENT, ROUND_HALF_UP))

    def set_order(self, facts: ContractFacts, calculation: Calculation, reference: str) -> Order:
        """Accept unless the discount is beyond what the demo insurer places."""
        if calculation.condition_percent < MAX_DISCOUNT:
            return Order(False, messages=(f"Rabatt über {-MAX_DISCOUNT} % ist nicht zeichenbar",))
        return Order(True, policy_number=f"DEMO-{reference[:12].upper()}")
