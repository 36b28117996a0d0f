"""A small demo portfolio for the demo broker: customers with Hausrat and Wohngebäude contracts."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection

from kontor.db.ids import time_ordered_id
from kontor.portfolio.domain import (
    build_bank_account,
    build_claim,
    build_claims_ratio,
    build_contract,
    build_customer,
)
from kontor.portfolio.store import PortfolioStore

_INSURER = {"insurer_name": "Alte Sach Versicherung AG", "insurer_number": "9001"}
_CONTRACT_DEFAULTS = {
    "start_date": "2020-01-01",
    "main_due_date": "2027-01-01",
    "payment_frequency": "annual",
    "validity_date": "2026-01-01",
}
_PEOPLE: tuple[dict[str, Any], ...] = (
    {"customer_number": "K-1001", "salutation": "Frau", "first_name": "Anna",
     "last_name": "Müller", "date_of_birth": "1980-02-03", "email": "anna.mueller@example.org",
     "address": {"street": "Hauptstraße", "house_number": "12", "postal_code": "10115",
                 "city": "Berlin"}},
    {"customer_number": "K-1002", "salutation": "Herr", "title": "Dr.", "first_name": "Jürgen",
     "last_name": "Schröder", "date_of_birth": "1965-11-20",
     "address": {"street": "Lindenallee", "house_number": "3a", "postal_code": "50667",
                 "city": "Köln"}},
    {"customer_number": "K-1003", "salutation": "Frau", "first_name": "Leyla",
     "last_name": "Öztürk", "date_of_birth": "1991-06-30",
     "address": {"street": "Am Markt", "house_number": "7", "postal_code": "80331",
                 "city": "München"}},
    {"customer_number": "K-1004", "kind": "company", "company_name": "Bäckerei Korn GmbH",
     "address": {"street": "Mühlenweg", "house_number": "1", "postal_code": "20095",
                 "city": "Hamburg"}},
)  # fmt: skip
_CONTRACTS: tuple[tuple[int, dict[str, Any]], ...] = (
    (0, {"line_of_business_code": "130", "policy_number": "HR-100234",
         "annual_premium_gross": "189.37", "annual_premium_net": "159.13",
         "details": {"kind": "household", "risk_text": "EFLSU", "living_area": "84.5",
                     "tariff_zone": "3", "sum_insured": "65000"}}),
    (1, {"line_of_business_code": "130", "policy_number": "HR-100871",
         "annual_premium_gross": "254.90", "annual_premium_net": "214.20",
         "details": {"kind": "household", "risk_text": "BEFGLSU", "living_area": "120",
                     "tariff_zone": "2", "sum_insured": "90000"}}),
    (1, {"line_of_business_code": "140", "policy_number": "WG-200455",
         "annual_premium_gross": "612.00", "annual_premium_net": "514.29",
         "details": {"kind": "residential_building", "risk_text": "FLSHM",
                     "value_1914": "23500", "construction_year": 1968,
                     "living_area": "142.5", "tariff_zone": "2"}}),
    (2, {"line_of_business_code": "130", "policy_number": "HR-101512",
         "annual_premium_gross": "98.40", "payment_frequency": "monthly",
         "details": {"kind": "household", "risk_text": "EFLS", "living_area": "48",
                     "tariff_zone": "4", "sum_insured": "30000"}}),
    (3, {"line_of_business_code": "140", "policy_number": "WG-200812",
         "annual_premium_gross": "1480.00", "annual_premium_net": "1243.70",
         "details": {"kind": "residential_building", "risk_text": "FLS",
                     "value_1914": "61000", "construction_year": 1912, "tariff_zone": "1"}}),
)  # fmt: skip


def seed_demo_portfolio(connection: Connection, tenant_id: str, now: dt.datetime) -> bool:
    """Add the demo portfolio to ``tenant_id`` unless it has customers; whether it was added."""
    store = PortfolioStore(connection, tenant_id)
    if store.customers.page(1).items:
        return False
    customers = [
        store.customers.add(build_customer(time_ordered_id(), person), now) for person in _PEOPLE
    ]
    first = customers[0].customer_id
    store.bank_accounts.add(
        build_bank_account(time_ordered_id(), first, {
            "iban": "DE89370400440532013000", "holder": "Anna Müller",
            "mandate_reference": "MAKLER-DEMO-0001", "mandate_date": "2020-01-01",
        }),
        now,
    )  # fmt: skip
    contracts = []
    for owner, given in _CONTRACTS:
        data = _INSURER | _CONTRACT_DEFAULTS | given
        contract = build_contract(time_ordered_id(), customers[owner].customer_id, data)
        contracts.append(store.contracts.add(contract, now))
    store.claims.add(
        build_claim(time_ordered_id(), contracts[0].contract_id, {
            "occurred_on": "2025-07-14", "cause": "Leitungswasserschaden in der Küche",
            "amount_paid": Decimal("1234.56"), "status": "closed",
        }),
        now,
    )  # fmt: skip
    store.claims_ratios.add(
        build_claims_ratio(time_ordered_id(), {
            "scope": "contract", "contract_id": contracts[0].contract_id,
            "period_start": "2025-01-01", "period_end": "2025-12-31", "ratio": "6.5192",
            "claims_expenses": "1234.56", "premium": "189.37",
        }),
        now,
    )  # fmt: skip
    return True
