"""The task API: work lists, operations with their problems, standalone tasks."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from kontor.bootstrap import Kontor
from kontor.messaging import FakeClock
from kontor.platform import UNDERWRITERS, TenantKind
from support.backends import BACKENDS
from support.identity import TEST_TENANT, Caller, api_caller
from support.kontor_app import app_client, kontor_on

pytestmark = pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
NOW = dt.datetime(2026, 3, 2, 8, 0, tzinfo=dt.UTC)


@pytest.fixture
def kontor(engine: Engine) -> Kontor:
    return kontor_on(engine, FakeClock(NOW))


@pytest.fixture
def client(kontor: Kontor) -> Iterator[TestClient]:
    with app_client(kontor) as test_client:
        yield test_client


def underwriter(kontor: Kontor, name: str) -> Caller:
    return api_caller(kontor, kind=TenantKind.INSURER, group=UNDERWRITERS, login=f"{name}@t.test")


def new_task(client: TestClient, caller: Caller, **fields: object) -> dict[str, object]:
    body = {"name": "Call broker", "candidate_groups": [UNDERWRITERS], **fields}
    response = client.post("/api/tasks", json=body, headers=caller.headers)
    assert response.status_code == 201, response.text
    task: dict[str, object] = response.json()
    return task


def test_a_task_moves_through_work_lists_as_people_work_on_it(
    kontor: Kontor, client: TestClient
) -> None:
    anna, ben = underwriter(kontor, "anna"), underwriter(kontor, "ben")
    task = new_task(client, anna)
    url = f"/api/tasks/{task['task_id']}"
    queue = client.get("/api/tasks", params={"view": "candidate"}, headers=ben.headers).json()
    assert [t["task_id"] for t in queue["items"]] == [task["task_id"]]
    claimed = client.post(f"{url}/claim", json={}, headers=ben.headers).json()
    assert (claimed["state"], claimed["assignee"]) == ("reserved", ben.principal.user_id)
    mine = client.get("/api/tasks", params={"view": "mine"}, headers=ben.headers).json()
    assert [t["task_id"] for t in mine["items"]] == [task["task_id"]]
    delegated = {"user_id": anna.principal.user_id, "reason": "you know the broker"}
    client.post(f"{url}/delegate", json=delegated, headers=ben.headers)
    by_me = client.get("/api/tasks", params={"view": "delegated"}, headers=ben.headers).json()
    assert [t["task_id"] for t in by_me["items"]] == [task["task_id"]]
    client.post(f"{url}/save_draft", json={"data": {"called": True}}, headers=anna.headers)
    client.post(f"{url}/resolve", json={}, headers=anna.headers)
    done = client.post(f"{url}/complete", json={"data": {"ok": 1}}, headers=ben.headers).json()
    assert done["state"] == "completed"
    assert done["variables"] == {"called": True, "ok": 1}
    assert [(h["operation"], h["reason"]) for h in done["history"]] == [
        ("create", None), ("claim", None), ("delegate", "you know the broker"),
        ("save_draft", None), ("resolve", None), ("complete", None),
    ]  # fmt: skip
    count = client.get("/api/tasks/count", headers=ben.headers).json()
    assert count == {"count": 0, "estimated": False}  # completed tasks leave the open work lists


def test_refused_operations_are_problems_naming_state_operation_and_field(
    kontor: Kontor, client: TestClient
) -> None:
    anna = underwriter(kontor, "anna")
    task = new_task(client, anna)
    url = f"/api/tasks/{task['task_id']}"
    refused = client.post(f"{url}/complete", json={}, headers=anna.headers)
    assert refused.status_code == 409
    assert refused.headers["content-type"] == "application/problem+json"
    problem = refused.json()
    assert (problem["state"], problem["operation"]) == ("ready", "complete")
    client.post(f"{url}/claim", json={}, headers=anna.headers)
    no_reason = client.post(f"{url}/reject", json={"reason": " "}, headers=anna.headers)
    assert (no_reason.status_code, no_reason.json()["field"]) == (422, "reason")
    stray = client.post(f"{url}/release", json={"user_id": "x"}, headers=anna.headers)
    assert (stray.status_code, stray.json()["field"]) == (422, "user_id")
    unknown = client.post(f"{url}/teleport", json={}, headers=anna.headers)
    assert unknown.status_code == 422
    missing = client.post("/api/tasks/nope/claim", json={}, headers=anna.headers)
    assert (missing.status_code, missing.json()["code"]) == (404, "casework.task_not_found")
    after = client.get(url, headers=anna.headers).json()
    assert [h["operation"] for h in after["history"]] == ["create", "claim"]


def test_work_lists_sort_by_due_date_and_page_with_a_cursor(
    kontor: Kontor, client: TestClient
) -> None:
    anna = underwriter(kontor, "anna")
    for day in (3, 1, 2):
        due = (NOW + dt.timedelta(days=day)).isoformat()
        new_task(client, anna, name=f"day {day}", due_at=due)
    new_task(client, anna, name="undated")
    names, cursor = [], None
    while True:
        params = {"limit": 2, "sort": "due", **({"cursor": cursor} if cursor else {})}
        page = client.get("/api/tasks", params=params, headers=anna.headers).json()
        names += [t["name"] for t in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert names == ["day 1", "day 2", "day 3", "undated"]
    kontor.clock.advance(dt.timedelta(days=2, hours=1))  # type: ignore[attr-defined]
    overdue = client.get("/api/tasks", params={"view": "overdue"}, headers=anna.headers).json()
    assert [t["name"] for t in overdue["items"]] == ["day 1", "day 2"]
    count = client.get("/api/tasks/count", params={"view": "overdue"}, headers=anna.headers)
    assert count.json() == {"count": 2, "estimated": False}


def test_only_managers_assign_others_tasks(kontor: Kontor, client: TestClient) -> None:
    anna, ben = underwriter(kontor, "anna"), underwriter(kontor, "ben")
    task = new_task(client, anna)
    url = f"/api/tasks/{task['task_id']}/assign"
    refused = client.post(url, json={"user_id": ben.principal.user_id}, headers=ben.headers)
    assert refused.status_code == 403
    lead = api_caller(kontor, TEST_TENANT, kind=TenantKind.INSURER, group=UNDERWRITERS,
                      login="lead@t.test", grants=["tasks:manage"])  # fmt: skip
    assigned = client.post(url, json={"user_id": ben.principal.user_id}, headers=lead.headers)
    assert assigned.json()["assignee"] == ben.principal.user_id
