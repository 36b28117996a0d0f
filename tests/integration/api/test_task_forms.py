"""Task forms: a Camunda Modeler form or a JSON Schema deployed per tenant; completing a task
checks its data field by field, saving a draft checks it loosely."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from kontor.bootstrap import Kontor
from kontor.messaging import FakeClock
from kontor.platform import ADMINISTRATORS, UNDERWRITERS, TenantKind
from support.backends import BACKENDS
from support.identity import Caller, api_caller
from support.kontor_app import app_client, kontor_on

pytestmark = pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
NOW = dt.datetime(2026, 3, 2, 8, 0, tzinfo=dt.UTC)
CLAIM_FORM = json.loads(
    (Path(__file__).parents[2] / "support" / "forms" / "schadenmeldung-pruefen.form").read_text()
)
GOOD = {"claimNumber": "S-20261", "amount": 1250.5, "line": "household", "decision": "pay",
        "fraudSuspected": False, "email": "jörg@example.de",
        "insured": {"name": "Jörg"}}  # fmt: skip


@pytest.fixture
def kontor(engine: Engine) -> Kontor:
    return kontor_on(engine, FakeClock(NOW))


@pytest.fixture
def client(kontor: Kontor) -> Iterator[TestClient]:
    with app_client(kontor) as test_client:
        yield test_client


@pytest.fixture
def manager(kontor: Kontor) -> Caller:
    return api_caller(kontor, kind=TenantKind.INSURER, group=ADMINISTRATORS, login="admin@t.test")


@pytest.fixture
def anna(kontor: Kontor) -> Caller:
    return api_caller(kontor, kind=TenantKind.INSURER, group=UNDERWRITERS, login="anna@t.test")


def deploy(client: TestClient, caller: Caller, **body: Any) -> dict[str, Any]:
    response = client.post("/api/forms", json=body, headers=caller.headers)
    assert response.status_code == 201, response.text
    form: dict[str, Any] = response.json()
    return form


def claimed_task(client: TestClient, caller: Caller, form_key: str) -> str:
    body = {"name": "Schaden prüfen", "assignee": caller.principal.user_id, "form_key": form_key}
    response = client.post("/api/tasks", json=body, headers=caller.headers)
    assert response.status_code == 201, response.text
    return str(response.json()["task_id"])


def test_completing_against_a_camunda_form_names_each_wrong_field_in_german(
    client: TestClient, manager: Caller, anna: Caller
) -> None:
    form = deploy(client, manager, kind="camunda", definition=CLAIM_FORM)
    assert (form["form_key"], form["version"]) == ("schadenmeldung-pruefen", 1)
    task = claimed_task(client, anna, "camunda-forms:deployment:schadenmeldung-pruefen.form")
    url = f"/api/tasks/{task}"
    wrong = {"claimNumber": "X-47110", "amount": 2000000, "line": "life", "decision": "maybe",
             "fraudSuspected": "ja", "email": "keine-mail", "insured": {},
             "note": "x" * 201}  # fmt: skip
    response = client.post(f"{url}/complete", json={"data": wrong}, headers=anna.headers)
    assert response.status_code == 422, response.text
    problem = response.json()
    assert problem["code"] == "casework.invalid_form_data"
    messages = {e["field"]: e["message"] for e in problem["errors"]}
    assert messages == {
        "body.data.claimNumber": "Schadennummer: hat nicht das erwartete Format",
        "body.data.amount": "Schadenhöhe (EUR): darf höchstens 1000000 sein",
        "body.data.line": "Sparte: ist keine der erlaubten Auswahlen: household, motor, building",
        "body.data.decision": "Regulierung: ist keine der erlaubten Auswahlen: pay, reject",
        "body.data.fraudSuspected": "Betrugsverdacht: hat den falschen Typ (erwartet: ja/nein)",
        "body.data.email": "E-Mail des Versicherungsnehmers: hat nicht das erwartete Format",
        "body.data.insured.name": "Pflichtfeld: bitte ausfüllen",
        "body.data.note": "Bemerkung: höchstens 200 Zeichen",
    }
    after = client.get(url, headers=anna.headers).json()
    assert (after["state"], [h["operation"] for h in after["history"]]) == ("reserved", ["create"])
    done = client.post(f"{url}/complete", json={"data": GOOD}, headers=anna.headers)
    assert done.status_code == 200, done.text
    assert done.json()["state"] == "completed"


def test_a_draft_may_leave_required_fields_empty_but_not_hold_wrong_values(
    client: TestClient, manager: Caller, anna: Caller
) -> None:
    deploy(client, manager, kind="camunda", definition=CLAIM_FORM)
    url = f"/api/tasks/{claimed_task(client, anna, 'form-id:schadenmeldung-pruefen')}"
    half = {"claimNumber": "S-20261"}
    assert client.post(f"{url}/save_draft", json={"data": half}, headers=anna.headers).is_success
    bad = client.post(f"{url}/save_draft", json={"data": {"amount": -1}}, headers=anna.headers)
    assert (bad.status_code, bad.json()["field"]) == (422, "body.data.amount")
    missing = client.post(f"{url}/complete", json={"data": {}}, headers=anna.headers)
    assert {e["field"] for e in missing.json()["errors"]} == {
        "body.data.amount", "body.data.line", "body.data.insured"
    }  # fmt: skip
    rest = {k: v for k, v in GOOD.items() if k != "claimNumber"}
    done = client.post(f"{url}/complete", json={"data": rest}, headers=anna.headers)
    assert done.json()["variables"]["claimNumber"] == "S-20261"  # from the draft


def test_the_empty_values_form_js_writes_count_as_not_filled_in(
    client: TestClient, manager: Caller, anna: Caller
) -> None:
    deploy(client, manager, kind="camunda", definition=CLAIM_FORM)
    url = f"/api/tasks/{claimed_task(client, anna, 'schadenmeldung-pruefen')}"
    empty = {"claimNumber": "", "amount": None, "line": None, "decision": None,
             "fraudSuspected": False, "email": "", "insured": {"name": ""}, "note": ""}  # fmt: skip
    draft = client.post(f"{url}/save_draft", json={"data": empty}, headers=anna.headers)
    assert draft.status_code == 200, draft.text  # an empty optional e-mail is not checked
    missing = client.post(f"{url}/complete", json={"data": empty}, headers=anna.headers)
    assert {(e["field"], e["message"]) for e in missing.json()["errors"]} == {
        ("body.data.claimNumber", "Pflichtfeld: bitte ausfüllen"),
        ("body.data.amount", "Pflichtfeld: bitte ausfüllen"),
        ("body.data.line", "Pflichtfeld: bitte ausfüllen"),
        ("body.data.insured.name", "Pflichtfeld: bitte ausfüllen"),
    }
    done = client.post(f"{url}/complete", json={"data": {**GOOD, "email": ""}},
                       headers=anna.headers)  # fmt: skip
    assert done.json()["variables"]["email"] == ""  # kept as entered


def test_json_schema_forms_are_versioned_per_key_and_the_latest_is_checked(
    client: TestClient, manager: Caller, anna: Caller
) -> None:
    first = {"type": "object", "properties": {"ok": {"type": "boolean"}}}
    second = {**first, "required": ["ok"], "title": "Freigabe"}
    deploy(client, manager, kind="json_schema", form_key="freigabe", definition=first)
    assert deploy(client, manager, kind="json_schema", form_key="freigabe",
                  definition=second)["version"] == 2  # fmt: skip
    listed = client.get("/api/forms", headers=anna.headers).json()
    assert [(f["form_key"], f["version"], f["name"]) for f in listed] == [
        ("freigabe", 2, "Freigabe")
    ]
    old = client.get("/api/forms/freigabe/versions/1", headers=anna.headers).json()
    assert old["definition"] == first
    url = f"/api/tasks/{claimed_task(client, anna, 'freigabe')}"
    refused = client.post(f"{url}/complete", json={"data": {}}, headers=anna.headers)
    assert (refused.status_code, refused.json()["field"]) == (422, "body.data.ok")
    assert client.get("/api/forms/nichts", headers=anna.headers).status_code == 404
    assert client.get("/api/forms/freigabe/versions/3", headers=anna.headers).status_code == 404


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (
            {"kind": "json_schema", "form_key": "x", "definition": {"type": "nothing"}},
            "definition.type",
        ),
        ({"kind": "json_schema", "definition": {"type": "object"}}, "form_key"),
        ({"kind": "camunda", "definition": {"components": []}}, "definition"),
        (
            {
                "kind": "camunda",
                "definition": {
                    "type": "default",
                    "id": "f",
                    "components": [{"type": "textfield", "label": "ohne Schlüssel"}],
                },
            },
            "definition.components[0]",
        ),
        ({"kind": "camunda", "form_key": "a b", "definition": CLAIM_FORM}, "form_key"),
        (
            {
                "kind": "camunda",
                "definition": {
                    "type": "default",
                    "id": "f",
                    "components": [{"type": "textfield", "key": "a", "validate": {"pattern": "("}}],
                },
            },
            "definition.components[0].validate.pattern",
        ),
        (
            {
                "kind": "json_schema",
                "form_key": "x",
                "definition": {"properties": {"a": {"pattern": "("}}},
            },
            "definition.properties.a.pattern",
        ),
    ],
)
def test_a_form_that_cannot_be_checked_is_not_deployed(
    client: TestClient, manager: Caller, body: dict[str, Any], field: str
) -> None:
    response = client.post("/api/forms", json=body, headers=manager.headers)
    assert (response.status_code, response.json().get("field")) == (422, field)
    assert client.get("/api/forms", headers=manager.headers).json() == []


def test_only_a_task_manager_deploys_forms(client: TestClient, anna: Caller) -> None:
    body = {"kind": "camunda", "definition": CLAIM_FORM}
    assert client.post("/api/forms", json=body, headers=anna.headers).status_code == 403


def test_a_task_keeps_the_form_version_current_when_it_was_created(
    client: TestClient, manager: Caller, anna: Caller
) -> None:
    loose = {"type": "object", "properties": {"ok": {"type": "boolean"}}}
    deploy(client, manager, kind="json_schema", form_key="freigabe", definition=loose)
    older = claimed_task(client, anna, "freigabe")
    strict = {**loose, "required": ["ok"]}
    deploy(client, manager, kind="json_schema", form_key="freigabe", definition=strict)
    newer = claimed_task(client, anna, "freigabe")
    shown = client.get(f"/api/tasks/{older}", headers=anna.headers).json()
    assert (shown["form_key"], shown["form_version"]) == ("freigabe", 1)
    form = client.get("/api/forms/freigabe/versions/1", headers=anna.headers).json()
    assert form["definition"] == loose  # what the task's person is shown
    refused = client.post(f"/api/tasks/{newer}/complete", json={"data": {}}, headers=anna.headers)
    assert (refused.status_code, refused.json()["version"]) == (422, 2)
    done = client.post(f"/api/tasks/{older}/complete", json={"data": {}}, headers=anna.headers)
    assert (done.status_code, done.json()["form_version"]) == (200, 1)
