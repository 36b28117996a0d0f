"""A work list exported as CSV or XLSX: the same tasks and order as on screen, formulas made
harmless, refused beyond the configured number of rows."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Iterator

import openpyxl
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from kontor.api.routes import task_exports
from kontor.bootstrap import Kontor
from kontor.messaging import FakeClock
from kontor.platform import UNDERWRITERS, TenantKind
from support.backends import BACKENDS
from support.identity import Caller, api_caller
from support.kontor_app import app_client, kontor_on

pytestmark = pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
NOW = dt.datetime(2026, 3, 2, 8, 0, tzinfo=dt.UTC)


@pytest.fixture
def kontor(engine: Engine) -> Kontor:
    return kontor_on(engine, FakeClock(NOW), export_max_rows=4)


@pytest.fixture
def client(kontor: Kontor) -> Iterator[TestClient]:
    with app_client(kontor) as test_client:
        yield test_client


@pytest.fixture
def anna(kontor: Kontor, client: TestClient) -> Caller:
    anna = api_caller(kontor, kind=TenantKind.INSURER, group=UNDERWRITERS, login="anna@t.test")
    for day, name in enumerate(['=HYPERLINK("http://evil")', "Rückruf Müller", "@Ablage"]):
        due = (NOW + dt.timedelta(days=day)).isoformat()
        body = {"name": name, "candidate_groups": [UNDERWRITERS], "due_at": due, "priority": 60}
        assert client.post("/api/tasks", json=body, headers=anna.headers).status_code == 201
    return anna


def test_a_work_list_exports_to_csv_in_its_order_with_formulas_escaped(
    client: TestClient, anna: Caller, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(task_exports, "PAGE", 2)  # the export reads page after page
    response = client.get("/api/tasks/export", params={"format": "csv"}, headers=anna.headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    assert 'filename="aufgaben-20260302-0800.csv"' in response.headers["content-disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:4] == ["Aufgaben-ID", "Aufgabe", "Status", "Bearbeiter"]
    assert [(r[1], r[2], r[7]) for r in rows[1:]] == [
        ('\'=HYPERLINK("http://evil")', "ready", "2026-03-02T08:00:00+00:00"),
        ("Rückruf Müller", "ready", "2026-03-03T08:00:00+00:00"),
        ("'@Ablage", "ready", "2026-03-04T08:00:00+00:00"),
    ]
    assert rows[1][5] == UNDERWRITERS


def test_a_filtered_work_list_exports_to_xlsx_with_typed_cells(
    client: TestClient, anna: Caller
) -> None:
    tree = {"field": "name", "op": "contains", "value": "müller"}
    params = {"format": "xlsx", "filter": json.dumps(tree)}
    response = client.get("/api/tasks/export", params=params, headers=anna.headers)
    assert response.status_code == 200, response.text
    sheet = openpyxl.load_workbook(io.BytesIO(response.content))["Aufgaben"]
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) == 2
    assert rows[1][1:3] == ("Rückruf Müller", "ready")
    assert (rows[1][6], rows[1][7]) == (60, dt.datetime(2026, 3, 3, 8, 0))


def test_a_list_longer_than_the_limit_is_refused_before_anything_is_written(
    client: TestClient, anna: Caller
) -> None:
    body = {"name": "Noch eine", "candidate_groups": [UNDERWRITERS]}
    for _ in range(2):
        client.post("/api/tasks", json=body, headers=anna.headers)
    response = client.get("/api/tasks/export", params={"format": "xlsx"}, headers=anna.headers)
    assert response.status_code == 422
    problem = response.json()
    assert (problem["code"], problem["rows"], problem["limit"]) == (
        "exchange.export_too_large", 5, 4
    )  # fmt: skip
    bad = client.get("/api/tasks/export", params={"format": "pdf"}, headers=anna.headers)
    assert bad.status_code == 422
