"""Schadenquoten pages: the broker's *Übertragen*, the insurer's list per broker."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from kontor.bootstrap import Kontor
from kontor.db.ids import time_ordered_id
from kontor.messaging import FakeClock
from kontor.portfolio import PortfolioStore, build_claims_ratio
from support.backends import BACKENDS
from support.kontor_app import app_client, kontor_on
from support.transfer import INSIDE_WINDOW, transfer_world

pytestmark = pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
APP = "/apps/portfolio_transfer"


@pytest.fixture
def kontor(engine: Engine) -> Kontor:
    return kontor_on(engine, FakeClock(INSIDE_WINDOW))


@pytest.fixture
def client(kontor: Kontor) -> Iterator[TestClient]:
    with app_client(kontor, pages=True) as test_client:
        yield test_client


def test_the_broker_transfers_by_right_click_the_insurer_reads_per_broker(
    kontor: Kontor, client: TestClient
) -> None:
    world = transfer_world(kontor, client)
    with kontor.bus.unit_of_work() as uow:
        ratio = PortfolioStore(uow.connection, "makler-a").claims_ratios.add(
            build_claims_ratio(time_ordered_id(), {
                "scope": "line_of_business", "line_of_business_code": "130",
                "period_start": "2025-01-01", "period_end": "2025-12-31",
                "ratio": Decimal("0.4512"),
            }),
            uow.clock.now(),
        )  # fmt: skip
        uow.commit()
    broker, uw = world.broker.headers, world.underwriter.headers
    assert "Schadenquoten" in client.get(APP, headers=broker).text
    assert "Schadenquoten der Makler" in client.get(APP, headers=uw).text
    table = client.get(f"{APP}/claims-ratios", headers=broker).text
    assert "Hausrat" in table
    assert "45,12" in table
    assert "Übertragen" in table
    assert "Noch hat kein Makler" in client.get(f"{APP}/claims-ratios/received", headers=uw).text

    done = client.post(
        f"{APP}/claims-ratios/actions", headers=broker,
        data={"action": "transfer", "ids": [ratio.ratio_id]},
    )  # fmt: skip
    assert "Erledigt." in done.text
    received = client.get(f"{APP}/claims-ratios/received", headers=uw).text
    assert "Makler makler-a" in received
    assert "Sparte" in received
    assert "45,12" in received
    assert client.get(f"{APP}/claims-ratios/received", headers=broker).status_code == 403
