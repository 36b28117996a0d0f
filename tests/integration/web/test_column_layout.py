"""Each user arranges a table's columns: which show and in which order, kept per user and
table, followed by the export; another user keeps the table's own; *Zurücksetzen* restores it."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from kontor.bootstrap import Kontor
from kontor.platform import UNDERWRITERS, TenantKind
from support.backends import BACKENDS
from support.identity import Caller, api_caller
from support.kontor_app import app_client, kontor_on

pytestmark = pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
OWN = ["Aufgabe", "Status", "Bearbeiter", "Priorität", "Fällig am", "Angelegt am", "Vorgang"]


@pytest.fixture
def kontor(engine: Engine) -> Kontor:
    return kontor_on(engine)


@pytest.fixture
def client(kontor: Kontor) -> Iterator[TestClient]:
    with app_client(kontor, pages=True) as test_client:
        yield test_client


def worker(kontor: Kontor, name: str) -> Caller:
    return api_caller(kontor, "versicherer", kind=TenantKind.INSURER, group=UNDERWRITERS,
                      login=f"{name}@versicherer.test")  # fmt: skip


def headings(html: str) -> list[str]:
    """The work list's column headings, left to right (the checkbox column has none)."""
    head = html.split('<table class="data-table">', 1)[1].split("</thead>", 1)[0]
    cells = re.findall(r'<th scope="col"[^>]*>(.*?)</th>', head, re.S)
    texts = [re.sub(r"<[^>]+>", "", cell).strip() for cell in cells]
    return [text for text in texts if text]


def test_a_user_hides_and_orders_columns_and_the_export_follows(
    kontor: Kontor, client: TestClient
) -> None:
    anna, ben = worker(kontor, "anna"), worker(kontor, "ben")
    body = {"name": "Police prüfen", "assignee": anna.principal.user_id, "priority": 70}
    client.post("/api/tasks", json=body, headers=anna.headers)
    assert headings(client.get("/tasks", headers=anna.headers).text) == OWN

    layout = {"show": ["name", "priority", "due_at"], "pos_priority": "1", "pos_name": "2",
              "pos_due_at": "3"}  # fmt: skip
    saved = client.post("/tasks/layout", data=layout, headers=anna.headers)
    assert saved.status_code == 204
    assert saved.headers["hx-refresh"] == "true"
    page = client.get("/tasks", headers=anna.headers).text
    assert headings(page) == ["Priorität", "Aufgabe", "Fällig am"]
    assert '<a href="/tasks/' in page  # the first shown column still opens the task
    assert headings(client.get("/tasks", headers=ben.headers).text) == OWN

    exported = client.get("/tasks/export.csv", headers=anna.headers)
    rows = list(csv.reader(io.StringIO(exported.text.lstrip("\ufeff")), delimiter=";"))
    assert rows[0] == ["Priorität", "Aufgabe", "Fällig am"]
    assert rows[1][:2] == ["70", "Police prüfen"]

    client.post("/tasks/layout", data={"reset": "1"}, headers=anna.headers)
    assert headings(client.get("/tasks", headers=anna.headers).text) == OWN
    nothing = client.post("/tasks/layout", data={}, headers=anna.headers)  # all unticked
    assert nothing.status_code == 204
    assert headings(client.get("/tasks", headers=anna.headers).text) == OWN
