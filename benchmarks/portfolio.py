"""What the portfolio costs: contracts added per second through the bus, and how long a page,
a filtered page, a search and a forward (copy into another tenant) take in a filled tenant.

SQLite always, PostgreSQL too when KONTOR_TEST_POSTGRES_URL is set. Prints JSON. Usage:
    python benchmarks/portfolio.py [--contracts 5000] [--repeat 50]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from contextlib import ExitStack
from decimal import Decimal
from pathlib import Path
from typing import Any

from scratch_schemas import postgres_schema

from kontor import db
from kontor.bootstrap import bootstrap, load_schema
from kontor.portfolio import (
    AddContract,
    AddCustomer,
    ContractFields,
    CustomerFields,
    PortfolioStore,
    copy_contract,
)
from kontor.portfolio.store import contract_search, customer_search
from kontor.settings import Environment, Settings

TENANT = "makler-bench"
NAMES = ("Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker")


def _median_ms(action: Callable[[], Any], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return round(statistics.median(times) * 1000, 3)


def measure(url: str, contracts: int, repeat: int) -> dict[str, Any]:
    """Fill one tenant with ``contracts`` contracts (one customer per two) and time reads."""
    load_schema()
    engine = db.create_database_engine(url)
    db.upgrade(engine)
    kontor = bootstrap(
        Settings(environment=Environment.TEST, secret_key="bench-secret-not-for-production"),
        engine=engine,
    )
    started = time.perf_counter()
    customer_id = ""
    for number in range(contracts):
        if number % 2 == 0:
            address = {"postal_code": f"{10000 + number % 80000}", "city": "Berlin"}
            person = {"first_name": "Kim", "last_name": NAMES[number % len(NAMES)],
                      "customer_number": f"K-{number}", "address": address}  # fmt: skip
            customer_id = kontor.bus.handle(
                AddCustomer(tenant_id=TENANT, customer=CustomerFields(**person))
            ).customer_id
        contract = ContractFields(
            insurer_name="Alte Sach Versicherung AG", insurer_number="9001",
            line_of_business_code="130" if number % 3 else "140", policy_number=f"HR-{number}",
            annual_premium_gross=Decimal("189.37"),
            details={"kind": "household" if number % 3 else "residential_building",
                     "risk_text": "FELS", "sum_insured": Decimal("65000")},
        )  # fmt: skip
        kontor.bus.handle(AddContract(tenant_id=TENANT, customer_id=customer_id, contract=contract))
    added = time.perf_counter() - started
    with engine.connect() as connection:
        store = PortfolioStore(connection, TENANT)
        middle = store.contracts.page(1, after=None).items[0].contract_id
        results = {
            "contracts": contracts,
            "add_customer_and_contract_commands_per_s": round(contracts * 1.5 / added),
            "first_page_of_50_ms": _median_ms(lambda: store.contracts.page(50), repeat),
            "page_of_50_by_line_of_business_ms": _median_ms(
                lambda: store.contracts.page(50, middle, {"line_of_business_code": "140"}), repeat
            ),
            "contract_search_ms": _median_ms(
                lambda: store.contracts.page(50, search=contract_search(f"HR-{contracts - 1}")),
                repeat,
            ),
            "customer_search_ms": _median_ms(
                lambda: store.customers.page(50, search=customer_search("muell")), repeat
            ),
        }
    with engine.begin() as connection:
        contract_id = PortfolioStore(connection, TENANT).contracts.page(1).items[0].contract_id
        now = kontor.clock.now()
        results["forward_contract_ms"] = _median_ms(
            lambda: copy_contract(connection, TENANT, contract_id, "versicherer", now), repeat
        )
    engine.dispose()
    return results


def main() -> None:
    """Run the measurements on SQLite (and PostgreSQL when configured) and print JSON."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--contracts", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=50)
    arguments = parser.parse_args()
    report: dict[str, Any] = {}
    with ExitStack() as stack:
        folder = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        report["sqlite"] = measure(
            f"sqlite:///{folder / 'bench.db'}", arguments.contracts, arguments.repeat
        )
        postgres = os.environ.get("KONTOR_TEST_POSTGRES_URL")
        if postgres:
            url, _ = stack.enter_context(postgres_schema(postgres))
            report["postgres"] = measure(url, arguments.contracts, arguments.repeat)
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
