"""A portfolio transfer campaign of N contracts through the HTTP API, on SQLite and PostgreSQL.

An insurer with an underwriter, a broker system under it with a broker, and N contracts in the
broker's portfolio — Hausrat and Wohngebäude by turns, each with its customer — stored directly
(the campaign begins where the portfolio import ends). Then, over HTTP (uvicorn on loopback,
bearer tokens, the app's bulk routes with 1,000 items a request): the broker adds the contracts
to the Umdeckung app and forwards them, the underwriter sets interest; the schedule's run fires
on a controllable clock — at 05:55 in Berlin, outside the seed's window 6:00–22:00, it calculates
nothing, at 06:00 it prices every case with the demo tariff; the underwriter proposes, the broker
confirms, the run five minutes later places the applications (setOrder). Every item's result
and the final statuses are checked. The schedule's round is what ``kontor serve``'s background
loop calls; here the benchmark calls it after moving the clock, so the run does not depend on the
time of day.

Prints JSON per store: total seconds, contracts/s, seconds per step, and the p50/p95 of the bulk
requests of 1,000 items. PostgreSQL runs when KONTOR_TEST_POSTGRES_URL is set (a throwaway
schema). Usage:
    python benchmarks/campaign.py [--contracts 10000] [--stores sqlite,postgresql]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx2 as httpx
from scratch_schemas import postgres_schema
from served import served

from kontor import db
from kontor.api import create_app
from kontor.apps.portfolio_transfer import InstallPortfolioTransfer
from kontor.bootstrap import Kontor, bootstrap, load_schema
from kontor.db.ids import time_ordered_id
from kontor.messaging import FakeClock
from kontor.platform import (
    BROKERS,
    UNDERWRITERS,
    Directory,
    TenantKind,
    TokenStore,
    principal_of,
    provision_tenant,
)
from kontor.portfolio import PortfolioStore, build_contract, build_customer
from kontor.settings import Environment, Settings

INSURER, BROKER = "versicherer", "makler"
BASE = "/api/apps/portfolio-transfer"
BULK = 1000
# A Monday in March (CET): 04:55 UTC is 05:55 in Berlin, five minutes before the window opens
BEFORE_WINDOW = dt.datetime(2026, 3, 2, 4, 55, tzinfo=dt.UTC)
PERSON = {"kind": "person", "first_name": "Kim", "date_of_birth": "1980-02-03"}


def contract_data(number: int) -> dict[str, Any]:
    """Hausrat (even numbers) or Wohngebäude (odd), with the previous insurer's premium."""
    if number % 2 == 0:
        details = {"kind": "household", "risk_text": "FELSH", "living_area": Decimal(80),
                   "tariff_zone": "2", "sum_insured": Decimal(65000)}  # fmt: skip
        line, premium = "130", Decimal("110.00")
    else:
        details = {"kind": "residential_building", "risk_text": "FLS",
                   "living_area": Decimal(140), "tariff_zone": "1",
                   "sum_insured": Decimal(400000)}  # fmt: skip
        line, premium = "140", Decimal("600.00")
    return {
        "insurer_name": "Alte Versicherung AG", "line_of_business_code": line,
        "policy_number": f"AV-{number:06d}", "annual_premium_gross": premium, "details": details,
    }  # fmt: skip


def wire(url: str, data_dir: Path, clock: FakeClock) -> Kontor:
    """A migrated Kontor on ``url`` whose time is ``clock``."""
    load_schema()
    engine = db.create_database_engine(url)
    db.upgrade(engine)
    settings = Settings(
        environment=Environment.TEST, secret_key="a-real-secret-for-benchmarks",
        database_url=url, data_dir=data_dir,
    )  # fmt: skip
    return bootstrap(settings, engine=engine, clock=clock)


def token_of(kontor: Kontor, tenant_id: str, group: str, login: str) -> str:
    """An API token of a new user of ``tenant_id`` in ``group``, carrying the user's rights."""
    with kontor.bus.unit_of_work() as uow:
        now = uow.clock.now()
        user = Directory(uow.connection, tenant_id).add_user(
            login=login, display_name=login, email=login, group_ids=[group], now=now
        )
        principal = principal_of(uow.connection, tenant_id, user.user_id)
        assert principal is not None
        later = now + dt.timedelta(days=30)
        _, token = TokenStore(uow.connection).create(
            tenant_id, user.user_id, "campaign", principal.permissions, now, later
        )
        uow.commit()
    return token


def seed(kontor: Kontor, contracts: int) -> tuple[str, str, list[str]]:
    """Insurer, broker system, both apps installed, the broker's contracts; tokens and ids."""
    with kontor.bus.unit_of_work() as uow:
        now = uow.clock.now()
        provision_tenant(uow.connection, INSURER, "Versicherer", TenantKind.INSURER, now)
        provision_tenant(uow.connection, BROKER, "Makler", TenantKind.BROKER, now,
                         parent_tenant_id=INSURER)  # fmt: skip
        uow.commit()
    underwriter = token_of(kontor, INSURER, UNDERWRITERS, "uwe@versicherer.example")
    broker = token_of(kontor, BROKER, BROKERS, "mia@makler.example")
    for tenant_id in (INSURER, BROKER):
        kontor.bus.handle(InstallPortfolioTransfer(tenant_id=tenant_id))
    ids = []
    with kontor.bus.unit_of_work() as uow:
        store, now = PortfolioStore(uow.connection, BROKER), uow.clock.now()
        for number in range(contracts):
            person = {**PERSON, "last_name": f"Muster {number}"}
            customer = store.customers.add(build_customer(time_ordered_id(), person), now)
            data = contract_data(number)
            contract = build_contract(time_ordered_id(), customer.customer_id, data)
            ids.append(store.contracts.add(contract, now).contract_id)
        uow.commit()
    return underwriter, broker, ids


class Campaign:
    """The two sides' HTTP clients; the duration of every bulk request."""

    def __init__(self, base: str, underwriter: str, broker: str) -> None:
        self.underwriter = _client(base, underwriter)
        self.broker = _client(base, broker)
        self.bulk_seconds: dict[str, list[float]] = {}

    def bulk(self, client: httpx.Client, action: str, key: str, ids: list[str]) -> list[str]:
        """``action`` on ``ids`` in requests of ``BULK``; the request ids of the results."""
        url = f"{BASE}/requests" if action == "add" else f"{BASE}/bulk/{action}"
        request_ids = []
        for start in range(0, len(ids), BULK):
            chunk = ids[start : start + BULK]
            began = time.perf_counter()
            answer = client.post(url, json={key: chunk})
            self.bulk_seconds.setdefault(action, []).append(time.perf_counter() - began)
            if answer.status_code != 200:
                raise SystemExit(f"{action}: {answer.status_code} {answer.text[:500]}")
            results = answer.json()["results"]
            failed = [r for r in results if not r["ok"]]
            if failed:
                raise SystemExit(f"{action}: {len(failed)} refused, first {failed[0]}")
            request_ids += [r["request"]["request_id"] for r in results]
        return request_ids

    @staticmethod
    def statuses(client: httpx.Client, field: str) -> dict[str, int]:
        """How many of the requests ``client``'s side sees have each ``field`` (every page)."""
        counts: dict[str, int] = {}
        after: str | None = None
        while True:
            params: dict[str, Any] = {"limit": 1000} | ({"after": after} if after else {})
            page = client.get(f"{BASE}/requests", params=params).json()
            for item in page["items"]:
                counts[item[field]] = counts.get(item[field], 0) + 1
            after = page["next_cursor"]
            if after is None:
                return counts

    def close(self) -> None:
        """Close both clients."""
        self.underwriter.close()
        self.broker.close()


def _client(base: str, token: str) -> httpx.Client:
    return httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=600)


def scheduled_round(kontor: Kontor, clock: FakeClock, at: dt.datetime) -> dict[str, int]:
    """Move the clock to ``at`` and run the schedule's round as the background loop does."""
    clock.advance(at - clock.now())
    assert kontor.transfer_schedule is not None
    ran = kontor.transfer_schedule.run_if_due()
    assert ran is not None, f"the schedule did not run at {at}"
    return ran


def run(url: str, store: str, contracts: int, data_dir: Path) -> dict[str, Any]:
    """The whole campaign on ``url``: figures per step, checked end to end."""
    clock = FakeClock(BEFORE_WINDOW - dt.timedelta(hours=1))
    kontor = wire(url, data_dir, clock)
    began = time.perf_counter()
    underwriter, broker, contract_ids = seed(kontor, contracts)
    seeded = time.perf_counter() - began
    steps: dict[str, float] = {}
    with ExitStack() as stack:
        stack.callback(kontor.stop)
        base = stack.enter_context(served(create_app(kontor.settings, kontor)))
        campaign = Campaign(base, underwriter, broker)
        stack.callback(campaign.close)

        @contextmanager
        def step(name: str) -> Iterator[None]:
            started = time.perf_counter()
            yield
            steps[name] = time.perf_counter() - started

        with step("add"):
            requests = campaign.bulk(campaign.broker, "add", "contract_ids", contract_ids)
        for side, action in (
            (campaign.broker, "forward"), (campaign.underwriter, "set_interest")
        ):  # fmt: skip
            with step(action):
                campaign.bulk(side, action, "request_ids", requests)
        with step("run_before_window"):
            early = scheduled_round(kontor, clock, BEFORE_WINDOW)
        assert early == {"calculations": 0, "applications": 0}, early
        with step("calculation_run"):
            priced = scheduled_round(kontor, clock, BEFORE_WINDOW + dt.timedelta(minutes=5))
        assert priced["calculations"] == contracts, priced
        for side, action in (
            (campaign.underwriter, "propose"), (campaign.broker, "confirm_application")
        ):  # fmt: skip
            with step(action):
                campaign.bulk(side, action, "request_ids", requests)
        with step("application_run"):
            placed = scheduled_round(kontor, clock, BEFORE_WINDOW + dt.timedelta(minutes=10))
        assert placed["applications"] == contracts, placed
        statuses = {
            "broker": campaign.statuses(campaign.broker, "status"),
            "underwriter_cases": campaign.statuses(campaign.underwriter, "case_status"),
        }
        assert statuses["broker"] == {"Gezeichnet": contracts}, statuses
        assert statuses["underwriter_cases"] == {"Antragsstellung erfolgreich": contracts}
    total = sum(steps.values())
    every_bulk = sorted(s for seconds in campaign.bulk_seconds.values() for s in seconds)
    return {
        "store": store,
        "contracts": contracts,
        "seed_seconds": round(seeded, 1),
        "total_seconds": round(total, 1),
        "contracts_per_second": round(contracts / total, 1),
        "step_seconds": {name: round(seconds, 2) for name, seconds in steps.items()},
        "bulk_of_1000_seconds": {
            action: _spread(seconds) for action, seconds in campaign.bulk_seconds.items()
        }
        | {"all": _spread(every_bulk)},
        "final_statuses": statuses,
    }


def _spread(seconds: list[float]) -> dict[str, float]:
    ordered = sorted(seconds)
    p95 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]
    return {
        "p50": round(statistics.median(ordered), 2),
        "p95": round(p95, 2),
        "requests": len(ordered),
    }


def main() -> None:
    """Parse the arguments, run each store, print JSON."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--contracts", type=int, default=10_000)
    parser.add_argument("--stores", default="sqlite,postgresql")
    arguments = parser.parse_args()
    stores = arguments.stores.split(",")
    results = []
    with tempfile.TemporaryDirectory() as directory:
        if "sqlite" in stores:
            data_dir = Path(directory) / "sqlite"
            data_dir.mkdir()
            url = f"sqlite:///{data_dir / 'kontor.db'}"
            results.append(run(url, "sqlite", arguments.contracts, data_dir))
        postgres = os.environ.get("KONTOR_TEST_POSTGRES_URL")
        if "postgresql" in stores and postgres:
            data_dir = Path(directory) / "postgresql"
            data_dir.mkdir()
            with postgres_schema(postgres) as (url, _):
                results.append(run(url, "postgresql", arguments.contracts, data_dir))
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
