"""Claims ratios *Übertragen*: the whole list as it stood, per broker on the insurer's side."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient

from kontor.bootstrap import Kontor
from kontor.db.ids import time_ordered_id
from kontor.db.json_codec import loads
from kontor.messaging import FakeClock
from kontor.portfolio import PortfolioStore, build_claims_ratio
from support.backends import BACKENDS
from support.identity import Caller
from support.transfer import BASE, household, insurer_with_broker, transfer_world

pytestmark = pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
RATIOS = f"{BASE}/claims-ratios"


def record(kontor: Kontor, tenant_id: str, **data: Any) -> str:
    """Record a claims ratio for 2025 in ``tenant_id``; its id."""
    values = {"period_start": "2025-01-01", "period_end": "2025-12-31", **data}
    with kontor.bus.unit_of_work() as uow:
        ratio = PortfolioStore(uow.connection, tenant_id).claims_ratios.add(
            build_claims_ratio(time_ordered_id(), values), uow.clock.now()
        )
        uow.commit()
    return ratio.ratio_id


def received(client: TestClient, caller: Caller) -> list[dict[str, Any]]:
    """The insurer's claims ratios per broker (numbers exact)."""
    answer = client.get(RATIOS, headers=caller.headers)
    assert answer.status_code == 200, answer.text
    brokers: list[dict[str, Any]] = loads(answer.text)["brokers"]
    return brokers


def test_brokers_transfer_their_whole_list_the_insurer_sees_it_per_broker(
    kontor: Kontor, client: TestClient
) -> None:
    world = transfer_world(kontor, client)
    other = insurer_with_broker(kontor, "makler-b")
    (contract_id,) = world.put(household("HR-1"))
    record(kontor, "makler-a", scope="line_of_business", line_of_business_code="130",
           ratio=Decimal("0.4512"), claims_expenses=Decimal("4512.00"),
           premium=Decimal("10000.00"))  # fmt: skip
    record(kontor, "makler-a", scope="contract", contract_id=contract_id, ratio=Decimal("0.1"))
    assert received(client, world.underwriter) == []  # nothing until Übertragen

    sent = client.post(f"{RATIOS}/transfer", headers=world.broker.headers)
    assert sent.status_code == 200, sent.text
    assert sent.json()["count"] == 2
    record(kontor, "makler-a", scope="peril", peril="Sturm", ratio=Decimal("0.9"))
    (group,) = received(client, world.underwriter)
    assert group["broker_name"] == "Makler makler-a"
    assert [(r["level"], r["subject"], r["ratio"]) for r in group["items"]] == [
        ("Sparte", "Hausrat", Decimal("0.4512"))
    ]  # as it stood when sent; the contract's ratio travels with the contract

    assert isinstance(kontor.clock, FakeClock)
    kontor.clock.advance(dt.timedelta(minutes=5))
    client.post(f"{RATIOS}/transfer", headers=world.broker.headers)
    record(kontor, "makler-b", scope="product", product="Hausrat Komfort", ratio=Decimal("1.2"))
    client.post(f"{RATIOS}/transfer", headers=other.headers)
    groups = received(client, world.underwriter)
    assert [g["broker_tenant_id"] for g in groups] == ["makler-a", "makler-b"]
    assert sorted(r["level"] for r in groups[0]["items"]) == ["Gefahr", "Sparte"]
    assert [r["subject"] for r in groups[1]["items"]] == ["Hausrat Komfort"]

    own = loads(client.get(RATIOS, headers=world.broker.headers).text)
    assert len(own["items"]) == 3
    assert own["last_sent"] is not None
    assert "brokers" not in loads(client.get(RATIOS, headers=other.headers).text)
    assert client.post(f"{RATIOS}/transfer", headers=world.underwriter.headers).status_code == 403
