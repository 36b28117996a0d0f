"""Refusals of the engines on German pages: worded in German by their code (never the engine's
English sentence), and in English for whom chose English; the apps' German refusals are kept."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from kontor.bootstrap import Kontor
from kontor.platform import ADMINISTRATORS, TenantKind
from support.backends import BACKENDS
from support.identity import Caller, api_caller
from support.kontor_app import app_client, kontor_on
from support.tenant_world import broker

PASSWORD = "ein langes Passwort für Insa"

pytestmark = pytest.mark.parametrize("database_url", BACKENDS, indirect=True)


@pytest.fixture
def kontor(engine: Engine) -> Kontor:
    return kontor_on(engine)


@pytest.fixture
def client(kontor: Kontor) -> Iterator[TestClient]:
    with app_client(kontor, pages=True) as test_client:
        yield test_client


def task_of(client: TestClient, caller: Caller, name: str) -> str:
    """A task reserved for ``caller``."""
    body = {"name": name, "assignee": caller.principal.user_id}
    answer = client.post("/api/tasks", json=body, headers=caller.headers)
    assert answer.status_code == 201, answer.text
    return str(answer.json()["task_id"])


def problems(page: str) -> list[str]:
    """The refusals a page shows (its ``problem`` paragraphs and failed result rows)."""
    found = re.findall(r'class="problem"[^>]*>([^<]*)<', page)
    return [html.unescape(text) for text in found + re.findall(r'class="failed">([^<]*)<', page)]


def test_a_task_refusal_names_the_tasks_state_in_german_and_in_english(
    kontor: Kontor, client: TestClient
) -> None:
    a = broker(kontor, "makler-a")
    task_id = task_of(client, a, "Antrag prüfen")
    for operation in ("start", "complete"):
        done = client.post(f"/api/tasks/{task_id}/{operation}", json={}, headers=a.headers)
        assert done.status_code == 200, done.text
    again = client.post(f"/tasks/{task_id}/operations/start", data={}, headers=a.headers)
    assert again.status_code == 409
    assert problems(again.text) == ["Nicht möglich: die Aufgabe ist erledigt."]
    client.cookies.set("kontor_lang", "en")
    english = client.post(f"/tasks/{task_id}/operations/start", data={}, headers=a.headers)
    assert problems(english.text) == ["Not possible: the task is done."]


def test_the_platforms_english_refusals_read_german_on_the_pages(
    kontor: Kontor, client: TestClient
) -> None:
    admin = api_caller(kontor, "versicherer", kind=TenantKind.INSURER, group=ADMINISTRATORS,
                       login="insa@v.test")  # fmt: skip
    taken = {"display_name": "Uta", "login": "insa@v.test", "email": "uta@v.test",
             "group": "underwriters"}  # fmt: skip
    refused = client.post("/admin/users/new", data=taken, headers=admin.headers)
    assert refused.status_code == 409
    assert problems(refused.text) == ["Diesen Login gibt es schon."]  # not "login '…' is taken"
    with kontor.bus.unit_of_work() as uow:
        kontor.authenticator.set_password(
            uow, "versicherer", admin.principal.user_id, PASSWORD, login="insa@v.test",
            actor=None, reason="initial",
        )  # fmt: skip
        uow.commit()
    short = {"current_password": PASSWORD, "new_password": "kurz", "repeat_password": "kurz"}
    changed = client.post("/profile/password", data=short, headers=admin.headers)
    [said] = problems(changed.text)
    assert said.startswith("Das neue Passwort erfüllt die Regeln nicht: Das Passwort braucht")
    client.cookies.set("kontor_lang", "en")
    english = client.post("/admin/users/new", data=taken, headers=admin.headers)
    assert problems(english.text) == ["This login exists already."]
    fine = {"current_password": PASSWORD, "new_password": PASSWORD + "!", "repeat_password":
            PASSWORD + "!"}  # fmt: skip
    changed = client.post("/profile/password", data=fine, headers=admin.headers)
    assert "Password changed; 0 other session(s) ended." in changed.text


def test_an_apps_german_refusal_is_kept_and_an_admin_refusal_translated(
    kontor: Kontor, client: TestClient
) -> None:
    admin = api_caller(kontor, "versicherer", kind=TenantKind.INSURER, group=ADMINISTRATORS)
    myself = {"action": "lock", "ids": [admin.principal.user_id]}
    refused = client.post("/admin/users/actions", data=myself, headers=admin.headers)
    [said] = problems(refused.text)
    assert said.endswith("Nicht möglich: Sie können sich nicht selbst sperren.")
    client.cookies.set("kontor_lang", "en")
    english = client.post("/admin/users/actions", data=myself, headers=admin.headers)
    [said] = problems(english.text)
    assert said.endswith("Not possible: You cannot lock yourself out.")
