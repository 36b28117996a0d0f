"""The document inbox against the shipped provider mock: each shipment is stored once, with its
documents and business events, acknowledged after the commit, and announced to the owner."""

from __future__ import annotations

import datetime as dt
import logging

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update

from kontor.bootstrap import Kontor
from kontor.integration.bipro import ProviderMock
from kontor.integration.bipro.tables import portal_accesses
from kontor.integration.scheduler import RunScheduleNow, ScheduleStore
from kontor.platform import UNDERWRITERS, SecretBox, TenantKind
from support.backends import BACKENDS
from support.identity import Caller, api_caller

from .conftest import PASSWORD, access_body

pytestmark = pytest.mark.parametrize("database_url", BACKENDS, indirect=True)


def test_a_poll_stores_every_shipment_with_its_documents_and_acknowledges_it(
    client: TestClient, broker: Caller, provider: str, mock: ProviderMock
) -> None:
    created = client.post("/api/bipro/accesses", json=access_body(provider), headers=broker.headers)
    assert created.status_code == 201, created.text
    access = created.json()
    assert "password" not in access
    assert PASSWORD not in created.text

    polled = client.post(f"/api/bipro/accesses/{access['access_id']}/poll", headers=broker.headers)
    assert polled.status_code == 200, polled.text
    assert polled.json()["imported"] == ["L-2026-0001", "L-2026-0002", "L-2026-0003"]
    assert mock.pending("makler-1") == []

    inbox = client.get("/api/bipro/inbox", headers=broker.headers).json()
    assert sorted(s["shipment_id"] for s in inbox) == ["L-2026-0001", "L-2026-0002", "L-2026-0003"]
    assert all(s["acknowledged_at"] is not None for s in inbox)
    [policy] = [s for s in inbox if s["shipment_id"] == "L-2026-0001"]
    shipment = client.get(f"/api/bipro/inbox/{policy['inbox_id']}", headers=broker.headers).json()
    assert shipment["business_events"] == [
        {
            "kind": "Policierung",
            "contract_number": "VS-100200300",
            "text": "Neuer Vertrag policiert",
        }
    ]
    [document] = shipment["documents"]
    downloaded = client.get(
        f"/api/bipro/inbox/{policy['inbox_id']}/documents/{document['document_id']}",
        headers=broker.headers,
    )
    assert downloaded.status_code == 200
    assert downloaded.content == b"%PDF-1.4\n% Police\n"
    assert 'filename="Police_VS-100200300.pdf"' in downloaded.headers["content-disposition"]

    again = client.post(f"/api/bipro/accesses/{access['access_id']}/poll", headers=broker.headers)
    assert again.json() == {**again.json(), "listed": 0, "imported": []}
    shown = client.get(f"/api/bipro/accesses/{access['access_id']}", headers=broker.headers)
    assert shown.json()["last_outcome"] == "ok"
    metrics = client.get("/metrics").text
    assert 'kontor_bipro_polls_total{outcome="ok"} 2.0' in metrics
    assert "kontor_bipro_shipments_imported_total 3.0" in metrics


def test_a_poll_interrupted_after_the_commit_is_repeated_without_storing_twice(
    client: TestClient, broker: Caller, provider: str, mock: ProviderMock,
    caplog: pytest.LogCaptureFixture,
) -> None:  # fmt: skip
    caplog.set_level(logging.DEBUG)
    access = client.post(
        "/api/bipro/accesses", json=access_body(provider), headers=broker.headers
    ).json()
    poll = f"/api/bipro/accesses/{access['access_id']}/poll"
    mock.refuse_acknowledge = True  # the poll stops after storing the first shipment
    refused = client.post(poll, headers=broker.headers)
    assert refused.status_code == 502
    assert refused.json()["code"] == "bipro.poll_failed"
    assert "00200" in refused.json()["detail"]
    [stored] = client.get("/api/bipro/inbox", headers=broker.headers).json()
    assert stored["shipment_id"] == "L-2026-0001"
    assert stored["acknowledged_at"] is None
    assert len(mock.pending("makler-1")) == 3
    shown = client.get(f"/api/bipro/accesses/{access['access_id']}", headers=broker.headers).json()
    assert shown["last_outcome"] == "failed"
    assert "Quittierung" in shown["last_error"]

    mock.refuse_acknowledge = False
    repeated = client.post(poll, headers=broker.headers).json()
    assert repeated["imported"] == ["L-2026-0002", "L-2026-0003"]
    assert repeated["acknowledged"] == ["L-2026-0001", "L-2026-0002", "L-2026-0003"]
    inbox = client.get("/api/bipro/inbox", headers=broker.headers).json()
    assert sorted(s["shipment_id"] for s in inbox) == ["L-2026-0001", "L-2026-0002", "L-2026-0003"]
    assert mock.pending("makler-1") == []
    notices = client.get("/api/notifications", headers=broker.headers).json()
    assert len([n for n in notices if "Neue Lieferung" in n["subject"]]) == 3
    assert PASSWORD not in caplog.text


def test_the_schedule_of_an_access_polls_it_in_the_background(
    kontor: Kontor, client: TestClient, broker: Caller, provider: str, mock: ProviderMock
) -> None:
    access = client.post(
        "/api/bipro/accesses", json=access_body(provider), headers=broker.headers
    ).json()
    with kontor.engine.connect() as connection:
        [schedule] = ScheduleStore(connection, "makler-b").listed()
    assert schedule.cron == "0 */2 * * *"
    assert schedule.command_payload == {"access_id": access["access_id"]}
    kontor.bus.handle(RunScheduleNow(tenant_id="makler-b", schedule_id=schedule.schedule_id))
    kontor.background_round()
    assert kontor.integration is not None
    assert kontor.integration.bipro is not None
    kontor.integration.bipro.poller.poll_due()
    assert len(client.get("/api/bipro/inbox", headers=broker.headers).json()) == 3
    assert mock.pending("makler-1") == []

    deleted = client.delete(f"/api/bipro/accesses/{access['access_id']}", headers=broker.headers)
    assert deleted.status_code == 204
    with kontor.engine.connect() as connection:
        assert ScheduleStore(connection, "makler-b").listed() == []


def test_a_new_shipment_can_create_a_task_for_the_owner(
    client: TestClient, broker: Caller, provider: str
) -> None:
    body = access_body(provider, on_new="create_task")
    access = client.post("/api/bipro/accesses", json=body, headers=broker.headers).json()
    client.post(f"/api/bipro/accesses/{access['access_id']}/poll", headers=broker.headers)
    tasks = client.get("/api/tasks", headers=broker.headers).json()["items"]
    names = sorted(t["name"] for t in tasks)
    assert names == [
        f"Posteingang Beispiel Lebensversicherung AG: Lieferung L-2026-000{n}" for n in (1, 2, 3)
    ]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"sts_url": "ftp://provider/sts"}, "sts_url"),
        ({"on_new": "start_process"}, "process_key"),
        ({"poll_cron": "every now and then"}, "poll_cron"),
    ],
)
def test_an_access_that_cannot_be_polled_is_refused_naming_the_field(
    client: TestClient, broker: Caller, provider: str, changes: dict[str, str], field: str
) -> None:
    answer = client.post(
        "/api/bipro/accesses", json=access_body(provider, **changes), headers=broker.headers
    )
    assert answer.status_code == 422, answer.text
    assert field in answer.text
    assert client.get("/api/bipro/accesses", headers=broker.headers).json() == []


def test_a_changed_access_keeps_its_password_unless_a_new_one_is_given(
    kontor: Kontor, client: TestClient, broker: Caller, provider: str, mock: ProviderMock
) -> None:
    access = client.post(
        "/api/bipro/accesses", json=access_body(provider), headers=broker.headers
    ).json()
    url = f"/api/bipro/accesses/{access['access_id']}"
    changed = client.patch(url, json={"insurer": "Beispiel AG", "poll_cron": "0 6 * * *"},
                           headers=broker.headers)  # fmt: skip
    assert changed.status_code == 200, changed.text
    assert changed.json()["insurer"] == "Beispiel AG"
    with kontor.engine.connect() as connection:
        [schedule] = ScheduleStore(connection, "makler-b").listed()
    assert schedule.cron == "0 6 * * *"
    assert client.post(f"{url}/poll", headers=broker.headers).status_code == 200
    wrong = client.patch(url, json={"password": "xyz-wrong-9"}, headers=broker.headers)
    assert wrong.status_code == 200
    failed = client.post(f"{url}/poll", headers=broker.headers)
    assert failed.status_code == 502
    assert "FailedAuthentication" in failed.json()["detail"]
    assert "xyz-wrong-9" not in failed.text
    nulled = client.patch(url, json={"username": None}, headers=broker.headers)
    assert nulled.status_code == 422
    assert "username" in nulled.text


def test_a_second_poll_while_one_runs_is_refused(
    kontor: Kontor, client: TestClient, broker: Caller, provider: str
) -> None:
    access = client.post(
        "/api/bipro/accesses", json=access_body(provider), headers=broker.headers
    ).json()
    assert kontor.integration is not None
    assert kontor.integration.bipro is not None
    with kontor.bus.unit_of_work() as uow:
        now = uow.clock.now()
        store = kontor.integration.bipro.accesses(uow, "makler-b")
        assert store.lease(access["access_id"], now, now + dt.timedelta(minutes=5))
        uow.commit()
    running = client.post(f"/api/bipro/accesses/{access['access_id']}/poll", headers=broker.headers)
    assert running.status_code == 409
    assert running.json()["code"] == "bipro.poll_running"
    assert client.get("/api/bipro/inbox", headers=broker.headers).json() == []


def test_users_without_the_bipro_permissions_are_refused(
    kontor: Kontor, client: TestClient, provider: str
) -> None:
    underwriter = api_caller(kontor, "versicherer-x", kind=TenantKind.INSURER, group=UNDERWRITERS)
    listed = client.get("/api/bipro/inbox", headers=underwriter.headers)
    assert listed.status_code == 403
    created = client.post(
        "/api/bipro/accesses", json=access_body(provider), headers=underwriter.headers
    )
    assert created.status_code == 403


def test_a_password_sealed_under_another_key_fails_the_poll_with_a_clear_answer(
    kontor: Kontor, client: TestClient, broker: Caller, provider: str
) -> None:
    access = client.post(
        "/api/bipro/accesses", json=access_body(provider), headers=broker.headers
    ).json()
    foreign = SecretBox(b"another-secret-key", "integration")
    sealed = foreign.encrypt(PASSWORD, f"bipro-portal-access:{access['access_id']}")
    with kontor.engine.begin() as connection:
        connection.execute(
            update(portal_accesses)
            .where(portal_accesses.c.access_id == access["access_id"])
            .values(password_encrypted=sealed)
        )
    answer = client.post(f"/api/bipro/accesses/{access['access_id']}/poll", headers=broker.headers)
    assert answer.status_code == 409
    assert "does not decrypt" in answer.json()["detail"]
    shown = client.get(f"/api/bipro/accesses/{access['access_id']}", headers=broker.headers).json()
    assert shown["last_outcome"] == "failed"
    assert "store it anew" in shown["last_error"]
