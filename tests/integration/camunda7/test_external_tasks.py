"""Camunda 7's external-task resource: fetch and lock, complete, fail, BPMN errors, locks."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from kontor.bootstrap import Kontor
from kontor.messaging import FakeClock
from kontor.web import create_app
from support.backends import BACKENDS
from support.camunda7 import INVOICE, basic
from support.identity import api_caller
from support.kontor_app import kontor_on
from support.messaging import WAIT_BOUND_SECONDS, wait_for

REST = "/engine-rest"
TASKS = f"{REST}/external-task"
WORKER = "worker-1"


@pytest.fixture
def kontor(engine: Engine) -> Kontor:
    return kontor_on(engine)


@pytest.fixture
def client(kontor: Kontor) -> Iterator[TestClient]:
    """A client sending a Kontor token the way Camunda clients do: as the Basic password."""
    caller = api_caller(kontor)
    with TestClient(create_app(kontor.settings, kontor), headers=basic(caller.token)) as test:
        test.app.state.test_bearer = caller.headers  # type: ignore[attr-defined]
        yield test


def clock_of(kontor: Kontor) -> FakeClock:
    assert isinstance(kontor.clock, FakeClock)
    return kontor.clock


def start_invoice(client: TestClient, **variables: Any) -> str:
    """Deploy (once) and start the invoice process through Kontor's API; its instance id."""
    bearer = client.app.state.test_bearer  # type: ignore[attr-defined]
    client.post("/api/process/definitions", content=INVOICE,
                headers={"content-type": "application/xml", **bearer})  # fmt: skip
    started = client.post("/api/process/definitions/invoice/start",
                          json={"variables": variables}, headers=bearer)  # fmt: skip
    assert started.status_code == 201, started.text
    instance_id: str = started.json()["instance_id"]
    return instance_id


def fetch(client: TestClient, topic: str = "check-invoice", **extra: Any) -> list[dict[str, Any]]:
    body = {"workerId": WORKER, "maxTasks": 5,
            "topics": [{"topicName": topic, "lockDuration": 60_000, **extra}]}  # fmt: skip
    answer = client.post(f"{TASKS}/fetchAndLock", json=body)
    assert answer.status_code == 200, answer.text
    tasks: list[dict[str, Any]] = answer.json()
    return tasks


def instance(client: TestClient, instance_id: str) -> dict[str, Any]:
    bearer = client.app.state.test_bearer  # type: ignore[attr-defined]
    shown: dict[str, Any] = client.get(
        f"/api/process/instances/{instance_id}", headers=bearer
    ).json()
    return shown


@pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
def test_a_worker_fetches_typed_variables_and_completes_with_typed_ones(
    client: TestClient,
) -> None:
    instance_id = start_invoice(client, amount=1250.75, customer="Bea", big=2**40, items=[1, 2])
    [task] = fetch(client)
    assert task["topicName"] == "check-invoice"
    assert task["activityId"] == "check"
    assert task["processInstanceId"] == instance_id
    assert task["processDefinitionKey"] == "invoice"
    assert task["workerId"] == WORKER
    assert task["retries"] is None  # Camunda's value until the first failure
    assert task["variables"]["amount"] == {"type": "Double", "value": 1250.75, "valueInfo": {}}
    assert task["variables"]["customer"]["type"] == "String"
    assert task["variables"]["big"] == {"type": "Long", "value": 2**40, "valueInfo": {}}
    assert task["variables"]["items"] == {"type": "Json", "value": "[1, 2]", "valueInfo": {}}
    result = {
        "approved": {"value": True, "type": "Boolean"},
        "checkedAt": {"value": "2026-06-30T21:44:30.000+0200", "type": "Date"},
        "fee": {"value": "19.99", "type": "Double"},
        "note": {"value": None, "type": "Null"},
        "ledger": {"value": '{"account": 4711, "rate": 0.19}', "type": "Json"},
    }
    done = client.post(f"{TASKS}/{task['id']}/complete",
                       json={"workerId": WORKER, "variables": result})  # fmt: skip
    assert done.status_code == 204, done.text
    [book] = fetch(client, "book-invoice", variables=["approved", "checkedAt", "fee", "ledger"])
    ledger = book["variables"].pop("ledger")
    assert book["variables"] == {
        "approved": {"type": "Boolean", "value": True, "valueInfo": {}},
        "checkedAt": {"type": "Date", "value": "2026-06-30T21:44:30.000+0200", "valueInfo": {}},
        "fee": {"type": "Double", "value": 19.99, "valueInfo": {}},
    }
    assert ledger["type"] == "Json"  # JSON text, its keys in any order (PostgreSQL sorts them)
    assert json.loads(ledger["value"]) == {"account": 4711, "rate": 0.19}
    variables = instance(client, instance_id)["variables"]
    assert variables["fee"] == 19.99
    assert variables["note"] is None
    assert variables["ledger"] == {"account": 4711, "rate": 0.19}
    client.post(f"{TASKS}/{book['id']}/complete", json={"workerId": WORKER})
    assert instance(client, instance_id)["status"] == "completed"


def test_decimals_stay_exact_both_ways(client: TestClient) -> None:
    start_invoice(client)
    [task] = fetch(client)
    body = '{"workerId": "worker-1", "variables": {"premium": {"value": 1234567890.123456789}}}'
    done = client.post(f"{TASKS}/{task['id']}/complete", content=body,
                       headers={"content-type": "application/json"})  # fmt: skip
    assert done.status_code == 204, done.text
    answer = client.post(
        f"{TASKS}/fetchAndLock",
        json={"workerId": WORKER, "topics": [{"topicName": "book-invoice", "lockDuration": 1000}]},
    )
    assert '"premium": {"type": "Double", "value": 1234567890.123456789' in answer.text


def test_failures_offer_the_task_again_after_the_timeout_then_raise_an_incident(
    client: TestClient, kontor: Kontor
) -> None:
    instance_id = start_invoice(client)
    [task] = fetch(client)
    failure = {"workerId": WORKER, "errorMessage": "Buchhaltung nicht erreichbar",
               "retries": 1, "retryTimeout": 30_000}  # fmt: skip
    assert client.post(f"{TASKS}/{task['id']}/failure", json=failure).status_code == 204
    assert fetch(client) == []  # not before the timeout
    clock_of(kontor).advance(dt.timedelta(seconds=30))
    [again] = fetch(client)
    assert (again["id"], again["retries"]) == (task["id"], 1)
    assert again["errorMessage"] == "Buchhaltung nicht erreichbar"
    last = {**failure, "retries": 0}
    assert client.post(f"{TASKS}/{task['id']}/failure", json=last).status_code == 204
    [incident] = instance(client, instance_id)["incidents"]
    assert "Buchhaltung nicht erreichbar" in incident["reason"]
    clock_of(kontor).advance(dt.timedelta(minutes=5))
    assert fetch(client) == []
    listed = client.get(TASKS, params={"noRetriesLeft": "true"}).json()
    assert [(t["id"], t["retries"]) for t in listed] == [(task["id"], 0)]


def test_a_bpmn_error_is_caught_by_the_boundary_event(client: TestClient) -> None:
    instance_id = start_invoice(client)
    [task] = fetch(client)
    error = {"workerId": WORKER, "errorCode": "NO_BUDGET", "errorMessage": "Budget erschöpft",
             "variables": {"reason": {"value": "budget", "type": "String"}}}  # fmt: skip
    assert client.post(f"{TASKS}/{task['id']}/bpmnError", json=error).status_code == 204
    shown = instance(client, instance_id)
    assert shown["status"] == "completed"
    assert shown["variables"]["reason"] == "budget"
    assert fetch(client, "book-invoice") == []


def test_locks_belong_to_their_worker_until_extended_unlocked_or_expired(
    client: TestClient, kontor: Kontor
) -> None:
    start_invoice(client)
    [task] = fetch(client)
    other = {"workerId": "worker-2"}
    refused = client.post(f"{TASKS}/{task['id']}/complete", json=other)
    assert refused.status_code == 400
    assert refused.json()["type"] == "BadUserRequestException"
    assert "worker-2" in refused.json()["message"]
    extended = client.post(f"{TASKS}/{task['id']}/extendLock",
                           json={"workerId": WORKER, "newDuration": 600_000})  # fmt: skip
    assert extended.status_code == 204
    clock_of(kontor).advance(dt.timedelta(minutes=5))
    assert fetch(client) == []  # still locked: the extension holds
    assert client.get(f"{TASKS}/count", params={"locked": "true"}).json() == {"count": 1}
    assert client.post(f"{TASKS}/{task['id']}/unlock").status_code == 204
    [again] = fetch(client)
    assert again["id"] == task["id"]
    assert client.get(f"{TASKS}/{task['id']}").json()["workerId"] == WORKER


def test_unknown_tasks_and_bad_requests_answer_as_camunda_does(client: TestClient) -> None:
    missing = client.post(f"{TASKS}/nope/complete", json={"workerId": WORKER})
    assert missing.status_code == 404
    assert missing.json()["type"] == "NotFoundException"
    assert client.get(f"{TASKS}/nope").status_code == 404
    no_worker = client.post(f"{TASKS}/fetchAndLock", json={"topics": []})
    assert no_worker.status_code == 400
    assert no_worker.json()["type"] == "InvalidRequestException"
    assert "workerId" in no_worker.json()["message"]
    start_invoice(client)
    [task] = fetch(client)
    wrong = {"workerId": WORKER, "variables": {"n": {"value": "zwölf", "type": "Integer"}}}
    refused = client.post(f"{TASKS}/{task['id']}/complete", json=wrong)
    assert refused.status_code == 400
    assert "'n'" in refused.json()["message"]
    unsupported = client.post(
        f"{TASKS}/fetchAndLock",
        json={
            "workerId": WORKER,
            "topics": [{"topicName": "check-invoice", "lockDuration": 1000, "businessKey": "R-1"}],
        },
    )
    assert unsupported.status_code == 400
    assert "businessKey" in unsupported.json()["message"]


def test_credentials_are_a_kontor_token_as_basic_password_or_bearer(
    client: TestClient, kontor: Kontor
) -> None:
    body = {"workerId": WORKER, "topics": []}
    url = f"{TASKS}/fetchAndLock"
    anonymous = client.post(url, json=body, headers={"Authorization": ""})
    assert anonymous.status_code == 401
    assert anonymous.json()["type"] == "AuthenticationException"
    assert anonymous.headers["WWW-Authenticate"].startswith("Basic")
    wrong = client.post(url, json=body, headers=basic("kontor_pat_wrong"))
    assert wrong.status_code == 401
    caller = api_caller(kontor, login="bearer@dev.test")
    bearer = client.post(url, json=body, headers={"Authorization": f"Bearer {caller.token}"})
    assert (bearer.status_code, bearer.json()) == (200, [])


def test_a_long_poll_answers_with_a_task_that_appears_while_it_waits(
    client: TestClient, kontor: Kontor
) -> None:
    start_invoice(client)
    [first] = fetch(client)  # the model is deployed; nothing else is open
    body = {"workerId": WORKER, "asyncResponseTimeout": int(WAIT_BOUND_SECONDS * 1000),
            "topics": [{"topicName": "check-invoice", "lockDuration": 60_000}]}  # fmt: skip
    with ThreadPoolExecutor(1) as pool:
        waiting = pool.submit(client.post, f"{TASKS}/fetchAndLock", json=body)
        wait_for(lambda: in_progress(kontor) >= 1, "the long poll to reach the server")
        second = start_invoice(client)
        answer = waiting.result(timeout=WAIT_BOUND_SECONDS)
    assert answer.status_code == 200
    assert [task["processInstanceId"] for task in answer.json()] == [second]
    assert first["processInstanceId"] != second


def test_a_long_poll_without_tasks_answers_an_empty_list(client: TestClient) -> None:
    body = {"workerId": WORKER, "asyncResponseTimeout": 100,
            "topics": [{"topicName": "check-invoice", "lockDuration": 60_000}]}  # fmt: skip
    answer = client.post(f"{TASKS}/fetchAndLock", json=body)
    assert (answer.status_code, answer.json()) == (200, [])


def in_progress(kontor: Kontor) -> float:
    """How many HTTP requests the server is answering right now."""
    return kontor.metrics.get_sample_value("kontor_http_requests_in_progress") or 0.0
