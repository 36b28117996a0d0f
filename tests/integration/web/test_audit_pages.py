"""The audit log in the browser: the tenant's entries as a table with search and export, and the
history of one record (who changed which field from what to what), for those who read the log;
another tenant's record has no history here."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from kontor.bootstrap import Kontor, bootstrap
from kontor.messaging import FakeClock
from kontor.platform import ADMINISTRATORS, UNDERWRITERS, TenantKind
from support import kontor_app
from support.backends import BACKENDS
from support.cases import case_types
from support.identity import Caller, api_caller

pytestmark = pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
CLAIM = {"case_type": "claim", "business_key": "S-3", "title": "Sturmschaden",
         "data": {"claim_number": "S-3"}}  # fmt: skip


@pytest.fixture
def kontor(engine: Engine) -> Kontor:
    settings = kontor_app.testing_settings()
    return bootstrap(settings, engine=engine, clock=FakeClock(), case_types=case_types())


@pytest.fixture
def client(kontor: Kontor) -> Iterator[TestClient]:
    with kontor_app.app_client(kontor, pages=True) as test_client:
        yield test_client


def person(kontor: Kontor, group: str, tenant: str = "versicherer") -> Caller:
    return api_caller(kontor, tenant, kind=TenantKind.INSURER, group=group,
                      login=f"{group}@{tenant}.test")  # fmt: skip


def test_the_log_lists_searches_and_exports_and_a_record_shows_its_history(
    kontor: Kontor, client: TestClient
) -> None:
    admin = person(kontor, ADMINISTRATORS)
    case = client.post("/api/cases", json=CLAIM, headers=admin.headers).json()
    change = {"title": "Sturmschaden Dach", "owner": admin.principal.user_id}
    client.patch(f"/api/cases/{case['case_id']}", json=change, headers=admin.headers)

    log = client.get("/admin/audit", params={"q": "case.update"}, headers=admin.headers)
    assert log.status_code == 200
    assert "case.update" in log.text
    assert "case.open" not in log.text
    history_url = f"/history/case/{case['case_id']}"
    assert f'href="{history_url}"' in log.text
    everything = {"q": ""}  # the search is kept for the table; the export asks for all rows
    exported = client.get("/admin/audit/export.csv", params=everything, headers=admin.headers)
    assert exported.status_code == 200
    rows = list(csv.reader(io.StringIO(exported.text.lstrip("\ufeff")), delimiter=";"))
    assert rows[0][:3] == ["Zeit", "Von", "Aktion"]
    assert {"case.open", "case.update"} <= {row[2] for row in rows[1:]}

    page = client.get(f"/cases/{case['case_id']}", headers=admin.headers)
    assert f'<a href="{history_url}">Historie</a>' in page.text
    history = client.get(history_url, headers=admin.headers)
    assert history.status_code == 200
    text = history.text
    assert text.index("case.open") < text.index("case.update")
    assert "<td>title</td><td></td><td>Sturmschaden Dach</td>" in text  # the log keeps the after
    assert "Test administrators" in text  # the actor by name


def test_only_readers_of_the_log_see_histories_and_only_their_tenants(
    kontor: Kontor, client: TestClient
) -> None:
    admin = person(kontor, ADMINISTRATORS)
    case = client.post("/api/cases", json=CLAIM, headers=admin.headers).json()
    history_url = f"/history/case/{case['case_id']}"
    underwriter = api_caller(kontor, "versicherer", kind=TenantKind.INSURER, group=UNDERWRITERS,
                             login="uw@versicherer.test", grants=["cases:read"])  # fmt: skip
    page = client.get(f"/cases/{case['case_id']}", headers=underwriter.headers)
    assert "Historie</a>" not in page.text
    assert client.get(history_url, headers=underwriter.headers).status_code == 403
    assert client.get("/admin/audit", headers=underwriter.headers).status_code == 403
    stranger = person(kontor, ADMINISTRATORS, tenant="andere")
    foreign = client.get(history_url, headers=stranger.headers)
    assert foreign.status_code == 404
    assert "Eine Historie zu diesem Datensatz gibt es nicht." in foreign.text
