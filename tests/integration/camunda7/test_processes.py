"""Camunda 7's deployment, process-definition, process-instance and message resources.

The request bodies are the shapes of the Camunda 7 REST reference's examples.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from kontor.bootstrap import Kontor
from kontor.web import create_app
from support.backends import BACKENDS
from support.camunda7 import ALARM, INVOICE, PAYMENT, basic
from support.identity import api_caller
from support.kontor_app import kontor_on

REST = "/engine-rest"


@pytest.fixture
def client(engine: Engine) -> Iterator[TestClient]:
    kontor: Kontor = kontor_on(engine)
    caller = api_caller(kontor)
    with TestClient(create_app(kontor.settings, kontor), headers=basic(caller.token)) as test:
        yield test


def deploy(client: TestClient, *files: tuple[str, str], **fields: str) -> dict[str, Any]:
    form = {
        "deployment-name": "rechnungen",
        "enable-duplicate-filtering": "true",
        "deploy-changed-only": "true",
        "deployment-source": "process application",
        **fields,
    }
    answer = client.post(f"{REST}/deployment/create", data=form,
                         files=[(name, (name, xml.encode(), "application/xml"))
                                for name, xml in files])  # fmt: skip
    assert answer.status_code == 200, answer.text
    deployed: dict[str, Any] = answer.json()
    return deployed


def start(client: TestClient, key: str, **body: Any) -> dict[str, Any]:
    answer = client.post(f"{REST}/process-definition/key/{key}/start", json=body)
    assert answer.status_code == 200, answer.text
    started: dict[str, Any] = answer.json()
    return started


@pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
def test_deployments_create_definitions_and_skip_unchanged_ones(client: TestClient) -> None:
    first = deploy(client, ("invoice.bpmn", INVOICE), ("payment.bpmn", PAYMENT))
    assert first["name"] == "rechnungen"
    assert first["source"] == "process application"
    definitions = first["deployedProcessDefinitions"]
    assert sorted((d["key"], d["version"]) for d in definitions.values()) == [
        ("invoice", 1), ("payment", 1)
    ]  # fmt: skip
    again = deploy(client, ("invoice.bpmn", INVOICE))
    assert again["deployedProcessDefinitions"] is None  # unchanged: nothing new
    changed = deploy(client, ("invoice.bpmn", INVOICE.replace("Rechnung", "Rechnung 2")))
    [second] = changed["deployedProcessDefinitions"].values()
    assert (second["key"], second["version"], second["name"]) == ("invoice", 2, "Rechnung 2")
    listed = client.get(f"{REST}/process-definition", params={"latestVersion": "true"}).json()
    assert sorted((d["key"], d["version"]) for d in listed) == [("invoice", 2), ("payment", 1)]
    assert client.get(f"{REST}/process-definition/count").json() == {"count": 3}
    latest = client.get(f"{REST}/process-definition/key/invoice").json()
    assert latest["id"] == second["id"]
    xml = client.get(f"{REST}/process-definition/{second['id']}/xml").json()
    assert xml["id"] == second["id"]
    assert "Rechnung 2" in xml["bpmn20Xml"]
    assert client.get(f"{REST}/process-definition/key/invoice/xml").json() == xml


def test_deployments_refuse_what_kontor_cannot_deploy(client: TestClient) -> None:
    files = [("rules.dmn", ("rules.dmn", b"<definitions/>", "application/xml"))]
    refused = client.post(f"{REST}/deployment/create", data={}, files=files)
    assert refused.status_code == 400
    assert refused.json()["type"] == "InvalidRequestException"
    assert "rules.dmn" in refused.json()["message"]
    broken = [("broken.bpmn", ("broken.bpmn", b"<definitions", "application/xml"))]
    refused = client.post(f"{REST}/deployment/create", data={}, files=broken)
    assert refused.status_code == 400
    assert "Could not parse BPMN" in refused.json()["message"]
    missing = client.get(f"{REST}/process-definition/key/nope")
    assert (missing.status_code, missing.json()["type"]) == (404, "InvalidRequestException")


@pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
def test_start_list_inspect_change_and_delete_instances(client: TestClient) -> None:
    deploy(client, ("invoice.bpmn", INVOICE))
    body = {
        "variables": {"amount": {"value": 1250.5, "type": "Double"},
                      "due": {"value": "2026-07-01T00:00:00.000+0200", "type": "Date"},
                      "customer": {"value": "Bea", "type": "String"}},
        "businessKey": "R-4711",
        "withVariablesInReturn": True,
    }  # fmt: skip
    started = start(client, "invoice", **body)
    assert started["businessKey"] == "R-4711"
    assert (started["ended"], started["suspended"]) == (False, False)
    assert started["variables"]["due"]["type"] == "Date"
    assert started["variables"]["amount"] == {"type": "Double", "value": 1250.5, "valueInfo": {}}
    other = start(client, "invoice", businessKey="R-4712")
    assert "variables" not in other
    base = f"{REST}/process-instance"
    listed = client.get(base, params={"businessKey": "R-4711"}).json()
    assert [i["id"] for i in listed] == [started["id"]]
    assert client.get(f"{base}/count", params={"processDefinitionKey": "invoice"}).json() == {
        "count": 2
    }
    url = f"{base}/{started['id']}"
    put = {"value": "Bea Beispiel", "type": "String"}
    assert client.put(f"{url}/variables/customer", json=put).status_code == 204
    modified = {
        "modifications": {
            "priority": {"value": 3, "type": "Integer"},
            "premium": {"value": "1234567890.12", "type": "Double"},
        }
    }
    assert client.post(f"{url}/variables", json=modified).status_code == 204
    shown = client.get(f"{url}/variables").json()
    assert shown["customer"] == {"type": "String", "value": "Bea Beispiel", "valueInfo": {}}
    assert shown["priority"] == {"type": "Integer", "value": 3, "valueInfo": {}}
    assert shown["premium"]["value"] == 1234567890.12
    assert client.get(f"{url}/variables/premium").json()["type"] == "Double"
    assert client.get(f"{url}/variables/nope").status_code == 404
    deletion = client.post(f"{url}/variables", json={"deletions": ["customer"]})
    assert deletion.status_code == 400
    assert client.put(f"{url}/suspended", json={"suspended": True}).status_code == 204
    assert client.get(url).json()["suspended"] is True
    assert client.put(f"{url}/suspended", json={"suspended": False}).status_code == 204
    assert client.delete(url).status_code == 204
    gone = client.get(url)
    assert (gone.status_code, gone.json()["type"]) == (404, "InvalidRequestException")
    assert client.delete(url).status_code == 404


def test_a_process_of_a_tenant_starts_only_for_the_callers_own(client: TestClient) -> None:
    deploy(client, ("invoice.bpmn", INVOICE))
    own = client.post(f"{REST}/process-definition/key/invoice/tenant-id/dev/start", json={})
    assert own.status_code == 200
    foreign = client.post(f"{REST}/process-definition/key/invoice/tenant-id/other/start", json={})
    assert foreign.status_code == 404


@pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
def test_messages_correlate_by_business_key_variables_or_to_all(client: TestClient) -> None:
    deploy(client, ("payment.bpmn", PAYMENT))
    first = start(client, "payment", businessKey="Z-1",
                  variables={"contract": {"value": "V-1", "type": "String"}})  # fmt: skip
    second = start(client, "payment", businessKey="Z-2",
                   variables={"contract": {"value": "V-2", "type": "String"}})  # fmt: skip
    third = start(client, "payment", businessKey="Z-3")
    message = {"messageName": "payment-received", "businessKey": "Z-2",
               "processVariables": {"amount": {"value": 99.5, "type": "Double"}},
               "resultEnabled": True, "variablesInResultEnabled": True}  # fmt: skip
    answer = client.post(f"{REST}/message", json=message)
    assert answer.status_code == 200, answer.text
    [result] = answer.json()
    assert result["processInstance"]["id"] == second["id"]
    assert result["processInstance"]["ended"] is True
    assert result["variables"]["amount"]["value"] == 99.5
    by_key = {"messageName": "payment-received",
              "correlationKeys": {"contract": {"value": "V-1", "type": "String"}}}  # fmt: skip
    assert client.post(f"{REST}/message", json=by_key).status_code == 204
    assert client.get(f"{REST}/process-instance/{first['id']}").status_code == 404  # ended
    unmatched = client.post(f"{REST}/message", json={**by_key, "businessKey": "Z-9"})
    assert unmatched.status_code == 400
    assert "Cannot correlate message 'payment-received'" in unmatched.json()["message"]
    fourth = start(client, "payment", businessKey="Z-4")
    addressed = client.post(
        f"{REST}/message",
        json={
            "messageName": "payment-received",
            "all": False,
            "businessKey": None,
            "processInstanceId": third["id"],
        },
    )
    assert addressed.status_code == 204
    everyone = {"messageName": "payment-received", "all": True, "resultEnabled": True}
    reached = client.post(f"{REST}/message", json=everyone).json()
    assert [r["processInstance"]["id"] for r in reached] == [fourth["id"]]


def test_a_signal_reaches_every_waiting_instance(client: TestClient) -> None:
    deploy(client, ("alarm.bpmn", ALARM))
    waiting = [start(client, "alarm")["id"] for _ in range(2)]
    body = {"name": "storm-warning", "variables": {"level": {"value": 3, "type": "Integer"}}}
    assert client.post(f"{REST}/signal", json=body).status_code == 204
    assert client.get(f"{REST}/process-instance/count").json() == {"count": 0}
    for instance_id in waiting:
        assert client.get(f"{REST}/process-instance/{instance_id}").status_code == 404
    one = client.post(f"{REST}/signal", json={**body, "executionId": "x"})
    assert (one.status_code, one.json()["type"]) == (400, "InvalidRequestException")
