"""The process API: deploy and validate models, start and inspect instances, operate them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from kontor.api import create_app
from kontor.bootstrap import Kontor
from kontor.messaging import FakeClock
from kontor.platform import ADMINISTRATORS, TenantKind
from kontor.process import (
    CompleteUserTask,
)
from support.backends import BACKENDS
from support.identity import TEST_TENANT, api_caller
from support.kontor_app import kontor_on

MODELS = Path(__file__).resolve().parents[2] / "conformance" / "bpmn" / "models"
MESSAGES = (MODELS / "messages.bpmn").read_text()
CONDITIONAL_START = (MODELS / "conditional_start.bpmn").read_text()
HEAD = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="d" targetNamespace="http://t">"""
ORDER = f"""{HEAD}
  <bpmn:process id="Order" name="Auftrag" isExecutable="true">
    <bpmn:startEvent id="S"/>
    <bpmn:userTask id="Review" name="Prüfen"/>
    <bpmn:serviceTask id="Book"><bpmn:extensionElements>
      <zeebe:taskDefinition type="book" retries="1"/></bpmn:extensionElements></bpmn:serviceTask>
    <bpmn:endEvent id="E"/>
    <bpmn:sequenceFlow id="f1" sourceRef="S" targetRef="Review"/>
    <bpmn:sequenceFlow id="f2" sourceRef="Review" targetRef="Book"/>
    <bpmn:sequenceFlow id="f3" sourceRef="Book" targetRef="E"/>
  </bpmn:process>
</bpmn:definitions>"""
ORDER_V2 = ORDER.replace('name="Prüfen"', 'name="Gründlich prüfen"')
BROKEN = f"""{HEAD}
  <bpmn:process id="Broken" isExecutable="true">
    <bpmn:startEvent id="S"/>
    <bpmn:exclusiveGateway id="Decide"/>
    <bpmn:sequenceFlow id="f1" sourceRef="S" targetRef="Decide"/>
  </bpmn:process>
</bpmn:definitions>"""
XML = {"content-type": "application/xml"}


@pytest.fixture
def kontor(engine: Engine) -> Kontor:
    return kontor_on(engine)


@pytest.fixture
def client(kontor: Kontor) -> Iterator[TestClient]:
    app = create_app(kontor.settings, kontor)
    with TestClient(app, headers=api_caller(kontor).headers) as test_client:
        yield test_client


def _deploy(client: TestClient, xml: str = ORDER) -> list[dict[str, Any]]:
    response = client.post("/api/process/definitions", content=xml, headers=XML)
    assert response.status_code in (200, 201), response.json()
    deployed: list[dict[str, Any]] = response.json()
    return deployed


def _start(client: TestClient, key: str = "Order", **body: Any) -> dict[str, Any]:
    response = client.post(f"/api/process/definitions/{key}/start", json=body)
    assert response.status_code == 201, response.json()
    started: dict[str, Any] = response.json()
    return started


def kontor_clock(kontor: Kontor) -> FakeClock:
    assert isinstance(kontor.clock, FakeClock)
    return kontor.clock


def _complete_review(kontor: Kontor, instance: dict[str, Any], **variables: Any) -> None:
    [task] = instance["user_tasks"]
    kontor.bus.handle(
        CompleteUserTask(
            tenant_id=TEST_TENANT, instance_id=instance["instance_id"],
            task_id=task["task_id"], variables=variables,
        )
    )  # fmt: skip


@pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
def test_deploy_raw_and_multipart_then_list_and_show(client: TestClient) -> None:
    [first] = client.post("/api/process/definitions?file_name=order.bpmn", content=ORDER).json()
    assert (first["process_key"], first["version"], first["unchanged"]) == ("Order", 1, False)
    second = client.post(
        "/api/process/definitions", files={"file": ("auftrag.bpmn", ORDER_V2.encode(), "text/xml")}
    )
    assert (second.status_code, second.json()[0]["version"]) == (201, 2)
    again = client.post("/api/process/definitions", content=ORDER_V2, headers=XML)
    assert again.status_code == 200  # the latest version's content again: nothing new
    assert (again.json()[0]["version"], again.json()[0]["unchanged"]) == (2, True)
    _deploy(client, MESSAGES)
    listed = client.get("/api/process/definitions").json()
    assert [(d["process_key"], d["version"]) for d in listed] == [
        ("Messages", 1), ("Order", 1), ("Order", 2)
    ]  # fmt: skip
    latest = client.get("/api/process/definitions", params={"latest": True}).json()
    assert [(d["process_key"], d["version"]) for d in latest] == [("Messages", 1), ("Order", 2)]
    of_key = client.get("/api/process/definitions", params={"process_key": "Order", "latest": True})
    assert [d["version"] for d in of_key.json()] == [2]
    shown = client.get("/api/process/definitions/Order/2").json()
    assert (shown["name"], shown["bpmn_xml"]) == ("Auftrag", ORDER_V2)
    missing = client.get("/api/process/definitions/Order/3")
    assert (missing.status_code, missing.json()["code"]) == (404, "process.definition_not_found")


def test_validation_reports_and_refusals_name_the_element(client: TestClient) -> None:
    report = client.post("/api/process/validate", content=BROKEN, headers=XML).json()
    assert report["valid"] is False
    [issue] = [i for i in report["issues"] if i["severity"] == "error"]
    assert (issue["element_id"], issue["code"]) == ("Decide", "gateway_without_outgoing")
    assert report["processes"][0]["executable"] is False
    refused = client.post("/api/process/definitions", content=BROKEN, headers=XML)
    assert (refused.status_code, refused.json()["code"]) == (422, "process.invalid_model")
    assert refused.json()["issues"][0]["element_id"] == "Decide"
    assert "Decide" not in {d["process_key"] for d in client.get("/api/process/definitions").json()}
    malformed = client.post("/api/process/validate", content="<bpmn:definitions", headers=XML)
    [problem] = malformed.json()["issues"]
    assert (problem["code"], problem["line"]) == ("bpmn.malformed_xml", 1)
    assert client.post("/api/process/validate", content=ORDER).json()["valid"] is True
    empty = client.post("/api/process/definitions", content=b"")
    assert (empty.status_code, empty.json()["field"]) == (422, "body")


@pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
def test_start_show_and_follow_an_instance(client: TestClient, kontor: Kontor) -> None:
    _deploy(client)
    started = _start(client, variables={"premium": 120.5}, business_key="A-1", case_id="case-7")
    assert (started["status"], started["active_element_ids"]) == ("active", ["Review"])
    assert (started["definition_version"], started["business_key"]) == (1, "A-1")
    assert started["user_tasks"][0]["element_id"] == "Review"
    assert (started["variables"], started["parent_instance_id"]) == ({"premium": 120.5}, None)
    other = _start(client)
    duplicate = client.post("/api/process/definitions/Order/start", json={"business_key": "A-1"})
    assert (duplicate.status_code, duplicate.json()["code"]) == (
        409, "process.duplicate_business_key"
    )  # fmt: skip
    kontor_clock(kontor).advance(dt.timedelta(minutes=5))
    _complete_review(kontor, started, approved=True)
    shown = client.get(f"/api/process/instances/{started['instance_id']}").json()
    assert (shown["active_element_ids"], shown["user_tasks"]) == (["Book"], [])
    [job] = shown["jobs"]
    assert (job["type"], job["element_id"], job["retries"]) == ("book", "Book", 1)
    assert shown["variables"] == {"premium": 120.5, "approved": True}
    page = client.get("/api/process/instances", params={"case_id": "case-7"}).json()
    assert (page["total"], page["items"][0]["instance_id"]) == (1, started["instance_id"])
    everything = client.get("/api/process/instances", params={"limit": 1}).json()
    assert (everything["total"], len(everything["items"])) == (2, 1)
    by_key = client.get("/api/process/instances", params={"business_key": "nope"}).json()
    assert by_key["items"] == []
    activities = client.get(f"/api/process/instances/{started['instance_id']}/activities").json()
    assert [(a["element_id"], a["outcome"]) for a in activities] == [
        ("S", "completed"), ("Review", "completed"), ("Book", None)
    ]  # fmt: skip
    assert [a["duration_ms"] for a in activities] == [0, 5 * 60_000, None]
    assert other["instance_id"] != started["instance_id"]


def test_unknown_and_foreign_instances_are_not_found(client: TestClient) -> None:
    _deploy(client)
    instance = _start(client)["instance_id"]
    unknown = client.get("/api/process/instances/nope")
    assert (unknown.status_code, unknown.json()["code"]) == (404, "process.instance_not_found")
    assert client.get("/api/process/instances/nope/activities").status_code == 404
    kontor = client.app.state.kontor  # type: ignore[attr-defined]
    client.headers.update(
        api_caller(kontor, "makler-b", kind=TenantKind.INSURER, group=ADMINISTRATORS).headers
    )
    assert client.get(f"/api/process/instances/{instance}").status_code == 404
    assert client.get(f"/api/process/instances/{instance}/incidents").status_code == 404
    assert client.get("/api/process/instances").json()["total"] == 0
    assert client.get("/api/process/definitions").json() == []
    assert client.post("/api/process/definitions/Order/start", json={}).status_code == 404


def test_messages_reach_the_waiting_instance_and_signals_every_one(client: TestClient) -> None:
    _deploy(client, MESSAGES)
    first = _start(client, "Messages", variables={"claimId": "C-1"})["instance_id"]
    _start(client, "Messages", variables={"claimId": "C-2"})
    message = {"name": "documents-received", "correlation_key": "C-1"}
    assert client.post("/api/process/messages", json=message).json() == {"instance_id": first}
    nobody = client.post("/api/process/messages", json={**message, "correlation_key": "C-9"})
    assert (nobody.status_code, nobody.json()["code"]) == (404, "process.message_not_correlated")
    client.post("/api/process/messages", json={**message, "correlation_key": "C-2"})
    signalled = client.post("/api/process/signals", json={"name": "stop-all"})
    assert signalled.json() == {"instances": 2}
    assert client.get(f"/api/process/instances/{first}").json()["status"] == "completed"


@pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
def test_conditions_start_the_processes_whose_start_condition_holds(client: TestClient) -> None:
    _deploy(client, CONDITIONAL_START)
    nothing = client.post("/api/process/conditions", json={"variables": {"documentsComplete": 0}})
    assert nothing.json() == {"instance_ids": []}
    body = {"variables": {"documentsComplete": True}, "process_key": "ConditionalStart"}
    started = client.post("/api/process/conditions", json=body).json()["instance_ids"]
    assert len(started) == 1
    detail = client.get(f"/api/process/instances/{started[0]}").json()
    assert detail["process_key"] == "ConditionalStart"
    assert detail["status"] == "active"
    other = client.post("/api/process/conditions", json={**body, "process_key": "Order"})
    assert other.json() == {"instance_ids": []}


def test_suspend_resume_and_set_variables_name_the_actor(client: TestClient) -> None:
    _deploy(client)
    instance = _start(client)["instance_id"]
    base = f"/api/process/instances/{instance}"
    suspended = client.post(f"{base}/suspend")
    assert (suspended.status_code, suspended.json()["suspended"]) == (200, True)
    twice = client.post(f"{base}/suspend")
    assert twice.status_code == 409
    assert client.post(f"{base}/resume").json()["suspended"] is False
    changed = client.post(f"{base}/variables", json={"variables": {"premium": 99}})
    assert changed.json()["variables"] == {"premium": 99}
    operations = client.get(f"{base}/operations").json()
    me = client.get("/api/auth/me").json()["user_id"]
    assert [(o["operation"], o["actor"]) for o in operations] == [
        ("suspend", me), ("resume", me), ("set_variables", me)
    ]  # fmt: skip
    [change] = client.get(f"{base}/variable-history", params={"name": "premium"}).json()
    assert (change["value"], change["removed"]) == (99, False)


def test_cancel_ends_the_instance(client: TestClient) -> None:
    _deploy(client)
    instance = _start(client)["instance_id"]
    cancelled = client.post(f"/api/process/instances/{instance}/cancel", json={"reason": "Storno"})
    assert cancelled.status_code == 200
    assert (cancelled.json()["status"], cancelled.json()["user_tasks"]) == ("terminated", [])
    again = client.post(f"/api/process/instances/{instance}/cancel", json={})
    assert again.status_code == 409


WRAPPER = f"""{HEAD}
  <bpmn:process id="Wrapper" isExecutable="true">
    <bpmn:startEvent id="S"/>
    <bpmn:callActivity id="Call"><bpmn:extensionElements>
      <zeebe:calledElement processId="Order"/></bpmn:extensionElements></bpmn:callActivity>
    <bpmn:endEvent id="E"/>
    <bpmn:sequenceFlow id="f1" sourceRef="S" targetRef="Call"/>
    <bpmn:sequenceFlow id="f2" sourceRef="Call" targetRef="E"/>
  </bpmn:process>
</bpmn:definitions>"""


def test_cancelling_a_called_instance_is_refused_naming_the_root(client: TestClient) -> None:
    _deploy(client)
    _deploy(client, WRAPPER)
    root = _start(client, "Wrapper")["instance_id"]
    [called] = client.get("/api/process/instances", params={"process_key": "Order"}).json()["items"]
    refused = client.post(f"/api/process/instances/{called['instance_id']}/cancel", json={})
    assert refused.status_code == 409
    problem = refused.json()
    assert (problem["code"], problem["root_instance_id"]) == (
        "process.called_instance_not_cancellable", root
    )  # fmt: skip
    assert f"cancel the root instance {root}" in problem["detail"]
    assert client.get(f"/api/process/instances/{root}").json()["status"] == "active"
    cancelled = client.post(f"/api/process/instances/{root}/cancel", json={})
    assert cancelled.json()["status"] == "terminated"
    shown = client.get(f"/api/process/instances/{called['instance_id']}").json()
    assert shown["status"] == "terminated"


def test_modify_moves_the_token(client: TestClient) -> None:
    _deploy(client)
    instance = _start(client)["instance_id"]
    instructions = [
        {"kind": "cancel", "element_id": "Review"},
        {"kind": "start_before", "element_id": "Book"},
    ]
    modified = client.post(
        f"/api/process/instances/{instance}/modify", json={"instructions": instructions}
    )
    assert modified.status_code == 200, modified.json()
    assert (modified.json()["active_element_ids"], modified.json()["user_tasks"]) == (["Book"], [])
    unknown = client.post(
        f"/api/process/instances/{instance}/modify",
        json={"instructions": [{"kind": "start_before", "element_id": "Nowhere"}]},
    )
    assert unknown.status_code in (409, 422)
    assert "Nowhere" in unknown.json()["detail"]


def test_migration_reports_in_a_dry_run_and_moves_for_real(client: TestClient) -> None:
    _deploy(client)
    instance = _start(client)["instance_id"]
    _deploy(client, ORDER_V2)
    plan = {"process_key": "Order", "source_version": 1, "target_version": 2}
    dry = client.post("/api/process/migrations", json={**plan, "dry_run": True}).json()
    assert (dry["dry_run"], dry["total"], dry["migrated"]) == (True, 1, 1)
    shown = client.get(f"/api/process/instances/{instance}").json()
    assert shown["definition_version"] == 1
    real = client.post("/api/process/migrations", json=plan).json()
    assert (real["dry_run"], real["instances"][0]["migrated"]) == (False, True)
    shown = client.get(f"/api/process/instances/{instance}").json()
    assert shown["definition_version"] == 2


def test_resolving_an_incident_offers_the_job_again(client: TestClient, kontor: Kontor) -> None:
    _deploy(client)
    started = _start(client)
    _complete_review(kontor, started)
    fetch = {"worker_id": "w1", "topics": [{"name": "book", "lock_duration_ms": 60_000}]}
    [task] = client.post("/api/process/external-tasks/fetch-and-lock", json=fetch).json()
    failure = {"worker_id": "w1", "error_message": "ledger closed", "retries": 0}
    failed = client.post(f"/api/process/external-tasks/{task['job_id']}/failure", json=failure)
    assert failed.status_code == 204
    base = f"/api/process/instances/{started['instance_id']}"
    [incident] = client.get(base).json()["incidents"]
    resolved = client.post(f"{base}/incidents/{incident['incident_id']}/resolve", json={})
    assert (resolved.status_code, resolved.json()["incidents"]) == (200, [])
    [history] = client.get(f"{base}/incidents").json()
    assert history["resolved_at"] is not None
    [again] = client.post("/api/process/external-tasks/fetch-and-lock", json=fetch).json()
    assert (again["job_id"], again["retries"]) == (task["job_id"], 1)


LOOPING = f"""{HEAD}
  <bpmn:process id="Looping" isExecutable="true">
    <bpmn:startEvent id="S"/><bpmn:task id="Task_A"/>
    <bpmn:exclusiveGateway id="Gateway_B" default="out"/><bpmn:endEvent id="E"/>
    <bpmn:sequenceFlow id="f1" sourceRef="S" targetRef="Task_A"/>
    <bpmn:sequenceFlow id="f2" sourceRef="Task_A" targetRef="Gateway_B"/>
    <bpmn:sequenceFlow id="back" sourceRef="Gateway_B" targetRef="Task_A">
      <bpmn:conditionExpression>=again</bpmn:conditionExpression></bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="out" sourceRef="Gateway_B" targetRef="E"/>
  </bpmn:process>
</bpmn:definitions>"""


@pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
def test_starting_a_loop_without_wait_state_answers_with_the_incident(
    client: TestClient,
) -> None:
    _deploy(client, LOOPING)
    started = _start(client, "Looping", variables={"again": True})
    [incident] = started["incidents"]
    assert incident["element_id"] == "S"
    assert incident["reason"].startswith("loop without wait state: Task_A → Gateway_B → Task_A")
    assert client.get("/healthz").status_code == 200
    assert _start(client, "Looping", variables={"again": False})["status"] == "completed"
    cancelled = client.post(f"/api/process/instances/{started['instance_id']}/cancel", json={})
    assert (cancelled.status_code, cancelled.json()["status"]) == (200, "terminated")


def test_ad_hoc_activities_are_activated_and_the_sub_process_completed(
    client: TestClient, kontor: Kontor
) -> None:
    _deploy(client, (MODELS / "ad_hoc_sub_process.bpmn").read_text())
    instance = _start(client, "AdHocSubProcess", variables={"mode": "research"})["instance_id"]
    base = f"/api/process/instances/{instance}"
    activated = client.post(f"{base}/ad-hoc-activities/ReadFile/activate", json={})
    assert activated.status_code == 200, activated.json()
    refused = client.post(f"{base}/ad-hoc-activities/CheckReport/activate", json={})
    assert refused.status_code == 409
    assert "'CheckReport' is no activity of an ad-hoc sub-process" in refused.json()["detail"]
    busy = client.post(f"{base}/ad-hoc-sub-processes/Research/complete", json={})
    assert busy.status_code == 409
    assert "'ReadFile' still runs" in busy.json()["detail"]
    _complete_review(kontor, activated.json(), enough=False)
    completed = client.post(f"{base}/ad-hoc-sub-processes/Research/complete", json={})
    assert (completed.status_code, completed.json()["status"]) == (200, "completed")
    me = client.get("/api/auth/me").json()["user_id"]
    operations = client.get(f"{base}/operations").json()
    assert [(o["operation"], o["actor"]) for o in operations] == [
        ("activate_ad_hoc_activity", me), ("complete_ad_hoc_sub_process", me)
    ]  # fmt: skip
