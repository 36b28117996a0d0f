"""The process cockpit's pages over HTTP on SQLite and PostgreSQL: counts, the instance page and
its operations, variables checked before they are stored, read-only callers refused the
operations, and another tenant's definitions and instances not found."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from kontor.bootstrap import Kontor
from kontor.platform import ADMINISTRATORS, UNDERWRITERS, TenantKind
from support.backends import BACKENDS
from support.diagrams import CLAIM_DIAGRAM
from support.identity import Caller, api_caller
from support.kontor_app import app_client, kontor_on

pytestmark = pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
FETCH = {"worker_id": "w", "topics": [{"name": "score", "lock_duration_ms": 60_000}]}


@pytest.fixture
def kontor(engine: Engine) -> Kontor:
    return kontor_on(engine)


@pytest.fixture
def client(kontor: Kontor) -> Iterator[TestClient]:
    with app_client(kontor, pages=True) as test_client:
        yield test_client


def admin(kontor: Kontor, tenant: str = "versicherer") -> Caller:
    return api_caller(kontor, tenant, kind=TenantKind.INSURER, group=ADMINISTRATORS)


def stopped_claim(client: TestClient, caller: Caller) -> tuple[str, str]:
    """A claim whose score failed for good: its instance id and the open incident's id."""
    deployed = client.post(
        "/api/process/definitions", content=CLAIM_DIAGRAM, headers=caller.headers
    )
    assert deployed.status_code in (200, 201), deployed.text
    started = client.post(
        "/api/process/definitions/Claim/start", json={"business_key": "S-1"}, headers=caller.headers
    )
    instance_id = started.json()["instance_id"]
    [job] = client.post(
        "/api/process/external-tasks/fetch-and-lock", json=FETCH, headers=caller.headers
    ).json()
    failure = {"worker_id": "w", "error_message": "Dienst weg", "retries": 0}
    client.post(
        f"/api/process/external-tasks/{job['job_id']}/failure", json=failure, headers=caller.headers
    )
    detail = client.get(f"/api/process/instances/{instance_id}", headers=caller.headers).json()
    [incident] = detail["incidents"]
    return instance_id, incident["incident_id"]


def test_the_cockpit_counts_and_an_incident_is_retried_from_the_instance_page(
    kontor: Kontor, client: TestClient
) -> None:
    caller = admin(kontor)
    instance_id, incident_id = stopped_claim(client, caller)
    overview = client.get("/cockpit", headers=caller.headers)
    assert overview.status_code == 200
    assert 'class="number running"><a href="/cockpit/instances?f_process_key=Claim' in overview.text
    assert '<span class="badge badge-bad">1</span>' in overview.text
    english = client.get("/cockpit", headers={**caller.headers, "Cookie": "kontor_lang=en"})
    assert "<h1>Processes</h1>" in english.text
    assert "Open incidents" in english.text
    page = client.get(f"/cockpit/instances/{instance_id}", headers=caller.headers)
    assert "Dienst weg" in page.text
    activity = '<tr data-element="Score" data-depth="0"><td class="depth-0">Bewerten <code>'
    assert activity in page.text
    assert "Erneut versuchen" in page.text
    retried = client.post(
        f"/cockpit/instances/{instance_id}/incidents/{incident_id}/retry", headers=caller.headers
    )
    assert retried.status_code == 204
    assert retried.headers["HX-Redirect"] == f"/cockpit/instances/{instance_id}?done=retried"
    detail = client.get(f"/api/process/instances/{instance_id}", headers=caller.headers).json()
    assert detail["incidents"] == []
    again = client.post(
        f"/cockpit/instances/{instance_id}/incidents/{incident_id}/retry", headers=caller.headers
    )
    assert again.status_code == 409
    assert "Nicht möglich: das ist hier nicht (mehr) offen." in again.text


def test_variables_are_checked_before_they_are_stored(kontor: Kontor, client: TestClient) -> None:
    caller = admin(kontor)
    instance_id, _ = stopped_claim(client, caller)
    path = f"/cockpit/instances/{instance_id}/variables"
    bad = client.post(path, data={"name": "amount", "value": "12,5"}, headers=caller.headers)
    assert bad.status_code == 422
    assert "Der Wert ist kein gültiger JSON-Wert" in bad.text
    nameless = client.post(path, data={"name": " ", "value": "1"}, headers=caller.headers)
    assert nameless.status_code == 422
    assert "Bitte den Namen der Variable angeben." in nameless.text
    detail = client.get(f"/api/process/instances/{instance_id}", headers=caller.headers).json()
    assert "amount" not in detail["variables"]
    good = client.post(path, data={"name": "amount", "value": "12.5"}, headers=caller.headers)
    assert good.status_code == 204
    detail = client.get(f"/api/process/instances/{instance_id}", headers=caller.headers).json()
    assert detail["variables"]["amount"] == 12.5


def test_a_token_is_moved_and_a_move_without_target_refused(
    kontor: Kontor, client: TestClient
) -> None:
    caller = admin(kontor)
    instance_id, _ = stopped_claim(client, caller)
    path = f"/cockpit/instances/{instance_id}/modify"
    page = client.get(f"/cockpit/instances/{instance_id}", headers=caller.headers)
    assert '<option value="Review">Prüfen (Review)</option>' in page.text
    aimless = client.post(path, data={"source": "Score", "target": ""}, headers=caller.headers)
    assert aimless.status_code == 422
    assert "Bitte das Ziel auswählen" in aimless.text
    nowhere = client.post(path, data={"source": "Score", "target": "Fehlt"}, headers=caller.headers)
    assert nowhere.status_code == 409
    assert "Nicht möglich: Anweisung 2 (Fehlt) passt nicht zu dieser Instanz." in nowhere.text
    detail = client.get(f"/api/process/instances/{instance_id}", headers=caller.headers).json()
    assert detail["active_element_ids"] == ["Score"]  # refused: nothing changed
    moved = client.post(path, data={"source": "Score", "target": "Review"}, headers=caller.headers)
    assert moved.status_code == 204
    detail = client.get(f"/api/process/instances/{instance_id}", headers=caller.headers).json()
    assert detail["active_element_ids"] == ["Review"]
    assert detail["incidents"] == []


def test_suspend_resume_and_cancel_from_the_page_and_the_list(
    kontor: Kontor, client: TestClient
) -> None:
    caller = admin(kontor)
    instance_id, _ = stopped_claim(client, caller)
    base = f"/cockpit/instances/{instance_id}"
    assert client.post(f"{base}/suspend", headers=caller.headers).status_code == 204
    assert "(angehalten)" in client.get(base, headers=caller.headers).text
    assert client.post(f"{base}/resume", headers=caller.headers).status_code == 204
    listed = client.post(
        "/cockpit/instances/actions",
        data={"action": "cancel", "ids": [instance_id], "reason": "Dublette"},
        headers=caller.headers,
    )
    assert "Erledigt." in listed.text
    detail = client.get(f"/api/process/instances/{instance_id}", headers=caller.headers).json()
    assert detail["status"] == "terminated"


def test_a_reader_sees_the_instance_but_is_refused_its_operations(
    kontor: Kontor, client: TestClient
) -> None:
    instance_id, incident_id = stopped_claim(client, admin(kontor))
    reader = api_caller(kontor, "versicherer", kind=TenantKind.INSURER, group=UNDERWRITERS)
    page = client.get(f"/cockpit/instances/{instance_id}", headers=reader.headers)
    assert page.status_code == 200
    assert "Erneut versuchen" not in page.text
    assert "Anhalten" not in page.text
    operations = (f"incidents/{incident_id}/retry", "suspend", "resume", "cancel", "variables")
    for path in (*operations, "modify"):
        refused = client.post(f"/cockpit/instances/{instance_id}/{path}", headers=reader.headers)
        assert refused.status_code == 403, path
        assert "Für diese Seite fehlt Ihnen die Berechtigung." in refused.text


def test_another_tenants_definitions_and_instances_are_not_found(
    kontor: Kontor, client: TestClient
) -> None:
    instance_id, incident_id = stopped_claim(client, admin(kontor))
    other = admin(kontor, "zweiter")
    for path in (
        f"/cockpit/instances/{instance_id}",
        "/cockpit/processes/Claim/1",
        "/cockpit/processes/Claim/1/diagram.bpmn",
    ):
        assert client.get(path, headers=other.headers).status_code == 404, path
    for path in (f"incidents/{incident_id}/retry", "suspend", "cancel"):
        answer = client.post(f"/cockpit/instances/{instance_id}/{path}", headers=other.headers)
        assert answer.status_code == 404, path
    assert "Claim" not in client.get("/cockpit", headers=other.headers).text
    listed = client.get("/cockpit/instances?q=S-1", headers=other.headers)
    assert instance_id not in listed.text


def test_instances_are_checked_then_migrated_with_a_mapping(
    kontor: Kontor, client: TestClient
) -> None:
    caller = admin(kontor)
    instance_id, _ = stopped_claim(client, caller)
    moved = {"source": "Score", "target": "Review"}
    client.post(f"/cockpit/instances/{instance_id}/modify", data=moved, headers=caller.headers)
    renamed = CLAIM_DIAGRAM.replace('"Review"', '"Check"')
    assert (
        client.post("/api/process/definitions", content=renamed, headers=caller.headers).status_code
        == 201
    )
    path = "/cockpit/processes/Claim/1/migration"
    page = client.get(path, headers=caller.headers)
    assert page.status_code == 200
    assert '<select id="map-1" name="map_Review" class="diagram-pick">' in page.text
    unmapped = client.post(path, data={"target": "2", "mode": "check"}, headers=caller.headers)
    assert "Prüfung: 0 von 1 Instanzen migrierbar" in unmapped.text
    assert "active element &#39;Review&#39; has no counterpart" in unmapped.text
    mapped = {"target": "2", "map_Review": "Check"}
    checked = client.post(path, data={**mapped, "mode": "check"}, headers=caller.headers)
    assert "Prüfung: 1 von 1 Instanzen migrierbar" in checked.text
    detail = client.get(f"/api/process/instances/{instance_id}", headers=caller.headers).json()
    assert detail["definition_version"] == 1  # a check changes nothing
    done = client.post(path, data={**mapped, "mode": "migrate"}, headers=caller.headers)
    assert "Migration: 1 von 1 Instanzen migriert" in done.text
    detail = client.get(f"/api/process/instances/{instance_id}", headers=caller.headers).json()
    assert (detail["definition_version"], detail["active_element_ids"]) == (2, ["Check"])
    no_target = client.post(path, data={"target": "zwei"}, headers=caller.headers)
    assert no_target.status_code == 422
    assert "Bitte die Zielversion wählen." in no_target.text
    reader = api_caller(kontor, "versicherer", kind=TenantKind.INSURER, group=UNDERWRITERS)
    assert client.get(path, headers=reader.headers).status_code == 403
    assert client.post(path, data=mapped, headers=reader.headers).status_code == 403
    other = admin(kontor, "zweiter")
    assert client.get(path, headers=other.headers).status_code == 404
