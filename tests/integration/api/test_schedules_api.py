"""The schedules API: what an administrator sees and may do, and what others may not."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from kontor.bootstrap import Kontor
from kontor.messaging import FakeClock
from kontor.platform import BROKERS, TenantKind
from support.identity import Caller, api_caller
from support.kontor_app import app_client, kontor_on

NOW = dt.datetime(2026, 3, 28, 12, 0, tzinfo=dt.UTC)  # Saturday before the spring change
PING = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d"
  targetNamespace="http://t">
  <bpmn:process id="Ping" isExecutable="true">
    <bpmn:startEvent id="S"/><bpmn:endEvent id="E"/>
    <bpmn:sequenceFlow id="f" sourceRef="S" targetRef="E"/>
  </bpmn:process>
</bpmn:definitions>"""
NIGHTLY = {
    "name": "Nachtlauf", "cron": "30 2 * * *", "command_type": "process.start",
    "command_payload": {"process_key": "Ping"},
}  # fmt: skip


@pytest.fixture
def kontor(engine: Engine) -> Kontor:
    return kontor_on(engine, FakeClock(NOW))


@pytest.fixture
def client(kontor: Kontor) -> Iterator[TestClient]:
    with app_client(kontor) as test_client:
        yield test_client


@pytest.fixture
def admin(kontor: Kontor, client: TestClient) -> Caller:
    caller = api_caller(kontor, "op")
    deployed = client.post("/api/process/definitions", content=PING, headers=caller.headers)
    assert deployed.status_code == 201
    return caller


def test_a_schedule_is_created_paused_resumed_run_and_deleted(
    client: TestClient, admin: Caller
) -> None:
    created = client.post("/api/schedules", json=NIGHTLY, headers=admin.headers)
    assert created.status_code == 201, created.text
    schedule = created.json()
    # 02:30 does not exist on 29 March in Berlin: it fires at 03:00 CEST, 01:00 UTC
    assert schedule["next_due_at"] == "2026-03-29T01:00:00Z"
    assert schedule["time_zone"] == "Europe/Berlin"
    base = f"/api/schedules/{schedule['schedule_id']}"
    paused = client.post(f"{base}/pause", headers=admin.headers).json()
    assert (paused["paused"], paused["next_due_at"]) == (True, None)
    resumed = client.post(f"{base}/resume", headers=admin.headers).json()
    assert (resumed["paused"], resumed["next_due_at"]) == (False, "2026-03-29T01:00:00Z")
    run = client.post(f"{base}/run", headers=admin.headers)
    assert run.status_code == 202
    [listed] = client.get(f"{base}/runs", headers=admin.headers).json()
    assert (listed["run_id"], listed["trigger"]) == (run.json()["run_id"], "manual")
    assert listed["result"] in {"pending", "done"}
    metrics = client.get("/metrics").text
    assert 'kontor_schedule_runs_total{result="done",schedule="Nachtlauf",tenant="op"} 1.0' in (
        metrics
    )
    assert [s["name"] for s in client.get("/api/schedules", headers=admin.headers).json()] == [
        "Nachtlauf"
    ]
    assert client.delete(base, headers=admin.headers).status_code == 204
    assert client.get(base, headers=admin.headers).status_code == 404


def test_bad_input_is_a_422_naming_the_field(client: TestClient, admin: Caller) -> None:
    for change, field in (
        ({"cron": "* * *"}, "cron"),
        ({"window": "Montag früh"}, "window"),
        ({"holiday_state": "ZZ"}, "holiday_state"),
        ({"command_type": "platform.delete_everything"}, "command_type"),
        ({"command_payload": {"process_key": "Ping", "tenant_id": "other"}},
         "command_payload.tenant_id"),
    ):  # fmt: skip
        answer = client.post("/api/schedules", json={**NIGHTLY, **change}, headers=admin.headers)
        assert answer.status_code == 422, change
        assert field in answer.text, change
    assert client.post("/api/schedules", json=NIGHTLY, headers=admin.headers).status_code == 201
    taken = client.post("/api/schedules", json=NIGHTLY, headers=admin.headers)
    assert taken.status_code == 409


def test_a_schedule_may_only_send_what_its_author_may_send_by_hand(
    kontor: Kontor, client: TestClient
) -> None:
    broker = api_caller(
        kontor, "makler", kind=TenantKind.BROKER, group=BROKERS, grants=["schedules:manage"]
    )
    refused = client.post("/api/schedules", json=NIGHTLY, headers=broker.headers)
    assert refused.status_code == 403
    assert "process:start" in refused.text
    reader = api_caller(kontor, "makler", kind=TenantKind.BROKER, group=BROKERS, login="r@x.test")
    assert client.get("/api/schedules", headers=reader.headers).status_code == 403
