"""Attachments in the task view and documents in the case view: uploaded, listed with their
size, downloaded and removed from the pages; the case view shows its stages, tasks, documents
and one timeline in German; another tenant's are not found."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from kontor.bootstrap import Kontor, bootstrap
from kontor.messaging import FakeClock
from kontor.platform import UNDERWRITERS, TenantKind
from support import kontor_app
from support.backends import BACKENDS
from support.cases import case_types
from support.identity import Caller, api_caller

pytestmark = pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
REPORT = b"%PDF-1.4 " + b"Gutachten " * 200  # 2,009 bytes
CLAIM = {"case_type": "claim", "business_key": "S-9", "title": "Hagelschaden",
         "data": {"claim_number": "S-9"}}  # fmt: skip


@pytest.fixture
def kontor(engine: Engine, tmp_path: Path) -> Kontor:
    settings = kontor_app.testing_settings(data_dir=tmp_path, attachments_max_bytes=4096)
    return bootstrap(settings, engine=engine, clock=FakeClock(), case_types=case_types())


@pytest.fixture
def client(kontor: Kontor) -> Iterator[TestClient]:
    with kontor_app.app_client(kontor, pages=True) as test_client:
        yield test_client


def worker(kontor: Kontor, tenant: str = "versicherer", name: str = "anna") -> Caller:
    """An underwriter who works on tasks and cases."""
    return api_caller(
        kontor, tenant, kind=TenantKind.INSURER, group=UNDERWRITERS,
        login=f"{name}@{tenant}.test", grants=["cases:read", "cases:write"],
    )  # fmt: skip


def test_a_file_is_attached_in_the_task_view_downloaded_and_removed(
    kontor: Kontor, client: TestClient
) -> None:
    anna = worker(kontor)
    body = {"name": "Gutachten prüfen", "assignee": anna.principal.user_id}
    task_id = client.post("/api/tasks", json=body, headers=anna.headers).json()["task_id"]
    page = client.get(f"/tasks/{task_id}", headers=anna.headers).text
    assert "Keine Anhänge." in page
    assert '<label for="attachment-file">Datei anhängen</label>' in page

    files = {"file": ("Gutachten Müller.pdf", REPORT, "application/pdf")}
    added = client.post(f"/tasks/{task_id}/attachments", files=files, headers=anna.headers)
    assert added.status_code == 200, added.text
    assert "Anhang gespeichert." in added.text
    assert "Gutachten Müller.pdf</a>" in added.text
    assert "<td>2 kB</td>" in added.text
    assert "<td>Anhang hinzugefügt</td>" in added.text  # the history's step
    [attachment] = client.get(f"/api/tasks/{task_id}/attachments", headers=anna.headers).json()[
        "items"
    ]
    url = f"/tasks/{task_id}/attachments/{attachment['attachment_id']}"
    assert f'href="{url}"' in added.text
    download = client.get(url, headers=anna.headers)
    assert download.content == REPORT
    assert download.headers["content-disposition"].startswith("attachment;")

    too_large = client.post(
        f"/tasks/{task_id}/attachments", files={"file": ("gross.bin", b"x" * 5000)},
        headers=anna.headers,
    )  # fmt: skip
    assert too_large.status_code == 413
    assert "Die Datei ist zu groß" in too_large.text

    removed = client.post(f"{url}/remove", headers=anna.headers)
    assert removed.status_code == 200
    assert "Anhang entfernt." in removed.text
    assert "Keine Anhänge." in removed.text
    assert client.get(url, headers=anna.headers).status_code == 404

    stranger = worker(kontor, "other")
    foreign = client.post(f"/tasks/{task_id}/attachments", files=files, headers=stranger.headers)
    assert foreign.status_code == 404
    assert "Diese Aufgabe gibt es nicht." in foreign.text


def test_the_case_view_shows_stages_tasks_documents_and_one_timeline(
    kontor: Kontor, client: TestClient
) -> None:
    anna = worker(kontor)
    case = client.post("/api/cases", json=CLAIM, headers=anna.headers).json()
    case_url = f"/cases/{case['case_id']}"
    client.post(f"/api/cases/{case['case_id']}/status", json={"status": "in_review"},
                headers=anna.headers)  # fmt: skip
    body = {"name": "Gutachter beauftragen", "case_id": case["case_id"]}
    task_id = client.post("/api/tasks", json=body, headers=anna.headers).json()["task_id"]
    photo = {"file": ("dach.jpg", b"\xff\xd8\xff\xe0 Foto")}
    client.post(f"/tasks/{task_id}/attachments", files=photo, headers=anna.headers)

    letter = {"file": ("Schadenmeldung.pdf", REPORT, "application/pdf")}
    added = client.post(f"{case_url}/documents", files=letter, headers=anna.headers)
    assert added.status_code == 200, added.text
    page = added.text
    assert "Dokument gespeichert." in page
    for heading in ("Phasen", "Aufgaben", "Dokumente", "Verlauf"):
        assert f"<h2>{heading}</h2>" in page
    # stages: reported passed, in_review current, settled and rejected possible next
    assert page.index("durchlaufen") < page.index("aktuell") < page.index("möglich als nächstes")
    assert f'<a href="/tasks/{task_id}">Gutachter beauftragen</a>' in page
    assert "Schadenmeldung.pdf</a>" in page
    assert "dach.jpg</a>" in page
    for word in ("Status geändert", "Aufgabe: Angelegt", "Aufgabe: Anhang hinzugefügt",
                 "Dokument hinzugefügt"):  # fmt: skip
        assert word in page, word
    assert page.count("Entfernen</button>") == 1  # the task's photo is removed from its task

    [letter_row] = [
        d for d in client.get(f"/api/cases/{case['case_id']}/documents",
                              headers=anna.headers).json()["items"]
        if d["task_id"] is None
    ]  # fmt: skip
    document_url = f"{case_url}/documents/{letter_row['attachment_id']}"
    assert client.get(document_url, headers=anna.headers).content == REPORT
    refused = client.post(f"{document_url}/remove", headers=worker(kontor, name="ben").headers)
    assert refused.status_code == 403
    assert "Entfernen darf nur, wer die Datei hinzugefügt hat" in refused.text
    removed = client.post(f"{document_url}/remove", headers=anna.headers)
    assert "Dokument entfernt." in removed.text
    assert "Schadenmeldung.pdf</a>" not in removed.text
    assert "Dokument entfernt</span>" in removed.text  # the timeline's entry

    stranger = worker(kontor, "other")
    assert client.get(document_url, headers=stranger.headers).status_code == 404
    foreign = client.post(f"{case_url}/documents", files=letter, headers=stranger.headers)
    assert foreign.status_code == 404
    assert "Diesen Vorgang gibt es nicht." in foreign.text
