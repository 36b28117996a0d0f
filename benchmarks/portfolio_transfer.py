"""What a portfolio transfer campaign costs: requests per second through each bulk step.

A broker adds N Hausrat contracts and forwards them, the underwriter sets interest, the
calculation run prices them (DMN demo tariff), the underwriter proposes, the broker confirms and
the application run binds them. Each step is one bulk command list through the bus, as the API's
bulk routes send it. SQLite in a temporary directory. Prints JSON. Usage:
    python benchmarks/portfolio_transfer.py [--contracts 200]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import tempfile
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

from kontor import db
from kontor.apps.portfolio_transfer import (
    ActOnTransferRequest,
    AddContractToTransfer,
    InstallPortfolioTransfer,
    RunDueApplications,
    RunDueCalculations,
)
from kontor.bootstrap import Kontor, bootstrap, load_schema
from kontor.db.ids import time_ordered_id
from kontor.messaging import Command, FakeClock
from kontor.platform import TenantKind, provision_tenant
from kontor.portfolio import PortfolioStore, build_contract, build_customer
from kontor.settings import Environment, Settings

INSURER, BROKER = "insurer", "broker"
NOW = dt.datetime(2026, 3, 2, 8, 0, tzinfo=dt.UTC)  # 09:00 in Berlin


def world(directory: Path, contracts: int) -> tuple[Kontor, list[str]]:
    """A wired Kontor with an insurer, a broker under it and the broker's contracts."""
    load_schema()
    engine = db.create_database_engine(f"sqlite:///{directory / 'kontor.db'}")
    db.upgrade(engine)
    settings = Settings(
        environment=Environment.TEST, secret_key="a-real-secret-for-tests", data_dir=directory
    )
    kontor = bootstrap(settings, engine=engine, clock=FakeClock(NOW))
    ids = []
    with kontor.bus.unit_of_work() as uow:
        now = uow.clock.now()
        provision_tenant(uow.connection, INSURER, "Versicherer", TenantKind.INSURER, now)
        provision_tenant(uow.connection, BROKER, "Makler", TenantKind.BROKER, now,
                         parent_tenant_id=INSURER)  # fmt: skip
        store = PortfolioStore(uow.connection, BROKER)
        for number in range(contracts):
            person = {"kind": "person", "first_name": "Kim", "last_name": f"Muster {number}"}
            customer = store.customers.add(build_customer(time_ordered_id(), person), now)
            data = {
                "insurer_name": "Alte AG", "line_of_business_code": "130",
                "policy_number": f"HR-{number}", "annual_premium_gross": Decimal("110.00"),
                "details": {"kind": "household", "risk_text": "FELSH", "tariff_zone": "2",
                            "living_area": Decimal(80), "sum_insured": Decimal(65000)},
            }  # fmt: skip
            contract = build_contract(time_ordered_id(), customer.customer_id, data)
            ids.append(store.contracts.add(contract, now).contract_id)
        uow.commit()
    for tenant_id in (INSURER, BROKER):
        kontor.bus.handle(InstallPortfolioTransfer(tenant_id=tenant_id))
    return kontor, ids


def timed(kontor: Kontor, commands: list[Command]) -> tuple[list[Any], float]:
    """The results of handling ``commands`` together and the seconds it took."""
    started = time.perf_counter()
    results = kontor.bus.handle_all(commands)
    elapsed = time.perf_counter() - started
    failed = [r for r in results if isinstance(r, Exception)]
    if failed:
        raise failed[0]
    return results, elapsed


def run(contracts: int) -> dict[str, Any]:
    """Every step of the campaign for ``contracts`` contracts, with its rate."""
    with tempfile.TemporaryDirectory() as directory:
        kontor, ids = world(Path(directory), contracts)
        steps: dict[str, float] = {}
        added, steps["add"] = timed(
            kontor, [AddContractToTransfer(tenant_id=BROKER, contract_id=c) for c in ids]
        )
        requests = [r.request_id for r in added]

        def act(tenant_id: str, action: str) -> list[Command]:
            return [ActOnTransferRequest(tenant_id=tenant_id, request_id=r, action=action)
                    for r in requests]  # fmt: skip

        _, steps["forward"] = timed(kontor, act(BROKER, "forward"))
        _, steps["set_interest"] = timed(kontor, act(INSURER, "set_interest"))
        _, steps["calculation_run"] = timed(
            kontor, [RunDueCalculations(tenant_id=INSURER, now=NOW)]
        )
        _, steps["propose"] = timed(kontor, act(INSURER, "propose"))
        _, steps["confirm_application"] = timed(kontor, act(BROKER, "confirm_application"))
        _, steps["application_run"] = timed(
            kontor, [RunDueApplications(tenant_id=INSURER, now=NOW)]
        )
        kontor.stop()
    return {
        "contracts": contracts,
        "store": "sqlite",
        "requests_per_second": {step: round(contracts / s, 1) for step, s in steps.items()},
        "total_seconds": round(sum(steps.values()), 2),
    }


def main() -> None:
    """Parse the arguments, run, print JSON."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--contracts", type=int, default=200)
    print(json.dumps(run(parser.parse_args().contracts), indent=2))


if __name__ == "__main__":
    main()
