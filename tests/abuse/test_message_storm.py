"""A storm of the same message to one waiting instance: delivered once, no error, no double."""

from __future__ import annotations

from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import httpx2 as httpx
import pytest

from support.abuse import PATIENCE, AbusedServer

pytestmark = pytest.mark.abuse

STORM = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="d" targetNamespace="http://t">
  <bpmn:message id="Ping" name="storm-ping">
    <bpmn:extensionElements><zeebe:subscription correlationKey="=key"/></bpmn:extensionElements>
  </bpmn:message>
  <bpmn:process id="Storm" isExecutable="true">
    <bpmn:startEvent id="S"/>
    <bpmn:receiveTask id="WaitPing" messageRef="Ping"/>
    <bpmn:userTask id="Handle"/>
    <bpmn:sequenceFlow id="f1" sourceRef="S" targetRef="WaitPing"/>
    <bpmn:sequenceFlow id="f2" sourceRef="WaitPing" targetRef="Handle"/>
  </bpmn:process>
</bpmn:definitions>"""
MESSAGES = 40


def test_a_message_storm_reaches_the_waiting_instance_exactly_once(abused: AbusedServer) -> None:
    abused.deploy(STORM)
    started = abused.client.post(
        "/api/process/definitions/Storm/start", json={"variables": {"key": "storm-1"}}
    )
    assert started.status_code == 201, started.text
    instance_id = started.json()["instance_id"]
    message = {"name": "storm-ping", "correlation_key": "storm-1", "variables": {"n": 1}}
    with ThreadPoolExecutor(8) as senders:
        storm = [
            senders.submit(abused.client.post, "/api/process/messages", json=message)
            for _ in range(MESSAGES)
        ]
        abused.assert_responsive()
        answers = [answer.result(timeout=PATIENCE) for answer in storm]
    delivered = [answer for answer in answers if answer.status_code == 200]
    assert [answer.json()["instance_id"] for answer in delivered] == [instance_id]
    # The others find nobody waiting: 404, or 409 when they raced the delivery (the engine's
    # answer for a subscription consumed between lookup and load).
    missed = Counter(_missed(answer) for answer in answers if answer.status_code != 200)
    assert set(missed) <= {
        (404, "process.message_not_correlated"),
        (409, "process.message_not_correlated"),
    }
    assert sum(missed.values()) == MESSAGES - 1
    detail = abused.client.get(f"/api/process/instances/{instance_id}").json()
    assert detail["active_element_ids"] == ["Handle"]
    activities = abused.client.get(f"/api/process/instances/{instance_id}/activities").json()
    assert [row["element_id"] for row in activities].count("Handle") == 1


def _missed(answer: httpx.Response) -> tuple[int, str]:
    problem = answer.json()
    return answer.status_code, problem.get("reason") or problem["code"]
