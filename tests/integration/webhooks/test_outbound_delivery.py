"""Outbound webhooks: signed, in order per subscription, every event after a receiver comes
back, a delivery log with response codes, switched off after a run of failures (notifying the
administrators), and replayed by hand."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator

import httpx2 as httpx
import pytest

from kontor.bootstrap import Kontor
from kontor.integration.webhooks import SignatureRefused, verify_standard
from kontor.messaging import FakeClock
from kontor.platform import ADMINISTRATORS, TenantKind
from kontor.process import DeployProcess, StartProcess
from support.backends import BACKENDS
from support.http_servers import serving
from support.identity import api_caller
from support.tenant_world import broker
from support.webhooks import Receiver

pytestmark = pytest.mark.parametrize("database_url", BACKENDS, indirect=True)

PING = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d"
  targetNamespace="http://t">
  <bpmn:process id="Ping" isExecutable="true">
    <bpmn:startEvent id="S"/><bpmn:endEvent id="E"/>
    <bpmn:sequenceFlow id="f1" sourceRef="S" targetRef="E"/>
  </bpmn:process>
</bpmn:definitions>"""
WINDOW = dt.timedelta(minutes=5)


@pytest.fixture
def receiver() -> Receiver:
    return Receiver()


@pytest.fixture
def receiver_url(receiver: Receiver) -> Iterator[str]:
    with serving(receiver.app()) as base:
        yield base + "/hook"


def subscribe(client: httpx.Client, headers: dict[str, str], url: str) -> dict[str, str]:
    answer = client.post(
        "/api/webhooks/subscriptions",
        json={"url": url, "event_types": ["process.instance_completed"]},
        headers=headers,
    )
    assert answer.status_code == 201, answer.text
    return dict(answer.json())


def ping(kontor: Kontor, tenant_id: str, number: int) -> None:
    kontor.bus.handle(
        StartProcess(tenant_id=tenant_id, process_key="Ping", business_key=f"P-{number}")
    )


def deliver(kontor: Kontor) -> int:
    assert kontor.integration is not None
    return kontor.integration.sender.deliver_until_idle()


def numbers_received(receiver: Receiver) -> list[str]:
    return [json.loads(r.body)["data"]["business_key"] for r in receiver.received]


def test_a_receiver_down_for_a_while_gets_every_event_in_order_once_back(
    kontor: Kontor,
    client: httpx.Client,
    clock: FakeClock,
    receiver: Receiver,
    receiver_url: str,
) -> None:
    a = broker(kontor, "makler-a")
    subscription = subscribe(client, a.headers, receiver_url)
    kontor.bus.handle(DeployProcess(tenant_id="makler-a", bpmn_xml=PING))
    ping(kontor, "makler-a", 1)
    assert deliver(kontor) == 1
    receiver.down = True
    for number in (2, 3, 4):
        ping(kontor, "makler-a", number)
    assert deliver(kontor) == 0
    clock.advance(10)  # the first backoff
    assert deliver(kontor) == 0
    ping(kontor, "makler-a", 5)  # queued behind the waiting ones
    clock.advance(20)  # the second, doubled
    assert deliver(kontor) == 0
    assert receiver.refused == 3  # one attempt per backoff: the head of the line only
    receiver.down = False
    assert deliver(kontor) == 0  # the next attempt is not due yet
    clock.advance(40)
    assert deliver(kontor) == 4
    assert numbers_received(receiver) == ["P-1", "P-2", "P-3", "P-4", "P-5"]
    ids = [r.headers["webhook-id"] for r in receiver.received]
    assert len(set(ids)) == 5
    deliveries = client.get(
        f"/api/webhooks/subscriptions/{subscription['subscription_id']}/deliveries",
        headers=a.headers,
    ).json()
    assert [d["status"] for d in deliveries] == ["delivered"] * 5
    head = next(d for d in deliveries if d["sequence"] == 2)
    attempts = client.get(
        f"/api/webhooks/deliveries/{head['delivery_id']}/attempts", headers=a.headers
    ).json()
    assert [x["status_code"] for x in attempts] == [503, 503, 503, 204]


def test_every_delivery_is_signed_with_the_subscription_secret(
    kontor: Kontor,
    client: httpx.Client,
    clock: FakeClock,
    receiver: Receiver,
    receiver_url: str,
) -> None:
    a = broker(kontor, "makler-a")
    subscription = subscribe(client, a.headers, receiver_url)
    kontor.bus.handle(DeployProcess(tenant_id="makler-a", bpmn_xml=PING))
    ping(kontor, "makler-a", 1)
    deliver(kontor)
    [first] = receiver.received
    secret = subscription["secret"]
    verify_standard(secret, first.body, first.headers, clock.now(), WINDOW)
    rotated = client.post(
        f"/api/webhooks/subscriptions/{subscription['subscription_id']}/rotate-secret",
        headers=a.headers,
    ).json()["secret"]
    ping(kontor, "makler-a", 2)
    deliver(kontor)
    second = receiver.received[1]
    # both secrets sign while the old one overlaps: receivers switch without a gap
    verify_standard(rotated, second.body, second.headers, clock.now(), WINDOW)
    verify_standard(secret, second.body, second.headers, clock.now(), WINDOW)
    clock.advance(dt.timedelta(hours=25))
    ping(kontor, "makler-a", 3)
    deliver(kontor)
    third = receiver.received[2]
    verify_standard(rotated, third.body, third.headers, clock.now(), WINDOW)
    with pytest.raises(SignatureRefused):
        verify_standard(secret, third.body, third.headers, clock.now(), WINDOW)


def test_a_run_of_failures_switches_the_subscription_off_and_notifies_the_administrators(
    kontor: Kontor,
    client: httpx.Client,
    clock: FakeClock,
    receiver: Receiver,
    receiver_url: str,
) -> None:
    admin = api_caller(
        kontor,
        "versicherer-x",
        kind=TenantKind.INSURER,
        group=ADMINISTRATORS,
        grants=["webhooks:read", "webhooks:manage"],
    )
    subscription = subscribe(client, admin.headers, receiver_url)
    path = f"/api/webhooks/subscriptions/{subscription['subscription_id']}"
    kontor.bus.handle(DeployProcess(tenant_id="versicherer-x", bpmn_xml=PING))
    receiver.down = True
    ping(kontor, "versicherer-x", 1)
    for _ in range(4):  # the fixture switches off after four failures in a row
        deliver(kontor)
        clock.advance(dt.timedelta(minutes=1))
    shown = client.get(path, headers=admin.headers).json()
    assert (shown["enabled"], shown["consecutive_failures"]) == (False, 4)
    assert "fehlgeschlagen" in shown["disabled_reason"]
    notices = client.get("/api/notifications", headers=admin.headers).json()
    assert [n["subject"] for n in notices] == [
        "Webhook abgeschaltet nach 4 fehlgeschlagenen Zustellungen"
    ]
    receiver.down = False
    ping(kontor, "versicherer-x", 2)  # while off, nothing new is queued
    assert deliver(kontor) == 0
    switched_on = client.patch(path, json={"enabled": True}, headers=admin.headers)
    assert switched_on.json()["enabled"] is True
    assert deliver(kontor) == 1  # the waiting one goes out once switched on again
    [delivered] = client.get(path + "/deliveries", headers=admin.headers).json()
    replayed = client.post(
        f"/api/webhooks/deliveries/{delivered['delivery_id']}/replay", headers=admin.headers
    )
    assert replayed.status_code == 201
    assert deliver(kontor) == 1
    assert numbers_received(receiver) == ["P-1", "P-1"]
    ids = [r.headers["webhook-id"] for r in receiver.received]
    assert ids == [delivered["delivery_id"], replayed.json()["delivery_id"]]


def test_filters_and_event_types_decide_what_is_queued(
    kontor: Kontor, client: httpx.Client, receiver: Receiver, receiver_url: str
) -> None:
    a = broker(kontor, "makler-a")
    answer = client.post(
        "/api/webhooks/subscriptions",
        json={
            "url": receiver_url,
            "event_types": ["process.instance_completed"],
            "filter": {"business_key": "P-2"},
        },
        headers=a.headers,
    )
    assert answer.status_code == 201
    kontor.bus.handle(DeployProcess(tenant_id="makler-a", bpmn_xml=PING))
    for number in (1, 2, 3):
        ping(kontor, "makler-a", number)
    deliver(kontor)
    assert numbers_received(receiver) == ["P-2"]
    unknown = client.post(
        "/api/webhooks/subscriptions",
        json={"url": receiver_url, "event_types": ["process.nonsense"]},
        headers=a.headers,
    )
    assert (unknown.status_code, unknown.json()["field"]) == (422, "event_types")
    bad_url = client.post(
        "/api/webhooks/subscriptions",
        json={"url": "ftp://example.org/x", "event_types": ["process.instance_completed"]},
        headers=a.headers,
    )
    assert (bad_url.status_code, bad_url.json()["field"]) == (422, "url")
