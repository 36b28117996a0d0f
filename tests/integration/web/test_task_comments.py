"""Comments in the task view: written through the task system, listed in the history with their
text and author; an empty one is refused in German and changes nothing; another tenant's task
is not found."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from kontor.bootstrap import Kontor
from kontor.platform import UNDERWRITERS, TenantKind
from support.backends import BACKENDS
from support.identity import api_caller
from support.kontor_app import app_client, kontor_on

pytestmark = pytest.mark.parametrize("database_url", BACKENDS, indirect=True)


@pytest.fixture
def kontor(engine: Engine) -> Kontor:
    return kontor_on(engine)


@pytest.fixture
def client(kontor: Kontor) -> Iterator[TestClient]:
    with app_client(kontor, pages=True) as test_client:
        yield test_client


def test_a_comment_appears_in_the_history_and_an_empty_one_is_refused(
    kontor: Kontor, client: TestClient
) -> None:
    anna = api_caller(kontor, kind=TenantKind.INSURER, group=UNDERWRITERS, login="anna@t.test")
    body = {"name": "Rückfrage klären", "assignee": anna.principal.user_id}
    task_id = client.post("/api/tasks", json=body, headers=anna.headers).json()["task_id"]
    page = client.get(f"/tasks/{task_id}", headers=anna.headers).text
    assert '<label for="comment-message">Kommentar</label>' in page

    remark = {"message": "Makler ruft morgen zurück"}
    said = client.post(f"/tasks/{task_id}/operations/comment", data=remark, headers=anna.headers)
    assert said.status_code == 200
    assert "Kommentar gespeichert." in said.text
    assert "<td>Kommentar</td>" in said.text
    assert "<td>Makler ruft morgen zurück</td>" in said.text

    empty = client.post(f"/tasks/{task_id}/operations/comment", data={"message": "  "},
                        headers=anna.headers)  # fmt: skip
    assert empty.status_code == 422
    assert "Bitte Nachricht angeben." in empty.text
    history = client.get(f"/api/tasks/{task_id}", headers=anna.headers).json()["history"]
    assert [entry["operation"] for entry in history] == ["create", "comment"]

    stranger = api_caller(kontor, "other", kind=TenantKind.INSURER, group=UNDERWRITERS,
                          login="olaf@other.test")  # fmt: skip
    foreign = client.post(f"/tasks/{task_id}/operations/comment", data={"message": "hallo"},
                          headers=stranger.headers)  # fmt: skip
    assert foreign.status_code == 404
