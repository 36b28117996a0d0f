"""The rules pages over HTTP on SQLite and PostgreSQL: models and hook points listed, a hook
point bound and unbound, a wrong choice refused in German with nothing changed, readers without
``rules:bind`` refused, and another tenant's models and decision records not found."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from kontor.bootstrap import Kontor
from kontor.platform import ADMINISTRATORS, BROKERS, UNDERWRITERS, TenantKind
from support.backends import BACKENDS
from support.diagrams import routing_model
from support.identity import Caller, api_caller
from support.kontor_app import app_client, kontor_on

pytestmark = pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
MODEL = routing_model("routing", [('"Eilt"', "eilig", 90), ('not("Eilt")', "schaden", 40)])


@pytest.fixture
def kontor(engine: Engine) -> Kontor:
    return kontor_on(engine)


@pytest.fixture
def client(kontor: Kontor) -> Iterator[TestClient]:
    with app_client(kontor, pages=True) as test_client:
        yield test_client


def admin(kontor: Kontor, tenant: str = "versicherer") -> Caller:
    return api_caller(kontor, tenant, kind=TenantKind.INSURER, group=ADMINISTRATORS)


def deployed(client: TestClient, caller: Caller) -> None:
    answer = client.post(
        "/api/rules/deployments", files={"file": ("routing.dmn", MODEL.encode())},
        headers=caller.headers,
    )  # fmt: skip
    assert answer.status_code == 201, answer.text


def binding(client: TestClient, caller: Caller) -> object:
    hooks = client.get("/api/rules/hooks", headers=caller.headers).json()
    return next(hook["binding"] for hook in hooks if hook["name"] == "task.created")


def test_a_hook_point_is_bound_and_unbound_from_the_rules_page(
    kontor: Kontor, client: TestClient
) -> None:
    caller = admin(kontor)
    deployed(client, caller)
    page = client.get("/rules", headers=caller.headers)
    assert page.status_code == 200
    assert "Eine Aufgabe wurde angelegt" in page.text
    assert "routing · Route · Version 1" in page.text
    choice = json.dumps(["routing", "Route", 1])
    bound = client.post(
        "/rules/hooks/task.created", data={"decision": choice}, headers=caller.headers
    )
    assert bound.status_code == 204
    assert bound.headers["HX-Redirect"] == "/rules?done=bound"
    assert binding(client, caller) == {
        **binding(client, caller),  # type: ignore[dict-item]
        "model_key": "routing", "decision": "Route", "version": 1,
    }  # fmt: skip
    assert "Hook-Punkt gebunden." in client.get("/rules?done=bound", headers=caller.headers).text
    english = {**caller.headers, "Cookie": "kontor_lang=en"}
    assert "Hook point bound." in client.get("/rules?done=bound", headers=english).text
    unbound = client.post("/rules/hooks/task.created/unbind", headers=caller.headers)
    assert unbound.status_code == 204
    assert binding(client, caller) is None


@pytest.mark.parametrize(
    ("choice", "message", "status"),
    [
        ("", "Bitte eine Entscheidung auswählen.", 422),
        ('["routing", "Route", "eins"]', "Bitte eine Entscheidung auswählen.", 422),
        pytest.param(
            "[" * 5_000 + "]" * 5_000, "Bitte eine Entscheidung auswählen.", 422, id="too-deep"
        ),
        ('["routing", "Fehlt", null]', "Das Modell hat diese Entscheidung nicht.", 422),
        ('["fehlt", "Route", null]', "Dieses Entscheidungsmodell gibt es nicht.", 404),
    ],
)
def test_a_wrong_choice_is_refused_in_german_and_changes_nothing(
    kontor: Kontor, client: TestClient, choice: str, message: str, status: int
) -> None:
    caller = admin(kontor)
    deployed(client, caller)
    refused = client.post(
        "/rules/hooks/task.created", data={"decision": choice}, headers=caller.headers
    )
    assert refused.status_code == status
    assert message in refused.text
    assert binding(client, caller) is None
    unknown = client.post(
        "/rules/hooks/no.such.hook",
        data={"decision": json.dumps(["routing", "Route", None])},
        headers=caller.headers,
    )
    assert unknown.status_code == 422
    assert "Diesen Hook-Punkt gibt es nicht." in unknown.text


def test_readers_see_the_rules_but_may_not_bind_and_brokers_see_none(
    kontor: Kontor, client: TestClient
) -> None:
    deployed(client, admin(kontor))
    reader = api_caller(kontor, "versicherer", kind=TenantKind.INSURER, group=UNDERWRITERS)
    page = client.get("/rules", headers=reader.headers)
    assert page.status_code == 200
    assert "Binden" not in page.text
    choice = json.dumps(["routing", "Route", None])
    for path in ("/rules/hooks/task.created", "/rules/hooks/task.created/unbind"):
        refused = client.post(path, data={"decision": choice}, headers=reader.headers)
        assert refused.status_code == 403, path
    broker = api_caller(kontor, "makler", kind=TenantKind.BROKER, group=BROKERS)
    assert client.get("/rules", headers=broker.headers).status_code == 403


def test_another_tenants_models_and_decisions_are_not_found(
    kontor: Kontor, client: TestClient
) -> None:
    caller = admin(kontor)
    deployed(client, caller)
    bind = {"model_key": "routing", "decision": "Route"}
    client.put("/api/rules/hooks/task.created", json=bind, headers=caller.headers)
    task = client.post("/api/tasks", json={"name": "Eilt"}, headers=caller.headers)
    assert task.status_code == 201, task.text
    [record] = client.get("/api/rules/decisions", headers=caller.headers).json()
    mine = client.get(f"/rules/decisions/{record['record_id']}", headers=caller.headers)
    assert mine.status_code == 200
    assert "routing_r0" in mine.text
    other = admin(kontor, "zweiter")
    for path in (
        "/rules/models/routing/1",
        "/rules/models/routing/1/model.dmn",
        f"/rules/decisions/{record['record_id']}",
    ):
        assert client.get(path, headers=other.headers).status_code == 404, path
    assert record["record_id"] not in client.get("/rules/decisions", headers=other.headers).text
    assert 'data-model="routing"' not in client.get("/rules", headers=other.headers).text


SCENARIOS_CSV = (
    "name,decision,in:name,out:candidateGroups,out:priority\n"
    "eilig,Route,Eilt,eilig,90\n"
    "falsch erwartet,Route,Post,eilig,90\n"
)


def test_scenarios_run_from_the_model_page(kontor: Kontor, client: TestClient) -> None:
    caller = admin(kontor)
    deployed(client, caller)
    path = "/rules/models/routing/1/scenarios"
    assert (
        "Testfälle ausführen" in client.get("/rules/models/routing/1", headers=caller.headers).text
    )
    report = client.post(path, data={"scenarios": SCENARIOS_CSV}, headers=caller.headers)
    assert report.status_code == 200
    assert "Bestanden: 1 · Fehlgeschlagen: 1 · Gesamt: 2" in report.text
    assert '<tr class="failed"><td>falsch erwartet</td>' in report.text
    as_json = json.dumps(
        [{"decision": "Route", "input": {"name": "Eilt"},
          "expected": {"candidateGroups": "eilig", "priority": 90}}]
    )  # fmt: skip
    passed = client.post(path, data={"scenarios": as_json}, headers=caller.headers)
    assert "Bestanden: 1 · Fehlgeschlagen: 0 · Gesamt: 1" in passed.text
    broken = client.post(path, data={"scenarios": "[{"}, headers=caller.headers)
    assert broken.status_code == 422
    assert "Die Testfälle liefen nicht: scenarios are not valid JSON" in broken.text
    deep = client.post(path, data={"scenarios": "[" * 5_000 + "]" * 5_000}, headers=caller.headers)
    assert deep.status_code == 422
    assert "the JSON nests deeper than 64 levels" in deep.text
    empty = client.post(path, data={"scenarios": " "}, headers=caller.headers)
    assert empty.status_code == 422
    assert "Bitte Testfälle eingeben (CSV oder JSON)." in empty.text
    other = admin(kontor, "zweiter")
    foreign = client.post(path, data={"scenarios": SCENARIOS_CSV}, headers=other.headers)
    assert foreign.status_code == 404
    reader = api_caller(kontor, "versicherer", kind=TenantKind.INSURER, group=UNDERWRITERS)
    refused = client.post(path, data={"scenarios": SCENARIOS_CSV}, headers=reader.headers)
    assert refused.status_code == 403
