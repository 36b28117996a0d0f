"""Saved filters: private or shared to a group, checked against the table's fields, and the
work list narrowed by a saved or inline filter, including one on the case's data."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from kontor.bootstrap import Kontor, bootstrap
from kontor.messaging import FakeClock
from kontor.platform import UNDERWRITERS, TenantKind
from kontor.settings import Environment, Settings
from support.backends import BACKENDS
from support.cases import case_types
from support.identity import Caller, api_caller
from support.kontor_app import app_client

pytestmark = pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
NOW = dt.datetime(2026, 3, 2, 8, 0, tzinfo=dt.UTC)


@pytest.fixture
def kontor(engine: Engine) -> Kontor:
    settings = Settings(environment=Environment.TEST, secret_key="a-real-secret-for-tests")
    return bootstrap(settings, engine=engine, clock=FakeClock(NOW), case_types=case_types())


@pytest.fixture
def client(kontor: Kontor) -> Iterator[TestClient]:
    with app_client(kontor) as test_client:
        yield test_client


def underwriter(kontor: Kontor, name: str) -> Caller:
    return api_caller(kontor, kind=TenantKind.INSURER, group=UNDERWRITERS, login=f"{name}@t.test")


def new_task(client: TestClient, caller: Caller, **fields: Any) -> str:
    body = {"name": "Prüfen", "candidate_groups": [UNDERWRITERS], **fields}
    response = client.post("/api/tasks", json=body, headers=caller.headers)
    assert response.status_code == 201, response.text
    return str(response.json()["task_id"])


def new_case(client: TestClient, caller: Caller, key: str, amount: Any) -> str:
    data = {"claim_number": key, "amount": amount, "insured": {"name": "Jörg"}}
    body = {"case_type": "claim", "business_key": key, "title": f"Schaden {key}", "data": data}
    response = client.post("/api/cases", json=body, headers=caller.headers)
    assert response.status_code == 201, response.text
    return str(response.json()["case_id"])


def names(client: TestClient, caller: Caller, **params: Any) -> list[str]:
    response = client.get(
        "/api/tasks", params={"sort": "priority", **params}, headers=caller.headers
    )
    assert response.status_code == 200, response.text
    return [t["name"] for t in response.json()["items"]]


def test_a_work_list_is_narrowed_by_an_and_or_tree_over_task_and_case_fields(
    kontor: Kontor, client: TestClient
) -> None:
    anna = underwriter(kontor, "anna")
    big, small = new_case(client, anna, "S-1", 25000.5), new_case(client, anna, "S-2", 80)
    new_task(client, anna, name="Großschaden prüfen", priority=90, case_id=big)
    new_task(client, anna, name="Kleinschaden prüfen", priority=70, case_id=small)
    new_task(client, anna, name="Rückruf Makler", priority=40, candidate_groups=["vertrieb"])
    new_task(client, anna, name="Ablage", priority=10, variables={"kanal": "Post"})
    tree = {"any": [
        {"all": [{"field": "case.data.amount", "op": "gt", "value": 1000},
                 {"field": "candidate_group", "op": "eq", "value": UNDERWRITERS}]},
        {"field": "candidate_group", "op": "in", "value": ["vertrieb"]},
    ]}  # fmt: skip
    assert names(client, anna, filter=json.dumps(tree)) == ["Großschaden prüfen", "Rückruf Makler"]
    by_name = {"field": "case.data.insured.name", "op": "contains", "value": "jör"}
    assert names(client, anna, filter=json.dumps(by_name)) == [
        "Großschaden prüfen", "Kleinschaden prüfen"
    ]  # fmt: skip
    no_case = {"field": "case_id", "op": "is_empty", "value": True}
    assert names(client, anna, filter=json.dumps(no_case)) == ["Rückruf Makler", "Ablage"]
    variable = {"field": "variables.kanal", "op": "eq", "value": "Post"}
    assert names(client, anna, filter=json.dumps(variable)) == ["Ablage"]
    text_vs_number = {"field": "case.data.claim_number", "op": "lt", "value": 5}
    assert names(client, anna, filter=json.dumps(text_vs_number)) == []  # no error, no match
    digits = {"field": "case.data.amount", "op": "contains", "value": 250}
    assert names(client, anna, filter=json.dumps(digits)) == ["Großschaden prüfen"]
    mixed = {"field": "case.data.claim_number", "op": "in", "value": ["S-2", 7]}
    assert names(client, anna, filter=json.dumps(mixed)) == ["Kleinschaden prüfen"]
    without = {"field": "case.data.amount", "op": "is_empty", "value": True}
    assert names(client, anna, filter=json.dumps(without)) == ["Rückruf Makler", "Ablage"]
    assert names(client, anna, q="MAKLER") == ["Rückruf Makler"]
    count = client.get(
        "/api/tasks/count", params={"filter": json.dumps(tree)}, headers=anna.headers
    ).json()
    assert count == {"count": 2, "estimated": False}


def test_a_saved_filter_is_private_until_shared_to_a_group_and_only_its_owner_changes_it(
    kontor: Kontor, client: TestClient
) -> None:
    anna, ben = underwriter(kontor, "anna"), underwriter(kontor, "ben")
    new_task(client, anna, name="Eilig", priority=95)
    new_task(client, anna, name="Später", priority=20)
    body = {"table_id": "tasks", "name": "Dringend",
            "definition": {"field": "priority", "op": "ge", "value": 80}}  # fmt: skip
    created = client.post("/api/saved-filters", json=body, headers=anna.headers)
    assert created.status_code == 201, created.text
    saved = created.json()
    assert (saved["mine"], saved["shared_group"]) == (True, None)
    assert names(client, anna, filter_id=saved["filter_id"]) == ["Eilig"]
    url = f"/api/saved-filters/{saved['filter_id']}"
    assert client.get(url, headers=ben.headers).status_code == 404
    assert client.get("/api/tasks", params={"filter_id": saved["filter_id"]},
                      headers=ben.headers).status_code == 404  # fmt: skip
    shared = client.patch(url, json={"shared_group": UNDERWRITERS}, headers=anna.headers)
    assert shared.json()["shared_group"] == UNDERWRITERS
    seen = client.get("/api/saved-filters", params={"table_id": "tasks"}, headers=ben.headers)
    assert [(f["name"], f["mine"]) for f in seen.json()] == [("Dringend", False)]
    assert names(client, ben, filter_id=saved["filter_id"]) == ["Eilig"]
    refused = client.patch(url, json={"name": "Meins"}, headers=ben.headers)
    assert (refused.status_code, refused.json()["code"]) == (403, "filters.not_owner")
    assert client.delete(url, headers=ben.headers).status_code == 403
    twice = client.post("/api/saved-filters", json=body, headers=anna.headers)
    assert (twice.status_code, twice.json()["code"]) == (409, "filters.name_taken")
    private = client.patch(url, json={"shared_group": None}, headers=anna.headers)
    assert private.json()["shared_group"] is None
    assert client.get(url, headers=ben.headers).status_code == 404
    assert client.delete(url, headers=anna.headers).status_code == 204
    assert client.get(url, headers=anna.headers).status_code == 404


@pytest.mark.parametrize(
    ("definition", "field"),
    [
        ({"field": "colour", "op": "eq", "value": "rot"}, "definition.field"),
        ({"field": "priority", "op": "contains", "value": "5"}, "definition.op"),
        ({"field": "priority", "op": "like", "value": 5}, "definition.op"),
        ({"field": "priority", "op": "gt", "value": "viel"}, "definition.value"),
        ({"field": "due_at", "op": "lt", "value": "morgen"}, "definition.value"),
        ({"all": [{"field": "name", "op": "eq", "value": 1}]}, "definition.all[0].value"),
        ({"any": []}, "definition.any"),
        ({"field": "name", "op": "in", "value": "x"}, "definition.value"),
        ({"field": "name", "op": "is_empty", "value": "ja"}, "definition.value"),
        ({"field": "case.data.", "op": "eq", "value": 1}, "definition.field"),
        ({"field": "name", "op": "eq"}, "definition.value"),
        ({"field": "name", "op": "eq", "value": "x", "extra": 1}, "definition"),
        ({"field": "priority", "op": "gt", "value": 1e30}, "definition.value"),
        ({"field": "case.data.amount", "op": "gt", "value": -1e30}, "definition.value"),
        ({"field": "due_at", "op": "lt", "value": "0001-01-01T00:00:00+14:00"}, "definition.value"),
    ],
)
def test_a_filter_the_table_cannot_answer_is_refused_naming_the_place(
    kontor: Kontor, client: TestClient, definition: dict[str, Any], field: str
) -> None:
    anna = underwriter(kontor, "anna")
    body = {"table_id": "tasks", "name": "Kaputt", "definition": definition}
    response = client.post("/api/saved-filters", json=body, headers=anna.headers)
    assert response.status_code == 422, response.text
    assert response.json()["field"] == field
    inline = client.get("/api/tasks", params={"filter": json.dumps(definition)},
                        headers=anna.headers)  # fmt: skip
    assert inline.status_code == 422
    assert client.get("/api/saved-filters", headers=anna.headers).json() == []


def test_a_table_tells_which_fields_its_filters_may_name(
    kontor: Kontor, client: TestClient
) -> None:
    anna = underwriter(kontor, "anna")
    offered = client.get("/api/saved-filters/tables/tasks", headers=anna.headers).json()
    assert {"name": "due_at", "kind": "moment", "label": "Fällig am"} in offered["fields"]
    assert offered["open_prefixes"] == ["case.data.", "variables."]
    unknown = client.get("/api/saved-filters/tables/nothing", headers=anna.headers)
    assert (unknown.status_code, unknown.json()["field"]) == (422, "table_id")


def test_a_saved_filter_opens_the_work_list_in_its_own_order_unless_one_is_asked_for(
    kontor: Kontor, client: TestClient
) -> None:
    anna = underwriter(kontor, "anna")
    new_task(client, anna, name="Früh, unwichtig", priority=10, due_at="2026-03-03T08:00:00Z")
    new_task(client, anna, name="Spät, dringend", priority=90, due_at="2026-03-09T08:00:00Z")
    body = {"table_id": "tasks", "name": "Nach Priorität", "sort": "priority",
            "definition": {"field": "priority", "op": "ge", "value": 0}}  # fmt: skip
    saved = client.post("/api/saved-filters", json=body, headers=anna.headers).json()

    def listed(**params: Any) -> list[str]:
        found = client.get("/api/tasks", params={"filter_id": saved["filter_id"], **params},
                           headers=anna.headers)  # fmt: skip
        return [t["name"] for t in found.json()["items"]]

    assert listed() == ["Spät, dringend", "Früh, unwichtig"]
    assert listed(sort="due") == ["Früh, unwichtig", "Spät, dringend"]
