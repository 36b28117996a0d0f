"""The audit API: keyset pages of the caller's tenant, exports that spreadsheets cannot run."""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from kontor.api import create_app
from kontor.bootstrap import Kontor, bootstrap
from kontor.platform import UNDERWRITERS, TenantKind
from kontor.process import BroadcastSignal
from kontor.settings import Environment, Settings
from support.backends import BACKENDS
from support.identity import TEST_TENANT, Caller, api_caller

pytestmark = pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
FORMULAS = ["=1+2", "+49 30 1234", "-2+3", "@SUM(A1)"]


@pytest.fixture
def kontor(engine: Engine) -> Kontor:
    settings = Settings(environment=Environment.TEST, secret_key="a-real-secret-for-tests")
    return bootstrap(settings, engine=engine)


@pytest.fixture
def caller(kontor: Kontor) -> Caller:
    return api_caller(kontor)


@pytest.fixture
def client(kontor: Kontor, caller: Caller) -> Iterator[TestClient]:
    kontor.bus.handle(BroadcastSignal(tenant_id="other", name="foreign", actor="stranger"))
    app = create_app(kontor.settings, kontor)
    with TestClient(app, headers=caller.headers) as test_client:
        for name in FORMULAS:
            response = test_client.post("/api/process/signals", json={"name": name})
            assert response.status_code == 200, response.text
        yield test_client


def test_pages_follow_the_cursor_and_show_only_the_callers_tenant(
    client: TestClient, caller: Caller
) -> None:
    seen: list[str] = []
    after: str | None = None
    while True:
        params = {
            "limit": 3,
            "entity_type": "process_signal",
            **({"after": after} if after else {}),
        }
        page = client.get("/api/audit", params=params).json()
        seen.extend(item["entity_id"] for item in page["items"])
        after = page["next_after"]
        if after is None:
            break
    assert seen == FORMULAS
    first = client.get("/api/audit", params={"entity_id": "=1+2"}).json()["items"][0]
    assert (first["action"], first["actor"], first["sealed"]) == (
        "process.broadcast_signal",
        caller.principal.user_id,
        False,
    )


def test_csv_export_quotes_cells_a_spreadsheet_would_run(client: TestClient) -> None:
    response = client.get("/api/audit/export", params={"format": "csv"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert [row["entity_id"] for row in rows] == [f"'{name}" for name in FORMULAS]
    assert {row["tenant_id"] for row in rows} == {TEST_TENANT}


def test_xlsx_export_holds_text_cells_only(client: TestClient) -> None:
    response = client.get("/api/audit/export", params={"format": "xlsx"})
    assert response.status_code == 200
    with zipfile.ZipFile(io.BytesIO(response.content)) as workbook:
        sheet = workbook.read("xl/worksheets/sheet1.xml").decode("utf-8")
    assert "<f>" not in sheet
    for name in FORMULAS:
        assert f"'{name}" in sheet


def test_reading_and_exporting_need_their_permissions(kontor: Kontor, client: TestClient) -> None:
    reader = api_caller(
        kontor, "insurer", kind=TenantKind.INSURER, group=UNDERWRITERS, grants=["audit:read"]
    )
    assert client.get("/api/audit", headers=reader.headers).status_code == 200
    assert client.get("/api/audit/export", headers=reader.headers).status_code == 403


def test_times_without_a_zone_are_refused(client: TestClient) -> None:
    response = client.get("/api/audit", params={"since": "2026-01-01T00:00:00"})
    assert response.status_code == 422
    assert "since" in response.text
