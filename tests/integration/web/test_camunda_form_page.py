"""The task view of a task with a Camunda Form over HTTP: the form and the task's data handed to
form-js, a draft saved, wrong data refused with a German message per field and nothing changed,
unreadable data refused, another tenant's task not found."""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from kontor.bootstrap import Kontor
from kontor.platform import ADMINISTRATORS, UNDERWRITERS, TenantKind
from support.backends import BACKENDS
from support.identity import Caller, api_caller
from support.kontor_app import app_client, kontor_on

pytestmark = pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
CLAIM_FORM = json.loads(
    (Path(__file__).parents[2] / "support" / "forms" / "kfz-schaden-aufnehmen.form").read_text()
)


@pytest.fixture
def kontor(engine: Engine) -> Kontor:
    return kontor_on(engine)


@pytest.fixture
def client(kontor: Kontor) -> Iterator[TestClient]:
    with app_client(kontor, pages=True) as test_client:
        yield test_client


@pytest.fixture
def anna(kontor: Kontor, client: TestClient) -> Caller:
    manager = api_caller(kontor, kind=TenantKind.INSURER, group=ADMINISTRATORS,
                         login="admin@t.test")  # fmt: skip
    deployed = client.post("/api/forms", json={"kind": "camunda", "definition": CLAIM_FORM},
                           headers=manager.headers)  # fmt: skip
    assert deployed.status_code == 201, deployed.text
    return api_caller(kontor, kind=TenantKind.INSURER, group=UNDERWRITERS, login="anna@t.test")


@pytest.fixture
def task(client: TestClient, anna: Caller) -> str:
    body = {"name": "Kfz-Schaden aufnehmen", "assignee": anna.principal.user_id,
            "form_key": "form-id:kfz-schaden-aufnehmen",
            "variables": {"licensePlate": "B-KT 1"}}  # fmt: skip
    answer = client.post("/api/tasks", json=body, headers=anna.headers)
    assert answer.status_code == 201, answer.text
    return f"/tasks/{answer.json()['task_id']}"


def handed_over(page: str, name: str) -> Any:
    """The JSON the page hands form-js in the form section's ``data-<name>`` attribute."""
    found = re.search(rf"data-{name}='([^']*)'", page)
    assert found, f"no data-{name} in the page"
    return json.loads(html.unescape(found.group(1)))


def test_the_page_hands_form_js_the_form_and_the_tasks_data_and_saves_a_draft(
    client: TestClient, anna: Caller, task: str
) -> None:
    page = client.get(task, headers=anna.headers).text
    assert '<script src="/static/vendor/form-js/form-viewer.umd.js" defer></script>' in page
    assert handed_over(page, "schema") == CLAIM_FORM
    assert handed_over(page, "data") == {"licensePlate": "B-KT 1"}
    draft = {"data": json.dumps({"licensePlate": "B-KT 1", "amount": 99.5, "claimNumber": ""})}
    saved = client.post(f"{task}/operations/save_draft", data=draft, headers=anna.headers)
    assert saved.status_code == 200
    assert "Entwurf gespeichert." in saved.text
    again = client.get(task, headers=anna.headers).text
    assert handed_over(again, "data")["amount"] == 99.5


def test_wrong_data_is_refused_per_field_in_german_and_keeps_the_entries(
    client: TestClient, anna: Caller, task: str
) -> None:
    sent = {"licensePlate": "B-KT 1", "claimNumber": "", "amount": -3, "line": "boat"}
    refused = client.post(f"{task}/operations/complete", data={"data": json.dumps(sent)},
                          headers=anna.headers)  # fmt: skip
    assert refused.status_code == 422
    assert "Bitte prüfen Sie die markierten Felder." in refused.text
    assert handed_over(refused.text, "errors") == {
        "claimNumber": "Pflichtfeld: bitte ausfüllen",
        "amount": "Schadenhöhe (EUR): muss mindestens 0 sein",
        "line": "Sparte: ist keine der erlaubten Auswahlen: liability, comprehensive, partial",
    }
    assert handed_over(refused.text, "data") == sent
    unreadable = client.post(f"{task}/operations/complete", data={"data": "[1, 2"},
                             headers=anna.headers)  # fmt: skip
    assert unreadable.status_code == 422
    assert "Die Formulardaten fehlen oder sind unlesbar." in unreadable.text
    deep = '{"a": ' + "[" * 5_000 + "]" * 5_000 + "}"
    too_deep = client.post(f"{task}/operations/complete", data={"data": deep},
                           headers=anna.headers)  # fmt: skip
    assert too_deep.status_code == 422
    assert "Die Formulardaten fehlen oder sind unlesbar." in too_deep.text
    detail = client.get(f"/api{task}", headers=anna.headers).json()
    assert (detail["state"], detail["draft"]) == ("reserved", {})


def test_another_tenants_task_is_not_found(
    kontor: Kontor, client: TestClient, anna: Caller, task: str
) -> None:
    stranger = api_caller(kontor, "anderer-versicherer", kind=TenantKind.INSURER,
                          group=UNDERWRITERS, login="fremd@t.test")  # fmt: skip
    assert client.get(task, headers=stranger.headers).status_code == 404
    data = {"data": json.dumps({"claimNumber": "S-1"})}
    for operation in ("save_draft", "complete"):
        sent = client.post(f"{task}/operations/{operation}", data=data, headers=stranger.headers)
        assert sent.status_code == 404
