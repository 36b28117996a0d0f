"""Contracts with their customer as spreadsheet rows (header first), for ``exchange.tabular``."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from kontor.portfolio.domain import Contract, Customer
from kontor.portfolio.lines import line_label
from kontor.portfolio.store import PortfolioStore

EXPORT_COLUMNS = (
    "contract_id", "policy_number", "insurer_name", "insurer_number", "line_of_business_code",
    "line_of_business", "status", "start_date", "end_date", "main_due_date", "payment_frequency",
    "annual_premium_gross", "annual_premium_net", "currency", "validity_date", "risk_text",
    "sum_insured", "customer_number", "customer_name", "postal_code", "city", "origin_tenant_id",
)  # fmt: skip
_BATCH = 500


def _row(contract: Contract, customer: Customer) -> list[Any]:
    details = contract.details
    values = (
        contract.contract_id, contract.policy_number, contract.insurer_name,
        contract.insurer_number, contract.line_of_business_code,
        line_label(contract.line_of_business_code), contract.status.value, contract.start_date,
        contract.end_date, contract.main_due_date,
        contract.payment_frequency.value if contract.payment_frequency else None,
        contract.annual_premium_gross, contract.annual_premium_net, contract.currency,
        contract.validity_date, getattr(details, "risk_text", None),
        getattr(details, "sum_insured", None), customer.customer_number, customer.display_name,
        customer.address.postal_code, customer.address.city,
        contract.origin.tenant_id if contract.origin else None,
    )  # fmt: skip
    return list(values)


def contract_rows(
    store: PortfolioStore,
    equal: dict[str, Any],
    search: Callable[[], Any] | None = None,
) -> Iterator[list[Any]]:
    """The header, then one row per contract matching ``equal`` (and ``search``), in order."""
    yield list(EXPORT_COLUMNS)
    customers: dict[str, Customer] = {}
    after: str | None = None
    while True:
        page = store.contracts.page(_BATCH, after, equal, search() if search else None)
        for contract in page.items:
            if contract.customer_id not in customers:
                customers[contract.customer_id] = store.customers.get(contract.customer_id)
            yield _row(contract, customers[contract.customer_id])
        if page.next_cursor is None:
            return
        after = page.next_cursor
