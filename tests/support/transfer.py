"""A portfolio transfer world: an insurer with underwriter and administrator, a broker under it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from fastapi.testclient import TestClient

from kontor.apps.portfolio_transfer import BROKER_ACTIONS, InstallPortfolioTransfer, run_due_work
from kontor.bootstrap import Kontor
from kontor.db.ids import time_ordered_id
from kontor.db.json_codec import loads
from kontor.platform import ADMINISTRATORS, BROKERS, UNDERWRITERS, TenantKind, provision_tenant
from kontor.portfolio import Contract, PortfolioStore, build_contract, build_customer
from support.identity import Caller, api_caller

BASE = "/api/apps/portfolio-transfer"
INSURER = "versicherer-t"
# 09:00 in Berlin on a Monday: inside the calculation window
INSIDE_WINDOW = dt.datetime(2026, 3, 2, 8, 0, tzinfo=dt.UTC)
PERSON = {"kind": "person", "first_name": "Anna", "last_name": "Muster",
          "date_of_birth": "1980-02-03"}  # fmt: skip


def household(policy: str, previous: str | None = "110.00", zone: str = "2") -> dict[str, Any]:
    """A Hausrat contract: 65,000 EUR, 80 m², perils FELSH, the previous premium."""
    return {
        "insurer_name": "Alte Versicherung AG", "line_of_business_code": "130",
        "policy_number": policy, "annual_premium_gross": previous and Decimal(previous),
        "details": {"kind": "household", "risk_text": "FELSH", "living_area": Decimal(80),
                    "tariff_zone": zone, "sum_insured": Decimal(65000)},
    }  # fmt: skip


def building(policy: str, previous: str = "600.00") -> dict[str, Any]:
    """A Wohngebäude contract: 400,000 EUR, 140 m², zone 1, perils FLS."""
    return {
        "insurer_name": "Alte Versicherung AG", "line_of_business_code": "140",
        "policy_number": policy, "annual_premium_gross": Decimal(previous),
        "details": {"kind": "residential_building", "risk_text": "FLS",
                    "living_area": Decimal(140), "tariff_zone": "1",
                    "sum_insured": Decimal(400000)},
    }  # fmt: skip


@dataclass
class TransferWorld:
    """The callers of one insurer and one broker, and the broker's contracts."""

    kontor: Kontor
    client: TestClient
    underwriter: Caller
    admin: Caller
    broker: Caller
    broker_tenant: str

    def put(self, *contracts: dict[str, Any]) -> list[str]:
        """Store contracts (each with a customer) in the broker's portfolio; their ids."""
        ids = []
        with self.kontor.bus.unit_of_work() as uow:
            store, now = PortfolioStore(uow.connection, self.broker_tenant), uow.clock.now()
            for data in contracts:
                customer = store.customers.add(build_customer(time_ordered_id(), PERSON), now)
                contract = build_contract(time_ordered_id(), customer.customer_id, data)
                ids.append(store.contracts.add(contract, now).contract_id)
            uow.commit()
        return ids

    def contract(self, tenant_id: str, contract_id: str) -> Contract | None:
        """A contract of ``tenant_id`` as stored, if it exists."""
        with self.kontor.bus.reading() as uow:
            return PortfolioStore(uow.connection, tenant_id).contracts.find(contract_id)

    def add(self, *contracts: dict[str, Any]) -> list[str]:
        """Put contracts in the broker's portfolio and add them to the app; the request ids."""
        body = {"contract_ids": self.put(*contracts)}
        answer = self.client.post(f"{BASE}/requests", json=body, headers=self.broker.headers)
        assert answer.status_code == 200, answer.text
        results = answer.json()["results"]
        assert all(r["ok"] for r in results), results
        return [r["request"]["request_id"] for r in results]

    def caller_of(self, action: str) -> Caller:
        """Who does ``action``: the broker or the underwriter."""
        return self.broker if action in BROKER_ACTIONS else self.underwriter

    def act(self, request_id: str, action: str, **body: Any) -> Any:
        """Do ``action`` as its side; the response."""
        caller = self.caller_of(action)
        if action == "delete":
            return self.client.delete(f"{BASE}/requests/{request_id}", headers=caller.headers)
        url = f"{BASE}/requests/{request_id}/{action}"
        return self.client.post(url, json=body, headers=caller.headers)

    def bulk(self, action: str, request_ids: list[str], **body: Any) -> list[dict[str, Any]]:
        """Do ``action`` on several requests; the results (money as exact ``Decimal``)."""
        caller = self.caller_of(action)
        answer = self.client.post(
            f"{BASE}/bulk/{action}",
            json={"request_ids": request_ids, **body},
            headers=caller.headers,
        )
        assert answer.status_code == 200, answer.text
        results: list[dict[str, Any]] = loads(answer.text)["results"]
        return results

    def seen_by(self, caller: Caller, request_id: str) -> Any:
        """The request as ``caller`` sees it (the response)."""
        return self.client.get(f"{BASE}/requests/{request_id}", headers=caller.headers)

    def exact(self, caller: Caller, request_id: str) -> Any:
        """The request as ``caller`` sees it, numbers as exact ``Decimal``."""
        answer = self.seen_by(caller, request_id)
        assert answer.status_code == 200, answer.text
        return loads(answer.text)

    def status(self, request_id: str) -> str:
        """The request's status as the broker sees it."""
        answer = self.seen_by(self.broker, request_id)
        assert answer.status_code == 200, answer.text
        status: str = answer.json()["status"]
        return status

    def run(self) -> dict[str, int]:
        """One round of the due calculations and applications at the clock's time."""
        return run_due_work(self.kontor.bus, self.kontor.clock.now())


def insurer_with_broker(kontor: Kontor, broker_tenant: str, insurer: str = INSURER) -> Caller:
    """A broker system under ``insurer`` (created if new) and a broker user of it."""
    with kontor.bus.unit_of_work() as uow:
        provision_tenant(
            uow.connection, broker_tenant, f"Makler {broker_tenant}", TenantKind.BROKER,
            uow.clock.now(), parent_tenant_id=insurer,
        )  # fmt: skip
        uow.commit()
    return api_caller(kontor, broker_tenant, kind=TenantKind.BROKER, group=BROKERS)


def transfer_world(
    kontor: Kontor, client: TestClient, broker_tenant: str = "makler-a"
) -> TransferWorld:
    """An installed insurer with an underwriter and an administrator, and one broker under it."""
    underwriter = api_caller(
        kontor, INSURER, kind=TenantKind.INSURER, group=UNDERWRITERS, login="uwe@t.test"
    )
    admin = api_caller(
        kontor, INSURER, kind=TenantKind.INSURER, group=ADMINISTRATORS, login="insa@t.test"
    )
    broker = insurer_with_broker(kontor, broker_tenant)
    kontor.bus.handle(InstallPortfolioTransfer(tenant_id=INSURER))
    kontor.bus.handle(InstallPortfolioTransfer(tenant_id=broker_tenant))
    return TransferWorld(kontor, client, underwriter, admin, broker, broker_tenant)
