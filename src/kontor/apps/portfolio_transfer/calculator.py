"""The tariff calculator (*Tarifrechner*) of an underwriting case.

It takes the case's data (the insurer's copy of the contract), lets the underwriter change the
inputs and calculates the chosen product, or every product of the tariff side by side, without
storing anything. *Vorgangsdaten speichern* writes the changed inputs onto the insurer's copy
(the broker's data there is overwritten), notes it in the protocol and calculates the case.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from kontor.apps.portfolio_transfer.errors import (
    ActionNotAllowed,
    InvalidTransferInput,
    NotYourSide,
)
from kontor.apps.portfolio_transfer.intake import FACT_OF
from kontor.apps.portfolio_transfer.intake_rules import FIELD_BY_NAME, number_of
from kontor.apps.portfolio_transfer.portfolio_port import ContractFacts, PortfolioPort
from kontor.apps.portfolio_transfer.store import TransferRequest, TransferStore
from kontor.apps.portfolio_transfer.tariff import Calculation, Quote, RatingPort, calculate
from kontor.messaging import UnitOfWork

INPUTS = tuple(FACT_OF)
"""The calculator's inputs (DMN names): Tarifzone, Wohnflaeche, Versicherungssumme, Wert1914,
Gefahren."""


@dataclass(frozen=True)
class ProductResult:
    """One product's result: its calculation, or why the tariff refused it."""

    product: str
    label: str
    calculation: Calculation | None
    refusals: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        """The result for a response (money stays ``Decimal``)."""
        return {
            "product": self.product, "label": self.label,
            "calculation": None if self.calculation is None else self.calculation.to_json(),
            "refusals": list(self.refusals),
        }  # fmt: skip


def case_of(uow: UnitOfWork, tenant_id: str, request_id: str) -> TransferRequest:
    """The request with an underwriting case, seen by the insurer ``tenant_id``.

    Another tenant's request is not found (404); the broker's side is refused (403); a
    request without a case is 409.
    """
    request = TransferStore(uow.connection, tenant_id).get(request_id)
    if request.side_of(tenant_id) != "insurer":
        raise NotYourSide("Der Tarifrechner gehört dem Underwriter", action="calculator")
    if request.case_status is None or request.insurer_contract_id is None:
        raise ActionNotAllowed(
            "Der Tarifrechner braucht einen Zeichnungsvorgang (erst Zeichnungsinteresse setzen)",
            current_status=request.status, action="calculator",
        )  # fmt: skip
    return request


def checked_inputs(inputs: Mapping[str, str]) -> dict[str, Decimal | int | str]:
    """The calculator's inputs as facts (``tariff_zone`` …); 422 naming a bad input."""
    facts: dict[str, Decimal | int | str] = {}
    for name, given in inputs.items():
        where = f"inputs.{name}"
        if name not in FACT_OF:
            raise InvalidTransferInput(
                f"unbekannte Eingabe {name!r} (möglich: {', '.join(INPUTS)})", field=where
            )
        text = str(given).strip()
        label = FIELD_BY_NAME[name].label
        if name == "Gefahren":
            if not text.isalpha() or len(text) > 20:
                raise InvalidTransferInput(f"{label}: {text!r} ist kein Risikotext", field=where)
            facts["perils"] = text.upper()
            continue
        number = number_of(text)
        if number is None or number < 0:
            raise InvalidTransferInput(f"{label}: {text!r} ist keine Zahl ≥ 0", field=where)
        if name == "Tarifzone":
            if number != number.to_integral_value():
                raise InvalidTransferInput(f"{label}: {text!r} ist keine ganze Zahl", field=where)
            facts["tariff_zone"] = int(number)
        else:
            facts[FACT_OF[name]] = number
    return facts


def with_inputs(facts: ContractFacts, changes: Mapping[str, Decimal | int | str]) -> ContractFacts:
    """``facts`` with the calculator's changed inputs."""
    return dataclasses.replace(facts, **changes)  # type: ignore[arg-type]


def inputs_of(facts: ContractFacts) -> dict[str, Any]:
    """The calculator's inputs prefilled from the case's data."""
    return {
        "Tarifzone": facts.tariff_zone,
        "Wohnflaeche": facts.living_area,
        "Versicherungssumme": facts.sum_insured,
        "Wert1914": facts.value_1914,
        "Gefahren": facts.perils,
    }


class Calculator:
    """Calculates a case's products with changed inputs (nothing stored)."""

    def __init__(self, portfolio: PortfolioPort, rating: RatingPort) -> None:
        self.portfolio = portfolio
        self.rating = rating

    def facts(self, uow: UnitOfWork, request: TransferRequest) -> ContractFacts:
        """The insurer's copy of the case's contract (409 when it is gone)."""
        facts = self.portfolio.facts(
            uow.connection, request.insurer_tenant_id, request.insurer_contract_id or ""
        )
        if facts is None:
            raise ActionNotAllowed("Die Vertragsdaten fehlen beim Versicherer", action="calculator")
        return facts

    def products(self) -> dict[str, str]:
        """The tariff's products: line of business → German name."""
        return dict(self.rating.products())

    def calculate(
        self,
        uow: UnitOfWork,
        tenant_id: str,
        request_id: str,
        product: str | None,
        inputs: Mapping[str, str],
    ) -> tuple[dict[str, Any], list[ProductResult]]:
        """The inputs used and the chosen product's result, or every product's side by side."""
        request = case_of(uow, tenant_id, request_id)
        products = self.products()
        if product is not None and product not in products:
            raise InvalidTransferInput(
                f"unbekanntes Produkt {product!r} (möglich: {', '.join(products)})",
                field="product",
            )
        facts = with_inputs(self.facts(uow, request), checked_inputs(inputs))
        chosen = [product] if product is not None else list(products)
        results = []
        for line in chosen:
            outcome = calculate(
                self.rating, dataclasses.replace(facts, line_of_business=line),
                request.condition_override,
            )  # fmt: skip
            if isinstance(outcome, Quote):
                results.append(ProductResult(line, products[line], None, outcome.refusals))
            else:
                results.append(ProductResult(line, products[line], outcome))
        return inputs_of(facts), results
