"""Kontor's outbound webhook reaches its own inbound endpoint on another tenant over HTTP and
starts a process there; tampered signatures, late timestamps and replayed ids are refused."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import httpx2 as httpx
import pytest

from kontor.bootstrap import Kontor
from kontor.integration.webhooks import standard_headers
from kontor.messaging import FakeClock
from kontor.process import DeployProcess, StartProcess
from support.backends import BACKENDS
from support.messaging import wait_for
from support.tenant_world import broker

pytestmark = pytest.mark.parametrize("database_url", BACKENDS, indirect=True)

PING = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d"
  targetNamespace="http://t">
  <bpmn:process id="Ping" isExecutable="true">
    <bpmn:startEvent id="S"/><bpmn:endEvent id="E"/>
    <bpmn:sequenceFlow id="f1" sourceRef="S" targetRef="E"/>
  </bpmn:process>
</bpmn:definitions>"""
CLAIM = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d"
  targetNamespace="http://t">
  <bpmn:process id="Claim" isExecutable="true">
    <bpmn:startEvent id="S"/><bpmn:userTask id="Review"/>
    <bpmn:sequenceFlow id="f1" sourceRef="S" targetRef="Review"/>
  </bpmn:process>
</bpmn:definitions>"""
MAPPING = (
    '{process_key: "Claim", business_key: payload.data.business_key, '
    "variables: {origin: payload.type, amount: payload.data.variables.amount}}"
)


def claims_of(client: httpx.Client, headers: dict[str, str]) -> list[dict[str, object]]:
    page = client.get("/api/process/instances?process_key=Claim", headers=headers).json()
    return list(page["items"])


def open_endpoint(client: httpx.Client, headers: dict[str, str]) -> dict[str, str]:
    answer = client.post(
        "/api/webhooks/endpoints",
        json={"name": "schaden", "action": "start_process", "mapping": MAPPING},
        headers=headers,
    )
    assert answer.status_code == 201, answer.text
    return dict(answer.json())


def test_an_outbound_webhook_starts_a_process_in_the_other_tenant(
    kontor: Kontor, client: httpx.Client, kontor_url: str
) -> None:
    a, b = broker(kontor, "makler-a"), broker(kontor, "makler-b")
    kontor.bus.handle(DeployProcess(tenant_id="makler-b", bpmn_xml=CLAIM))
    endpoint = open_endpoint(client, b.headers)
    subscribed = client.post(
        "/api/webhooks/subscriptions",
        json={
            "url": kontor_url + endpoint["path"],
            "event_types": ["process.instance_completed"],
            "filter": {"process_key": "Ping"},
            "secret": endpoint["secret"],
        },
        headers=a.headers,
    )
    assert subscribed.status_code == 201, subscribed.text
    assert "secret" not in client.get("/api/webhooks/subscriptions", headers=a.headers).json()[0]
    kontor.bus.handle(DeployProcess(tenant_id="makler-a", bpmn_xml=PING))
    kontor.bus.handle(
        StartProcess(
            tenant_id="makler-a",
            process_key="Ping",
            business_key="S-1",
            variables={"amount": Decimal("1234.56")},
        )
    )
    assert kontor.integration is not None
    assert kontor.integration.sender.deliver_until_idle() == 1
    wait_for(lambda: len(claims_of(client, b.headers)) == 1, "the claim process in makler-b")
    [claim] = claims_of(client, b.headers)
    detail = client.get(f"/api/process/instances/{claim['instance_id']}", headers=b.headers)
    assert detail.json()["variables"] == {"origin": "process.instance_completed", "amount": 1234.56}
    assert claim["business_key"] == "S-1"
    assert claims_of(client, a.headers) == []  # nothing started in the sender's tenant
    [delivery] = client.get(
        f"/api/webhooks/subscriptions/{subscribed.json()['subscription_id']}/deliveries",
        headers=a.headers,
    ).json()
    assert (delivery["status"], delivery["last_status_code"]) == ("delivered", 202)
    metrics = client.get("/metrics").text
    subscription_id = subscribed.json()["subscription_id"]
    assert (
        f'webhook_deliveries_total{{outcome="delivered",subscription="{subscription_id}"}} 1.0'
        in metrics
    )
    assert (
        'kontor_webhook_received_total{endpoint="makler-b/schaden",outcome="accepted"} 1.0'
        in metrics
    )


def test_a_tampered_signature_a_late_timestamp_and_a_replayed_id_are_refused(
    kontor: Kontor, client: httpx.Client, kontor_url: str, clock: FakeClock
) -> None:
    b = broker(kontor, "makler-b")
    kontor.bus.handle(DeployProcess(tenant_id="makler-b", bpmn_xml=CLAIM))
    endpoint = open_endpoint(client, b.headers)
    url = kontor_url + endpoint["path"]
    body = json.dumps({"type": "extern", "data": {"business_key": "X-1", "variables": {}}})
    signed = standard_headers("msg-1", clock.now(), body, [endpoint["secret"]])
    with httpx.Client() as http:
        tampered = http.post(url, content=body.replace("X-1", "X-2"), headers=signed)
        late = standard_headers(
            "msg-2", clock.now() - dt.timedelta(minutes=10), body, [endpoint["secret"]]
        )
        too_late = http.post(url, content=body, headers=late)
        first = http.post(url, content=body, headers=signed)
        again = http.post(url, content=body, headers=signed)
        unknown = http.post(url.replace("schaden", "nirgends"), content=body, headers=signed)
    assert (tampered.status_code, tampered.json()["code"]) == (401, "webhooks.signature_refused")
    assert (too_late.status_code, too_late.json()["code"]) == (401, "webhooks.signature_refused")
    assert "replay window" in too_late.json()["detail"]
    assert (first.status_code, first.json()) == (202, {"webhook_id": "msg-1"})
    assert (again.status_code, again.json()["code"]) == (409, "webhooks.replayed_id")
    assert unknown.status_code == 404
    wait_for(lambda: len(claims_of(client, b.headers)) == 1, "the claim process in makler-b")
    assert [c["business_key"] for c in claims_of(client, b.headers)] == ["X-1"]


def test_an_endpoint_in_another_tenant_is_not_reachable_under_mine(
    kontor: Kontor, client: httpx.Client
) -> None:
    a, b = broker(kontor, "makler-a"), broker(kontor, "makler-b")
    endpoint = open_endpoint(client, b.headers)
    body = json.dumps({"data": {}})
    headers = standard_headers("msg-1", kontor.clock.now(), body, [endpoint["secret"]])
    answer = client.post("/api/webhooks/inbound/makler-a/schaden", content=body, headers=headers)
    assert answer.status_code == 404
    assert (
        client.get(
            f"/api/webhooks/endpoints/{endpoint['endpoint_id']}", headers=a.headers
        ).status_code
        == 404
    )


def test_a_mapping_that_is_no_feel_is_refused_naming_the_field(
    kontor: Kontor, client: httpx.Client
) -> None:
    b = broker(kontor, "makler-b")
    answer = client.post(
        "/api/webhooks/endpoints",
        json={"name": "kaputt", "action": "start_process", "mapping": "{process_key: "},
        headers=b.headers,
    )
    assert answer.status_code == 422
    assert answer.json()["field"] == "mapping"
