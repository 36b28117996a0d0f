"""Attachments of tasks and documents of cases: uploaded, listed, downloaded and removed through
the API; kept only when accepted, in the task's history, the case's timeline and the audit log."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select

from kontor.bootstrap import Kontor, bootstrap
from kontor.casework.attachments.tables import attachments
from kontor.messaging import FakeClock
from kontor.platform import UNDERWRITERS, TenantKind
from kontor.platform.audit import every_entry
from support import kontor_app
from support.backends import BACKENDS
from support.cases import case_types
from support.identity import Caller, api_caller
from support.kontor_app import app_client

AUDIT_LOG = every_entry()  # chained and unsealed entries

pytestmark = pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
LIMIT = 4096
PHOTO = b"\xff\xd8\xff\xe0" + bytes(range(256)) * 4  # a JPEG's first bytes, then any
CLAIM = {"case_type": "claim", "business_key": "S-7", "title": "Wasserschaden",
         "data": {"claim_number": "S-7"}}  # fmt: skip


@pytest.fixture
def kontor(engine: Engine, tmp_path: Path) -> Kontor:
    settings = kontor_app.testing_settings(data_dir=tmp_path, attachments_max_bytes=LIMIT)
    return bootstrap(settings, engine=engine, clock=FakeClock(), case_types=case_types())


@pytest.fixture
def client(kontor: Kontor) -> Iterator[TestClient]:
    with app_client(kontor) as test_client:
        yield test_client


def worker(kontor: Kontor, login: str, *grants: str) -> Caller:
    """An underwriter of the insurer ``versicherer`` who works on tasks and cases."""
    return api_caller(
        kontor, "versicherer", kind=TenantKind.INSURER, group=UNDERWRITERS, login=login,
        grants=["cases:read", "cases:write", *grants],
    )  # fmt: skip


def attach(client: TestClient, url: str, caller: Caller, content: bytes, name: str) -> Any:
    """Upload ``content`` as ``name`` to the attachments or documents at ``url``."""
    return client.post(url, files={"file": (name, content)}, headers=caller.headers)


def stored(kontor: Kontor) -> list[bytes]:
    """The contents of the files kept on disk."""
    folder = kontor.settings.data_dir / "attachments"
    files = [p for p in folder.rglob("*") if p.is_file()] if folder.exists() else []
    return sorted(p.read_bytes() for p in files)


def rows(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(attachments)).scalar_one())


def test_a_file_attached_to_a_task_is_listed_downloaded_and_removed_by_its_owner(
    kontor: Kontor, client: TestClient, engine: Engine
) -> None:
    anna, ben = worker(kontor, "anna@v.test"), worker(kontor, "ben@v.test")
    task = client.post("/api/tasks", json={"name": "Schaden prüfen"}, headers=anna.headers).json()
    url = f"/api/tasks/{task['task_id']}/attachments"
    created = attach(client, url, anna, PHOTO, "Schadenfoto Küche.jpg")
    assert created.status_code == 201, created.text
    added = created.json()
    assert (added["file_name"], added["media_type"], added["size"]) == (
        "Schadenfoto Küche.jpg", "image/jpeg", len(PHOTO),
    )  # fmt: skip
    assert added["added_by"] == anna.principal.user_id
    assert "blob_key" not in added
    assert "tenant_id" not in added
    assert client.get(url, headers=ben.headers).json()["items"] == [added]

    content = client.get(f"{url}/{added['attachment_id']}/content", headers=ben.headers)
    assert content.status_code == 200
    assert content.content == PHOTO
    assert content.headers["content-type"] == "image/jpeg"
    assert content.headers["content-disposition"].startswith("attachment;")
    assert "Schadenfoto%20K%C3%BCche.jpg" in content.headers["content-disposition"]
    assert content.headers["x-content-type-options"] == "nosniff"

    refused = client.delete(f"{url}/{added['attachment_id']}", headers=ben.headers)
    assert (refused.status_code, refused.json()["code"]) == (403, "attachments.not_owner")
    assert client.delete(f"{url}/{added['attachment_id']}", headers=anna.headers).status_code == 204
    assert client.get(url, headers=anna.headers).json()["items"] == []
    assert stored(kontor) == []
    assert rows(engine) == 0
    gone = client.get(f"{url}/{added['attachment_id']}/content", headers=anna.headers)
    assert (gone.status_code, gone.json()["code"]) == (404, "attachments.not_found")

    history = client.get(f"/api/tasks/{task['task_id']}", headers=anna.headers).json()["history"]
    assert [(h["operation"], h["details"].get("file_name")) for h in history[-2:]] == [
        ("attach", "Schadenfoto Küche.jpg"), ("detach", "Schadenfoto Küche.jpg"),
    ]  # fmt: skip
    with engine.connect() as connection:
        actions = connection.execute(
            select(AUDIT_LOG.c.action).order_by(AUDIT_LOG.c.entry_id)
        ).scalars().all()  # fmt: skip
    assert actions[-2:] == ["casework.add_attachment", "casework.remove_attachment"]


def test_a_task_manager_removes_anyones_attachment(
    kontor: Kontor, client: TestClient, engine: Engine
) -> None:
    anna, chef = worker(kontor, "anna@v.test"), worker(kontor, "chef@v.test", "tasks:manage")
    task = client.post("/api/tasks", json={"name": "Prüfen"}, headers=anna.headers).json()
    url = f"/api/tasks/{task['task_id']}/attachments"
    added = attach(client, url, anna, b"Gutachten", "gutachten.txt").json()
    assert added["media_type"] == "text/plain"
    assert client.delete(f"{url}/{added['attachment_id']}", headers=chef.headers).status_code == 204
    assert rows(engine) == 0


def test_refused_uploads_keep_nothing(kontor: Kontor, client: TestClient, engine: Engine) -> None:
    anna = worker(kontor, "anna@v.test")
    task = client.post("/api/tasks", json={"name": "Prüfen"}, headers=anna.headers).json()
    url = f"/api/tasks/{task['task_id']}/attachments"
    too_large = attach(client, url, anna, b"x" * (LIMIT + 1), "gross.bin")
    assert (too_large.status_code, too_large.json()["code"]) == (413, "exchange.file_too_large")
    empty = attach(client, url, anna, b"", "leer.pdf")
    assert empty.status_code == 422
    assert (empty.json()["field"], empty.json()["detail"]) == ("file", "the uploaded file is empty")
    unknown = attach(client, "/api/tasks/no-such-task/attachments", anna, PHOTO, "a.jpg")
    assert unknown.status_code == 404
    no_case = attach(client, "/api/cases/no-such-case/documents", anna, PHOTO, "a.jpg")
    assert (no_case.status_code, no_case.json()["code"]) == (404, "cases.not_found")
    assert stored(kontor) == []
    assert rows(engine) == 0


def test_a_case_lists_its_documents_with_its_tasks_attachments_in_one_timeline(
    kontor: Kontor, client: TestClient, engine: Engine
) -> None:
    anna, ben = worker(kontor, "anna@v.test"), worker(kontor, "ben@v.test")
    chef = worker(kontor, "chef@v.test", "cases:manage")
    case = client.post("/api/cases", json=CLAIM, headers=anna.headers).json()
    documents = f"/api/cases/{case['case_id']}/documents"
    letter = attach(client, documents, anna, b"%PDF-1.4 Brief", "Schadenmeldung.pdf").json()
    assert (letter["case_id"], letter["task_id"]) == (case["case_id"], None)
    assert letter["media_type"] == "application/pdf"
    assert isinstance(kontor.clock, FakeClock)
    kontor.clock.advance(dt.timedelta(minutes=1))
    body = {"name": "Gutachter beauftragen", "case_id": case["case_id"]}
    task = client.post("/api/tasks", json=body, headers=anna.headers).json()
    task_url = f"/api/tasks/{task['task_id']}/attachments"
    photo = attach(client, task_url, ben, PHOTO, "foto.jpg").json()
    assert photo["case_id"] == case["case_id"]

    listed = client.get(documents, headers=ben.headers).json()["items"]
    assert [(d["file_name"], d["task_id"]) for d in listed] == [
        ("Schadenmeldung.pdf", None), ("foto.jpg", task["task_id"]),
    ]  # fmt: skip
    via_case = client.get(f"{documents}/{photo['attachment_id']}/content", headers=ben.headers)
    assert via_case.content == PHOTO
    # a task's attachment is removed from its task, not from the case
    through_case = client.delete(f"{documents}/{photo['attachment_id']}", headers=ben.headers)
    assert through_case.status_code == 404
    through_task = client.delete(f"{task_url}/{letter['attachment_id']}", headers=anna.headers)
    assert through_task.status_code == 404
    assert rows(engine) == 2

    refused = client.delete(f"{documents}/{letter['attachment_id']}", headers=ben.headers)
    assert refused.status_code == 403
    assert (
        client.delete(f"{documents}/{letter['attachment_id']}", headers=chef.headers).status_code
        == 204
    )
    timeline = client.get(f"/api/cases/{case['case_id']}", headers=anna.headers).json()["timeline"]
    kinds = [(e["kind"], e["details"].get("file_name")) for e in timeline]
    assert ("document_added", "Schadenmeldung.pdf") in kinds
    assert ("task_attach", "foto.jpg") in kinds
    assert kinds[-1] == ("document_removed", "Schadenmeldung.pdf")
    assert stored(kontor) == [PHOTO]
