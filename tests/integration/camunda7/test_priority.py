"""External-task priorities (``camunda:taskPriority``) and fetching with ``usePriority``."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from kontor.bootstrap import Kontor
from kontor.web import create_app
from support.backends import BACKENDS
from support.camunda7 import basic
from support.identity import api_caller
from support.kontor_app import kontor_on

REST = "/engine-rest"


def model(key: str, priority: str | None) -> str:
    """A process with one external task on topic ``score`` of the given priority attribute."""
    attribute = f'camunda:taskPriority="{priority}"' if priority is not None else ""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="{key}" targetNamespace="Examples">
  <process id="{key}" isExecutable="true">
    <startEvent id="start"/>
    <sequenceFlow id="f1" sourceRef="start" targetRef="score"/>
    <serviceTask id="score" camunda:type="external" camunda:topic="score" {attribute}/>
    <sequenceFlow id="f2" sourceRef="score" targetRef="done"/>
    <endEvent id="done"/>
  </process>
</definitions>"""


@pytest.fixture
def client(engine: Engine) -> Iterator[TestClient]:
    kontor: Kontor = kontor_on(engine)
    caller = api_caller(kontor)
    with TestClient(create_app(kontor.settings, kontor), headers=basic(caller.token)) as test:
        test.app.state.test_bearer = caller.headers  # type: ignore[attr-defined]
        yield test


def start(client: TestClient, key: str, priority: str | None, **variables: Any) -> None:
    files = [(f"{key}.bpmn", (f"{key}.bpmn", model(key, priority).encode(), "application/xml"))]
    client.post(f"{REST}/deployment/create", data={"deployment-name": key}, files=files)
    typed = {name: {"value": value} for name, value in variables.items()}
    answer = client.post(f"{REST}/process-definition/key/{key}/start", json={"variables": typed})
    assert answer.status_code == 200, answer.text


def fetch(client: TestClient, **extra: Any) -> list[dict[str, Any]]:
    body = {"workerId": "w", "maxTasks": 10, **extra,
            "topics": [{"topicName": "score", "lockDuration": 60_000}]}  # fmt: skip
    answer = client.post(f"{REST}/external-task/fetchAndLock", json=body)
    assert answer.status_code == 200, answer.text
    locked: list[dict[str, Any]] = answer.json()
    return locked


@pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
def test_use_priority_hands_out_the_highest_priority_first(client: TestClient) -> None:
    start(client, "routine", None)
    start(client, "urgent", "10")
    start(client, "computed", "=level * 10", level=2)
    listed = client.get(f"{REST}/external-task", params={"topicName": "score"}).json()
    assert [(t["processDefinitionKey"], t["priority"]) for t in listed] == [
        ("routine", 0), ("urgent", 10), ("computed", 20),
    ]  # fmt: skip
    locked = fetch(client, usePriority=True)
    assert [t["processDefinitionKey"] for t in locked] == ["computed", "urgent", "routine"]
    assert [t["priority"] for t in locked] == [20, 10, 0]


def test_without_use_priority_the_oldest_comes_first(client: TestClient) -> None:
    start(client, "routine", None)
    start(client, "urgent", "10")
    assert [t["processDefinitionKey"] for t in fetch(client)] == ["routine", "urgent"]


def test_kontors_own_fetch_takes_use_priority_too(client: TestClient) -> None:
    start(client, "routine", None)
    start(client, "urgent", "10")
    body = {"worker_id": "w", "max_tasks": 1, "use_priority": True,
            "topics": [{"name": "score", "lock_duration_ms": 60_000}]}  # fmt: skip
    answer = client.post("/api/process/external-tasks/fetch-and-lock", json=body,
                         headers=client.app.state.test_bearer)  # type: ignore[attr-defined]  # fmt: skip
    assert answer.status_code == 200, answer.text
    assert [task["process_key"] for task in answer.json()] == ["urgent"]


def test_a_priority_that_is_no_whole_number_raises_an_incident(client: TestClient) -> None:
    start(client, "odd", "=&quot;hoch&quot;")
    assert fetch(client) == []
    [incident] = client.get(f"{REST}/incident").json()
    assert "not a whole number" in incident["incidentMessage"]
