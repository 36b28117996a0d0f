"""A portfolio transfer world: an insurer with underwriter and administrator, a broker under it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from fastapi.testclient import TestClient

from kontor.apps.portfolio_transfer import (
    BROKER_ACTIONS,
    ContractFacts,
    InstallPortfolioTransfer,
    MemoryPortfolio,
    run_due_work,
)
from kontor.bootstrap import Kontor
from kontor.db.json_codec import loads
from kontor.platform import ADMINISTRATORS, BROKERS, UNDERWRITERS, TenantKind, provision_tenant
from support.identity import Caller, api_caller

BASE = "/api/apps/portfolio-transfer"
INSURER = "versicherer-t"
# 09:00 in Berlin on a Monday: inside the calculation window
INSIDE_WINDOW = dt.datetime(2026, 3, 2, 8, 0, tzinfo=dt.UTC)


def household(contract_id: str, previous: str = "110.00", zone: int = 2) -> ContractFacts:
    """A Hausrat contract: 65,000 EUR, 80 m², perils FELSH."""
    return ContractFacts(
        contract_id, f"HR-{contract_id} Muster", "hausrat", Decimal(65000), Decimal(80), zone,
        "FELSH", Decimal(previous),
    )  # fmt: skip


def building(contract_id: str, previous: str = "600.00") -> ContractFacts:
    """A Wohngebäude contract: 400,000 EUR, 140 m², zone 1, perils FLS."""
    return ContractFacts(
        contract_id, f"WG-{contract_id} Beispiel", "wohngebaeude", Decimal(400000),
        Decimal(140), 1, "FLS", Decimal(previous),
    )  # fmt: skip


@dataclass
class TransferWorld:
    """The callers of one insurer and one broker, and the broker's contracts."""

    kontor: Kontor
    client: TestClient
    underwriter: Caller
    admin: Caller
    broker: Caller
    broker_tenant: str
    created: list[str] = field(default_factory=list)

    @property
    def portfolio(self) -> MemoryPortfolio:
        """The portfolio double the app was wired with."""
        wired = self.kontor.portfolio_transfer
        assert wired is not None
        assert isinstance(wired.portfolio, MemoryPortfolio)
        return wired.portfolio

    def add(self, *contracts: ContractFacts) -> list[str]:
        """Put contracts in the broker's portfolio and add them to the app; the request ids."""
        for facts in contracts:
            self.portfolio.put(self.broker_tenant, facts)
        body = {"contract_ids": [c.contract_id for c in contracts]}
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
        """Do ``action`` on several requests; the results."""
        caller = self.caller_of(action)
        answer = self.client.post(
            f"{BASE}/bulk/{action}",
            json={"request_ids": request_ids, **body},
            headers=caller.headers,
        )
        assert answer.status_code == 200, answer.text
        results: list[dict[str, Any]] = loads(answer.text)["results"]  # money exact
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
    with kontor.bus.unit_of_work() as uow:
        provision_tenant(
            uow.connection, broker_tenant, "Makler A", TenantKind.BROKER, uow.clock.now(),
            parent_tenant_id=INSURER,
        )  # fmt: skip
        uow.commit()
    broker = api_caller(kontor, broker_tenant, kind=TenantKind.BROKER, group=BROKERS)
    kontor.bus.handle(InstallPortfolioTransfer(tenant_id=INSURER))
    kontor.bus.handle(InstallPortfolioTransfer(tenant_id=broker_tenant))
    return TransferWorld(kontor, client, underwriter, admin, broker, broker_tenant)
