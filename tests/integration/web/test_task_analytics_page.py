"""The analytics pages: tasks per week and key, cases per status week by week; charts and tables."""

from __future__ import annotations

import datetime as dt
import html
import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from kontor.bootstrap import Kontor, bootstrap
from kontor.casework.cases import ChangeCaseStatus, OpenCase
from kontor.messaging import FakeClock
from kontor.platform import ADMINISTRATORS, UNDERWRITERS, TenantKind
from kontor.web import create_app
from support import kontor_app
from support.backends import BACKENDS
from support.cases import case_types
from support.identity import Caller, api_caller
from support.kontor_app import kontor_on

pytestmark = pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
MONDAY = dt.datetime(2026, 3, 2, 8, 0, tzinfo=dt.UTC)  # Monday, 9:00 in Berlin


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(MONDAY)


@pytest.fixture
def kontor(engine: Engine, clock: FakeClock) -> Kontor:
    return kontor_on(engine, clock)


@pytest.fixture
def client(kontor: Kontor) -> Iterator[TestClient]:
    app = create_app(kontor.settings, kontor)
    with TestClient(app, base_url="https://testserver", follow_redirects=False) as test_client:
        yield test_client


def act(client: TestClient, caller: Caller, task: str, operation: str, **body: Any) -> None:
    response = client.post(f"/api/tasks/{task}/{operation}", json=body, headers=caller.headers)
    assert response.status_code == 200, response.text


def chart_data(page: str) -> dict[str, Any]:
    found = re.search(r'data-chart="([^"]*)"', page)
    assert found is not None
    return dict(json.loads(html.unescape(found.group(1))))


def test_a_team_lead_sees_each_week_and_each_task_with_its_times_and_missed_deadlines(
    kontor: Kontor, client: TestClient, clock: FakeClock
) -> None:
    lead = api_caller(kontor, kind=TenantKind.INSURER, group=ADMINISTRATORS, login="lead@t.test")
    anna = api_caller(kontor, kind=TenantKind.INSURER, group=UNDERWRITERS, login="anna@t.test")

    def new(name: str) -> str:
        task = {"name": name, "candidate_groups": [UNDERWRITERS]}
        return str(client.post("/api/tasks", json=task, headers=lead.headers).json()["task_id"])

    first, second = new("Schaden prüfen"), new("Antrag prüfen")
    clock.advance(dt.timedelta(minutes=90))
    act(client, anna, first, "claim")
    act(client, anna, first, "complete", data={})  # 1.5 hours
    clock.advance(dt.timedelta(days=7))  # the next week
    third = new("Schaden prüfen")
    act(client, lead, third, "escalate", reason="Frist überschritten", priority=90)
    act(client, lead, second, "escalate", reason="Kunde ruft an")

    page = client.get(
        "/analytics/tasks",
        params={"from": "2026-03-02", "to": "2026-03-15", "by": "name"},
        headers=lead.headers,
    )
    assert page.status_code == 200, page.text
    data = chart_data(page.text)
    assert data["keys"] == ["Antrag prüfen", "Schaden prüfen"]
    assert data["weeks"] == ["2026-03-02", "2026-03-09"]
    assert data["created"] == {"Antrag prüfen": [1, 0], "Schaden prüfen": [1, 1]}
    assert data["completed"] == {"Antrag prüfen": [0, 0], "Schaden prüfen": [1, 0]}
    assert data["deadlines_missed"] == {"Antrag prüfen": [0, 0], "Schaden prüfen": [0, 1]}
    assert data["cycle_p50_hours"] == [None, 1.5]
    assert data["shares"]["escalated"] == [100.0, 50.0]
    assert "<td>1,5</td>" in page.text  # the table beside the chart, in German numbers
    assert '<canvas id="chart-cycle" role="img"' in page.text
    assert "02.03.2026" in page.text


def test_the_page_needs_the_task_management_permission_and_a_forward_period(
    kontor: Kontor, client: TestClient
) -> None:
    lead = api_caller(kontor, kind=TenantKind.INSURER, group=ADMINISTRATORS, login="lead@t.test")
    anna = api_caller(kontor, kind=TenantKind.INSURER, group=UNDERWRITERS, login="anna@t.test")
    assert client.get("/analytics/tasks", headers=anna.headers).status_code == 403
    backwards = client.get(
        "/analytics/tasks", params={"from": "2026-03-15", "to": "2026-03-01"}, headers=lead.headers
    )
    assert backwards.status_code == 422
    assert "Der Zeitraum muss vorwärts laufen" in backwards.text
    empty = client.get("/analytics/tasks", headers=lead.headers)
    assert empty.status_code == 200
    assert "Im Zeitraum wurden keine Aufgaben angelegt." in empty.text
    assert len(chart_data(empty.text)["weeks"]) in (12, 13)


def test_cases_per_status_stand_week_by_week_as_they_were(engine: Engine, clock: FakeClock) -> None:
    kontor = bootstrap(
        kontor_app.testing_settings(), engine=engine, clock=clock, case_types=case_types()
    )
    reader = api_caller(kontor, kind=TenantKind.INSURER, group=UNDERWRITERS, login="uw@t.test")
    stranger = api_caller(kontor, "other", kind=TenantKind.INSURER, group=UNDERWRITERS)
    tenant = reader.principal.tenant_id

    def open_case(key: str) -> str:
        command = OpenCase(tenant_id=tenant, case_type="claim", business_key=key, title=key,
                           data={"claim_number": key}, actor=reader.principal.user_id)  # fmt: skip
        return str(kontor.bus.handle(command).case_id)

    def move(case_id: str, status: str) -> None:
        kontor.bus.handle(ChangeCaseStatus(tenant_id=tenant, case_id=case_id, status=status,
                                           actor=reader.principal.user_id))  # fmt: skip

    first, second = open_case("S-1"), open_case("S-2")  # week of 2 March: 2 reported
    clock.advance(dt.timedelta(days=7))
    move(first, "in_review")  # week of 9 March: 1 reported, 1 in review
    third = open_case("S-3")
    clock.advance(dt.timedelta(days=7))
    move(first, "settled")  # week of 16 March: 1 settled, 1 in review, 1 reported
    move(third, "in_review")
    del second
    app = create_app(kontor.settings, kontor)
    with TestClient(app, base_url="https://testserver", follow_redirects=False) as client:
        page = client.get(
            "/analytics/cases",
            params={"type": "claim", "from": "2026-03-02", "to": "2026-03-18"},
            headers=reader.headers,
        )
        assert page.status_code == 200, page.text
        data = chart_data(page.text)
        assert data["weeks"] == ["2026-03-08", "2026-03-15", "2026-03-18"]
        assert data["counts"] == {
            "in_review": [0, 1, 1],
            "reported": [2, 2, 1],
            "settled": [0, 0, 1],
        }
        assert "08.03.2026" in page.text
        unknown = client.get("/analytics/cases", params={"type": "nope"}, headers=reader.headers)
        assert unknown.status_code == 422
        assert "Diese Vorgangsart gibt es in Ihrem Mandanten nicht." in unknown.text
        other = client.get("/analytics/cases", headers=stranger.headers)  # another tenant
        assert other.status_code == 200
        assert "In Ihrem Mandanten gibt es noch keine Vorgänge." in other.text
