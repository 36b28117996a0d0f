"""Bulk actions: one request, a result per task, and a task that refuses does not stop the rest."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from kontor.bootstrap import Kontor
from kontor.messaging import FakeClock
from kontor.platform import UNDERWRITERS, TenantKind
from support.backends import BACKENDS
from support.identity import Caller, api_caller
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


def underwriter(kontor: Kontor, name: str, tenant: str = "test") -> Caller:
    return api_caller(
        kontor, tenant, kind=TenantKind.INSURER, group=UNDERWRITERS, login=f"{name}@{tenant}.test"
    )


def new_task(client: TestClient, caller: Caller, name: str) -> str:
    body = {"name": name, "candidate_groups": [UNDERWRITERS]}
    response = client.post("/api/tasks", json=body, headers=caller.headers)
    assert response.status_code == 201, response.text
    return str(response.json()["task_id"])


def bulk(client: TestClient, caller: Caller, **body: Any) -> dict[str, Any]:
    response = client.post("/api/tasks/bulk", json=body, headers=caller.headers)
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


def outcomes(result: dict[str, Any]) -> list[tuple[bool, Any]]:
    return [
        (i["ok"], i["state"] if i["ok"] else (i["problem"]["status"], i["problem"]["code"]))
        for i in result["items"]
    ]


def test_each_selected_task_gets_its_own_result_and_a_refusal_stops_none_of_the_others(
    kontor: Kontor, client: TestClient
) -> None:
    anna, ben = underwriter(kontor, "anna"), underwriter(kontor, "ben")
    first, second, taken = (new_task(client, anna, n) for n in ("Eins", "Zwei", "Drei"))
    client.post(f"/api/tasks/{taken}/claim", json={}, headers=anna.headers)
    other_tenant = new_task(client, underwriter(kontor, "cleo", "fremd"), "Fremd")
    selection = {"task_ids": [first, "no-such-task", taken, other_tenant, second]}
    result = bulk(client, ben, operation="claim", selection=selection)
    assert outcomes(result) == [
        (True, "reserved"),
        (False, (404, "casework.task_not_found")),
        (False, (409, "casework.invalid_task_transition")),
        (False, (404, "casework.task_not_found")),
        (True, "reserved"),
    ]
    assert (result["succeeded"], result["failed"]) == (2, 3)
    mine = client.get("/api/tasks", params={"view": "mine"}, headers=ben.headers).json()
    assert sorted(t["task_id"] for t in mine["items"]) == sorted([first, second])


def test_all_tasks_matching_a_filter_are_completed_with_the_same_data(
    kontor: Kontor, client: TestClient
) -> None:
    anna = underwriter(kontor, "anna")
    ids = [new_task(client, anna, name) for name in ("Brief A", "Brief B", "Anruf")]
    bulk(client, anna, operation="claim", selection={"task_ids": ids})
    letters = {"field": "name", "op": "contains", "value": "brief"}
    data = {"erledigt": True, "briefe": 2}
    result = bulk(client, anna, operation="complete", arguments={"data": data},
                  selection={"filter": letters, "view": "mine"})  # fmt: skip
    assert outcomes(result) == [(True, "completed"), (True, "completed")]
    done = client.get(f"/api/tasks/{ids[0]}", headers=anna.headers).json()
    assert done["variables"] == {"erledigt": True, "briefe": 2}
    left = client.get("/api/tasks", params={"view": "mine"}, headers=anna.headers).json()
    assert [t["name"] for t in left["items"]] == ["Anruf"]
    again = bulk(client, anna, operation="complete", selection={"filter": letters, "view": "mine"})
    assert again == {"items": [], "succeeded": 0, "failed": 0}  # nothing matches any more


def test_an_unclear_bulk_request_is_refused_before_any_task_changes(
    kontor: Kontor, client: TestClient
) -> None:
    anna = underwriter(kontor, "anna")
    task = new_task(client, anna, "Eins")
    both = {"task_ids": [task], "filter": {"field": "name", "op": "eq", "value": "Eins"}}
    wrong = [
        ({"operation": "claim", "selection": both}, "body.selection"),
        ({"operation": "fly", "selection": {"task_ids": [task]}}, "operation"),
        ({"operation": "claim", "selection": {"filter": {"field": "x", "op": "eq", "value": 1}}},
         "selection.filter.field"),
        ({"operation": "delegate", "arguments": {"colour": "rot"},
          "selection": {"task_ids": [task]}}, "body.arguments.colour"),
        ({"operation": "delegate", "selection": {"task_ids": [task]}}, "arguments.user_id"),
        ({"operation": "claim", "arguments": {"reason": "x"}, "selection": {"task_ids": [task]}},
         "arguments.reason"),
    ]  # fmt: skip
    for body, field in wrong:
        response = client.post("/api/tasks/bulk", json=body, headers=anna.headers)
        assert response.status_code == 422, response.text
        assert field in response.text
    assert client.get(f"/api/tasks/{task}", headers=anna.headers).json()["state"] == "ready"


def test_a_selection_over_the_bulk_cap_is_refused_naming_the_cap(engine: Engine) -> None:
    kontor = kontor_on(engine, FakeClock(NOW), task_bulk_max=2)
    with app_client(kontor) as client:
        anna = underwriter(kontor, "anna")
        ids = [new_task(client, anna, name) for name in ("Brief A", "Brief B", "Brief C")]
        too_many = {"operation": "claim", "selection": {"task_ids": ids}}
        by_filter = {
            "operation": "claim",
            "selection": {"filter": {"field": "name", "op": "contains", "value": "brief"}},
        }
        for body, field in ((too_many, "selection.task_ids"), (by_filter, "selection.filter")):
            response = client.post("/api/tasks/bulk", json=body, headers=anna.headers)
            assert response.status_code == 422, response.text
            problem = response.json()
            assert (problem["code"], problem["field"], problem["limit"]) == (
                "casework.bulk_too_large",
                field,
                2,
            )
            assert "at most 2" in problem["detail"] or "more than 2" in problem["detail"]
        states = {client.get(f"/api/tasks/{i}", headers=anna.headers).json()["state"] for i in ids}
        assert states == {"ready"}  # nothing was claimed
        assert (
            bulk(client, anna, operation="claim", selection={"task_ids": ids[:2]})["succeeded"] == 2
        )
