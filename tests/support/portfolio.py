"""Portfolio test data: a person with a Hausrat contract, a bank account and a claim."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection

from kontor.db.ids import time_ordered_id
from kontor.portfolio import (
    Contract,
    Customer,
    PortfolioStore,
    build_bank_account,
    build_claim,
    build_claims_ratio,
    build_contract,
    build_customer,
)

NOW = dt.datetime(2026, 12, 2, 9, 0, tzinfo=dt.UTC)

CUSTOMER: dict[str, Any] = {
    "kind": "person",
    "customer_number": "K-1001",
    "salutation": "Frau",
    "first_name": "Anna",
    "last_name": "Müller",
    "date_of_birth": "1980-02-03",
    "address": {"street": "Hauptstraße", "house_number": "12", "postal_code": "10115",
                "city": "Berlin"},
    "email": "anna.mueller@example.org",
}  # fmt: skip
HOUSEHOLD: dict[str, Any] = {
    "insurer_name": "Alte Versicherung AG",
    "insurer_number": "9001",
    "line_of_business_code": "130",
    "policy_number": "HR-4711",
    "start_date": "2020-01-01",
    "main_due_date": "2027-01-01",
    "payment_frequency": "annual",
    "annual_premium_gross": Decimal("189.37"),
    "annual_premium_net": Decimal("159.13"),
    "validity_date": "2026-01-01",
    "details": {"kind": "household", "risk_text": "FELSU", "living_area": Decimal("84.5"),
                "tariff_zone": "3", "sum_insured": Decimal("65000")},
}  # fmt: skip
IBAN = "DE89 3704 0044 0532 0130 00"


def add_person_with_contract(
    connection: Connection, tenant_id: str, **contract: Any
) -> tuple[Customer, Contract]:
    """Store the sample customer with a Hausrat contract, a bank account, a claim and a ratio."""
    store = PortfolioStore(connection, tenant_id)
    customer = store.customers.add(build_customer(time_ordered_id(), CUSTOMER), NOW)
    store.bank_accounts.add(
        build_bank_account(time_ordered_id(), customer.customer_id, {"iban": IBAN}), NOW
    )
    added = store.contracts.add(
        build_contract(time_ordered_id(), customer.customer_id, HOUSEHOLD | contract), NOW
    )
    store.claims.add(
        build_claim(time_ordered_id(), added.contract_id, {
            "occurred_on": "2025-07-14", "cause": "Leitungswasser",
            "amount_paid": Decimal("1234.56"), "reserve": Decimal("100.00"),
        }),
        NOW,
    )  # fmt: skip
    store.claims_ratios.add(
        build_claims_ratio(time_ordered_id(), {
            "scope": "contract", "contract_id": added.contract_id, "period_start": "2025-01-01",
            "period_end": "2025-12-31", "ratio": Decimal("0.6519"),
            "claims_expenses": Decimal("1234.56"), "premium": Decimal("1893.70"),
        }),
        NOW,
    )  # fmt: skip
    return customer, added
