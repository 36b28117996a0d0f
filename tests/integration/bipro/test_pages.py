"""The pages of the BiPRO apps: a broker stores a portal access in *Portalzugänge* (the password
never shown again), polls it with *Jetzt abrufen*, and finds the shipments in *Posteingang*."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from kontor.bootstrap import Kontor
from kontor.platform import BROKERS, UNDERWRITERS, TenantKind
from support.backends import BACKENDS
from support.bipro import bipro_world
from support.identity import Caller, api_caller

from .conftest import PASSWORD

pytestmark = pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
ACCESSES, NEW = "/apps/portal_accesses/accesses", "/apps/portal_accesses/new"
INBOX, SHIPMENT = "/apps/inbox/shipments", "/apps/inbox/shipment"


def form(provider: str, **changes: str) -> dict[str, str]:
    """The access form as the broker fills it in."""
    return {
        "name": "Beispiel Leben", "insurer": "Beispiel Lebensversicherung AG",
        "sts_url": f"{provider}/sts", "transfer_url": f"{provider}/transfer",
        "username": "makler-1", "password": PASSWORD, "on_new": "notify", **changes,
    }  # fmt: skip


def poll_in_background(kontor: Kontor) -> None:
    """One round of the background poller (what ``kontor serve`` runs in its loop)."""
    assert kontor.integration is not None
    assert kontor.integration.bipro is not None
    kontor.integration.bipro.poller.poll_due()


def only_access(client: TestClient, caller: Caller) -> dict[str, Any]:
    [access] = client.get("/api/bipro/accesses", headers=caller.headers).json()
    return dict(access)


def test_a_broker_stores_an_access_polls_it_now_and_reads_the_shipments(
    kontor: Kontor, client: TestClient, broker: Caller, provider: str
) -> None:
    seen: list[str] = []

    def page(url: str) -> str:
        shown = client.get(url, headers=broker.headers)
        assert shown.status_code == 200, url
        seen.append(shown.text)
        return shown.text

    menu = page("/")
    assert 'href="/apps/portal_accesses"' in menu
    assert 'href="/apps/inbox"' in menu
    assert 'type="password"' in page(NEW)
    missing = client.post(NEW, data=form(provider, password=""), headers=broker.headers)
    assert missing.status_code == 422
    assert "Pflichtfeld: bitte ausfüllen." in missing.text
    bad_url = client.post(NEW, data=form(provider, sts_url="ftp://x"), headers=broker.headers)
    assert bad_url.status_code == 422
    assert "Das Format stimmt nicht." in bad_url.text
    assert PASSWORD not in missing.text + bad_url.text  # a refused form is not filled back in
    stored = client.post(NEW, data=form(provider, on_new="create_task"), headers=broker.headers)
    assert (stored.status_code, stored.headers["hx-redirect"]) == (204, ACCESSES)
    twice = client.post(NEW, data=form(provider), headers=broker.headers)
    assert twice.status_code == 409
    assert "Einen Portalzugang mit dieser Bezeichnung gibt es schon." in twice.text
    no_process = client.post(
        NEW, data=form(provider, name="Ohne Prozess", on_new="start_process"),
        headers=broker.headers,
    )  # fmt: skip
    assert no_process.status_code == 422
    assert "Für „Prozess starten“ bitte den Prozess angeben." in no_process.text

    table = page(ACCESSES)
    assert "Beispiel Lebensversicherung AG" in table
    assert "makler-1" in table
    access = only_access(client, broker)
    edit = page(f"{ACCESSES}/{access['access_id']}")
    assert 'value="makler-1"' in edit
    changed = client.post(
        f"{ACCESSES}/{access['access_id']}",
        data=form(provider, insurer="Beispiel Leben AG", password="", on_new="create_task"),
        headers=broker.headers,
    )
    assert changed.status_code == 204  # an empty password keeps the stored one

    polled = client.post(
        f"{ACCESSES}/actions", data={"action": "poll", "ids": [access["access_id"]]},
        headers=broker.headers,
    )  # fmt: skip
    assert "Erledigt." in polled.text
    assert "angefordert" in page(ACCESSES)
    poll_in_background(kontor)
    assert "erfolgreich" in page(ACCESSES)

    inbox = page(INBOX)
    for shown in ("L-2026-0001", "L-2026-0002", "L-2026-0003", "Beispiel Leben AG", "Policierung"):
        assert shown in inbox
    filtered = page(f"{INBOX}?q=Schadenmeldung")
    assert "L-2026-0003" in filtered
    assert "L-2026-0001" not in filtered
    [policy] = [
        s for s in client.get("/api/bipro/inbox", headers=broker.headers).json()
        if s["shipment_id"] == "L-2026-0001"
    ]  # fmt: skip
    assert f"{SHIPMENT}/{policy['inbox_id']}" in inbox
    detail = page(f"{SHIPMENT}/{policy['inbox_id']}")
    assert "Lieferung L-2026-0001" in detail
    assert "Neuer Vertrag policiert" in detail
    assert "Zur Aufgabe" in detail  # the access creates a task for each new shipment
    shipment = client.get(f"/api/bipro/inbox/{policy['inbox_id']}", headers=broker.headers)
    [document] = shipment.json()["documents"]
    link = f"{SHIPMENT}/{policy['inbox_id']}/documents/{document['document_id']}"
    assert "Herunterladen: Police_VS-100200300.pdf" in detail
    assert link in detail
    downloaded = client.get(link, headers=broker.headers)
    assert downloaded.content == b"%PDF-1.4\n% Police\n"
    assert "attachment" in downloaded.headers["content-disposition"]
    assert all(PASSWORD not in text for text in seen)


def test_deleting_an_access_keeps_its_shipments(
    kontor: Kontor, client: TestClient, broker: Caller
) -> None:
    world = bipro_world(kontor, client, broker)
    removed = client.post(
        f"{ACCESSES}/actions", data={"action": "delete", "ids": [world["access_id"]]},
        headers=broker.headers,
    )  # fmt: skip
    assert "Erledigt." in removed.text
    assert "B-Portal" not in client.get(ACCESSES, headers=broker.headers).text
    assert client.get("/api/bipro/accesses", headers=broker.headers).json() == []
    assert "L-2026-0001" in client.get(INBOX, headers=broker.headers).text


def test_another_tenant_finds_nothing_and_insurer_users_are_refused(
    kontor: Kontor, client: TestClient, broker: Caller
) -> None:
    world = bipro_world(kontor, client, broker)
    stranger = api_caller(kontor, "makler-fremd", kind=TenantKind.BROKER, group=BROKERS)
    foreign = {
        f"{ACCESSES}/{world['access_id']}": 404,
        f"{SHIPMENT}/{world['inbox_id']}": 404,
        f"{SHIPMENT}/{world['inbox_id']}/documents/{world['document_id']}": 404,
        ACCESSES: 200,
        INBOX: 200,
    }
    for url, status in foreign.items():
        shown = client.get(url, headers=stranger.headers)
        assert shown.status_code == status, url
        assert "B-Portal" not in shown.text
        assert "L-2026-0001" not in shown.text
    for action in ("poll", "delete"):
        refused = client.post(
            f"{ACCESSES}/actions", data={"action": action, "ids": [world["access_id"]]},
            headers=stranger.headers,
        )  # fmt: skip
        assert "Nicht gefunden." in refused.text
    assert only_access(client, broker)["last_outcome"] is None  # untouched
    changed = client.post(
        f"{ACCESSES}/{world['access_id']}", data=form("http://127.0.0.1:9", name="Fremd"),
        headers=stranger.headers,
    )  # fmt: skip
    assert changed.status_code == 404
    assert only_access(client, broker)["name"] == "B-Portal"

    underwriter = api_caller(kontor, "versicherer-u", kind=TenantKind.INSURER, group=UNDERWRITERS)
    menu = client.get("/", headers=underwriter.headers).text
    assert "/apps/portal_accesses" not in menu
    assert "/apps/inbox" not in menu
    for url in (ACCESSES, NEW, INBOX, f"{SHIPMENT}/{world['inbox_id']}"):
        assert client.get(url, headers=underwriter.headers).status_code == 403, url
