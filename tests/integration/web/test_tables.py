"""Declared tables over HTTP on SQLite and PostgreSQL: scoping of bulk actions and selection
tokens, refusals in German, the CSV export, the page headers and the English catalogue."""

from __future__ import annotations

import base64
import datetime as dt
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from kontor.bootstrap import Kontor, bootstrap
from kontor.messaging import FakeClock
from kontor.platform import BROKERS, PERMISSIONS, TenantKind
from kontor.settings import Environment, Settings
from kontor.web import create_app
from support.backends import BACKENDS
from support.cases import case_types
from support.identity import Caller, api_caller
from support.kontor_app import app_client, kontor_on
from support.tenant_world import broker

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


def state_of(client: TestClient, caller: Caller, task_id: str) -> str:
    return str(client.get(f"/api/tasks/{task_id}", headers=caller.headers).json()["state"])


def test_a_bulk_action_does_nothing_to_another_tenants_rows(
    kontor: Kontor, client: TestClient
) -> None:
    a, b = broker(kontor, "makler-a"), broker(kontor, "makler-b")
    mine, theirs = task_of(client, a, "Meine Aufgabe"), task_of(client, b, "Fremde Aufgabe")
    answer = client.post(
        "/tasks/actions", data={"action": "start", "ids": [mine, theirs]}, headers=a.headers
    )
    assert answer.status_code == 200
    assert "Meine Aufgabe – Erledigt." in answer.text
    assert f"{theirs} – Nicht gefunden." in answer.text
    assert state_of(client, a, mine) == "in_progress"
    assert state_of(client, b, theirs) == "reserved"


def test_a_selection_token_covers_every_matching_row_and_only_for_its_user(
    kontor: Kontor, client: TestClient
) -> None:
    a = broker(kontor, "makler-a")
    other = api_caller(kontor, "makler-a", kind=TenantKind.BROKER, group=BROKERS,
                       login="kollege@makler-a.test", grants=sorted(PERMISSIONS))  # fmt: skip
    ids = [task_of(client, a, f"Rückfrage {n}") for n in range(3)] + [task_of(client, a, "Prüfung")]
    page = client.get("/tasks?q=Rückfrage", headers=a.headers).text
    token = page.split('data-all-token="')[1].split('"')[0]
    refused = client.post(
        "/tasks/actions", data={"action": "start", "all": token}, headers=other.headers
    )
    assert refused.status_code == 422
    assert "die Auswahl ist ungültig" in refused.text
    other_digit = "1" if token.endswith("0") else "0"  # a signature that differs, always
    forged = client.post(
        "/tasks/actions", data={"action": "start", "all": token[:-1] + other_digit},
        headers=a.headers,
    )  # fmt: skip
    assert forged.status_code == 422
    done = client.post("/tasks/actions", data={"action": "start", "all": token}, headers=a.headers)
    assert done.text.count("Erledigt.") == 3
    assert [state_of(client, a, i) for i in ids] == ["in_progress"] * 3 + ["reserved"]


def test_bad_table_input_is_a_clear_german_refusal(kontor: Kontor, client: TestClient) -> None:
    a = broker(kontor, "makler-a")
    unsortable = client.get("/tasks?sort=description", headers=a.headers)
    assert unsortable.status_code == 400
    assert "nach &#39;description&#39; kann nicht sortiert werden" in unsortable.text
    assert client.get("/tasks?page=0", headers=a.headers).status_code == 400
    unknown = client.post("/tasks/actions", data={"action": "explode"}, headers=a.headers)
    assert unknown.status_code == 422
    assert "Unbekannte Aktion." in unknown.text
    nothing = client.post("/tasks/actions", data={"action": "start"}, headers=a.headers)
    assert "Keine Zeile ausgewählt." in nothing.text


def test_json_nested_beyond_any_filter_is_a_german_refusal(
    kontor: Kontor, client: TestClient
) -> None:
    a = broker(kontor, "makler-a")
    deep = "[" * 1_500 + "]" * 1_500  # beyond the parser's recursion, within the length limit
    conditions = client.get("/tasks", params={"cond": deep}, headers=a.headers)
    assert conditions.status_code == 400
    assert "die Bedingungen sind kein JSON" in conditions.text
    token = base64.urlsafe_b64encode(deep.encode()).decode() + ".0"
    forged = client.post(
        "/tasks/actions", data={"action": "start", "all": token}, headers=a.headers
    )
    assert forged.status_code == 422
    assert "die Auswahl ist ungültig" in forged.text


def test_the_csv_export_is_german_and_escapes_formulas(kontor: Kontor, client: TestClient) -> None:
    a = broker(kontor, "makler-a")
    task_of(client, a, '=HYPERLINK("http://evil")')
    task_of(client, a, "Normal")
    answer = client.get("/tasks/export.csv?sort=created_at", headers=a.headers)
    assert answer.headers["content-type"].startswith("text/csv")
    lines = answer.content.decode("utf-8-sig").splitlines()
    assert lines[0] == "Aufgabe;Status;Bearbeiter;Priorität;Fällig am;Angelegt am;Vorgang"
    assert lines[1].startswith('"\'=HYPERLINK(""http://evil"")";zugewiesen;')
    assert lines[2].startswith("Normal;zugewiesen;")
    assert len(lines) == 3


def test_pages_carry_a_strict_content_security_policy_and_speak_english_on_request(
    kontor: Kontor, client: TestClient
) -> None:
    a = broker(kontor, "makler-a")
    page = client.get("/tasks", headers=a.headers)
    policy = page.headers["content-security-policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy
    assert page.headers["x-frame-options"] == "DENY"
    assert "<script>" not in page.text  # every script is a static file
    client.cookies.set("kontor_lang", "en")
    english = client.get("/tasks", headers=a.headers).text
    assert "Search all columns" in english
    assert "My tasks" in english


def open_case(client: TestClient, caller: Caller, key: str, title: str) -> str:
    """A claim case of ``caller``'s tenant."""
    body = {"case_type": "claim", "business_key": key, "title": title,
            "data": {"claim_number": key, "amount": 1234.5}}  # fmt: skip
    answer = client.post("/api/cases", json=body, headers=caller.headers)
    assert answer.status_code == 201, answer.text
    return str(answer.json()["case_id"])


def test_the_case_list_shows_the_tenants_cases_and_a_case_its_data(engine: Engine) -> None:
    settings = Settings(environment=Environment.TEST, secret_key="a-real-secret-for-tests")
    kontor = bootstrap(settings, engine=engine, clock=FakeClock(), case_types=case_types())
    with TestClient(create_app(settings, kontor)) as client:
        a, b = broker(kontor, "makler-a"), broker(kontor, "makler-b")
        water = open_case(client, a, "S-1", "Wasserschaden Müller")
        open_case(client, a, "S-2", "Sturmschaden Schulz")
        open_case(client, b, "S-9", "Fremder Schaden")
        listed = client.get("/cases", headers=a.headers).text
        assert "Wasserschaden Müller" in listed
        assert "Sturmschaden Schulz" in listed
        assert "Fremder Schaden" not in listed
        searched = client.get("/cases?q=wasser", headers=a.headers).text
        assert "Wasserschaden Müller" in searched
        assert "Sturmschaden Schulz" not in searched
        shown = client.get(f"/cases/{water}", headers=a.headers)
        assert shown.status_code == 200
        assert "claim_number" in shown.text
        assert "S-1" in shown.text


def test_a_page_without_its_permission_is_refused_in_german(
    kontor: Kontor, client: TestClient
) -> None:
    a = broker(kontor, "makler-a")
    expires = (kontor.clock.now() + dt.timedelta(days=30)).isoformat()
    narrow = {"name": "nur Konto", "permissions": ["platform:account"], "expires_at": expires}
    created = client.post("/api/auth/me/tokens", json=narrow, headers=a.headers)
    assert created.status_code == 201, created.text
    token = created.json()["token"]
    answer = client.get("/tasks", headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 403
    assert "Für diese Seite fehlt Ihnen die Berechtigung." in answer.text
    assert client.get("/profile", headers={"Authorization": f"Bearer {token}"}).status_code == 200


def test_the_task_view_runs_operations_and_refuses_in_german(
    kontor: Kontor, client: TestClient
) -> None:
    a = broker(kontor, "makler-a")
    colleague = api_caller(kontor, "makler-a", kind=TenantKind.BROKER, group=BROKERS,
                           login="kollegin@makler-a.test")  # fmt: skip
    task_id = task_of(client, a, "Antrag prüfen")
    page = f"/tasks/{task_id}"
    assert "Antrag prüfen" in client.get(page, headers=a.headers).text
    no_reason = client.post(f"{page}/operations/reject", data={}, headers=a.headers)
    assert no_reason.status_code == 422
    assert "Bitte Begründung angeben." in no_reason.text
    delegated = client.post(
        f"{page}/operations/delegate",
        data={"user_id": colleague.principal.user_id, "reason": "Urlaub"},
        headers=a.headers,
    )
    assert delegated.status_code == 200
    assert "Delegieren: erledigt." in delegated.text
    assert state_of(client, a, task_id) == "reserved"
    detail = client.get(f"/api/tasks/{task_id}", headers=a.headers).json()
    assert detail["assignee"] == colleague.principal.user_id
    stranger = api_caller(kontor, "makler-a", kind=TenantKind.BROKER, group=BROKERS,
                          login="dritter@makler-a.test")  # fmt: skip
    again = client.post(f"{page}/operations/start", data={}, headers=stranger.headers)
    assert again.status_code == 403
    assert "Nicht erlaubt: Sie bearbeiten diese Aufgabe nicht." in again.text
    assert client.post(f"{page}/operations/explode", headers=a.headers).status_code == 404
