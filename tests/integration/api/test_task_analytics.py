"""Task analytics: what a team lead reads about a period — how many, how fast, how often
passed on, how many deadlines missed — by task, group and user, as JSON and CSV."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from kontor.bootstrap import Kontor
from kontor.messaging import FakeClock
from kontor.platform import ADMINISTRATORS, UNDERWRITERS, TenantKind
from support.backends import BACKENDS
from support.identity import Caller, api_caller
from support.kontor_app import app_client, kontor_on

pytestmark = pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
NOW = dt.datetime(2026, 3, 2, 8, 0, tzinfo=dt.UTC)
PERIOD = {"from": "2026-03-01T00:00:00Z", "to": "2026-04-01T00:00:00Z"}


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(NOW)


@pytest.fixture
def kontor(engine: Engine, clock: FakeClock) -> Kontor:
    return kontor_on(engine, clock)


@pytest.fixture
def client(kontor: Kontor) -> Iterator[TestClient]:
    with app_client(kontor) as test_client:
        yield test_client


def act(client: TestClient, caller: Caller, task: str, operation: str, **body: Any) -> None:
    response = client.post(f"/api/tasks/{task}/{operation}", json=body, headers=caller.headers)
    assert response.status_code == 200, response.text


def test_a_period_is_summed_up_per_task_group_and_user(
    kontor: Kontor, client: TestClient, clock: FakeClock
) -> None:
    lead = api_caller(kontor, kind=TenantKind.INSURER, group=ADMINISTRATORS, login="lead@t.test")
    anna = api_caller(kontor, kind=TenantKind.INSURER, group=UNDERWRITERS, login="anna@t.test")
    new = {"name": "Schaden prüfen", "candidate_groups": [UNDERWRITERS]}
    ids = [client.post("/api/tasks", json=new, headers=lead.headers).json()["task_id"]
           for _ in range(3)]  # fmt: skip
    clock.advance(dt.timedelta(minutes=10))
    act(client, anna, ids[0], "claim")
    clock.advance(dt.timedelta(minutes=50))
    act(client, anna, ids[0], "complete", data={})  # waited 10 min, took 60 min
    act(client, anna, ids[1], "claim")  # waited 60 min
    act(client, lead, ids[1], "escalate", reason="Frist überschritten", priority=90)
    clock.advance(dt.timedelta(minutes=60))
    act(client, anna, ids[1], "complete", data={})  # took 120 min
    act(client, lead, ids[2], "escalate", reason="Kunde ruft an")  # not a deadline
    response = client.get("/api/tasks/analytics", params=PERIOD, headers=lead.headers)
    assert response.status_code == 200, response.text
    [row] = response.json()["rows"]
    assert row == {
        "key": "Schaden prüfen", "created": 3, "completed": 2, "open": 1,
        "cycle_p50": 5400.0, "cycle_p90": 6840.0, "waiting_p50": 2100.0, "waiting_p90": 3300.0,
        "delegated": 0.0, "rejected": 0.0, "escalated": 2 / 3, "forwarded": 0.0,
        "deadlines_missed": 1,
    }  # fmt: skip
    by_user = client.get("/api/tasks/analytics", params={**PERIOD, "by": "user"},
                         headers=lead.headers).json()["rows"]  # fmt: skip
    assert [(r["key"], r["created"]) for r in by_user] == [
        ("(keine)", 1), (anna.principal.user_id, 2)
    ]  # fmt: skip
    by_group = client.get("/api/tasks/analytics", params={**PERIOD, "by": "group", "format": "csv"},
                          headers=lead.headers)  # fmt: skip
    rows = list(csv.DictReader(io.StringIO(by_group.content.decode("utf-8-sig"))))
    assert [(r["key"], r["created"], r["deadlines_missed"]) for r in rows] == [
        (UNDERWRITERS, "3", "1")
    ]  # fmt: skip
    later = {"from": "2026-04-01T00:00:00Z", "to": "2026-05-01T00:00:00Z"}
    assert (
        client.get("/api/tasks/analytics", params=later, headers=lead.headers).json()["rows"] == []
    )
    backwards = {"from": PERIOD["to"], "to": PERIOD["from"]}
    refused = client.get("/api/tasks/analytics", params=backwards, headers=lead.headers)
    assert (refused.status_code, refused.json()["field"]) == (422, "to")
    edge = {"from": "9999-12-30T00:00:00Z", "to": "9999-12-31T00:00:00Z"}
    assert (
        client.get("/api/tasks/analytics", params=edge, headers=lead.headers).json()["rows"] == []
    )
    assert (
        client.get("/api/tasks/analytics", params=PERIOD, headers=anna.headers).status_code == 403
    )
