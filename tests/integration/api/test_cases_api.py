"""The case API: open, read with timeline, list and page, change, comment, close; money exact."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
import simplejson
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from kontor.api import create_app
from kontor.bootstrap import Kontor, bootstrap
from kontor.messaging import FakeClock
from kontor.platform import BROKERS, TenantKind
from kontor.platform.audit import every_entry
from kontor.settings import Environment, Settings
from support.backends import BACKENDS
from support.cases import case_types
from support.identity import Caller, api_caller

AUDIT_LOG = every_entry()  # chained and unsealed entries

pytestmark = pytest.mark.parametrize("database_url", BACKENDS, indirect=True)

CLAIM = {"case_type": "claim", "business_key": "S-1", "title": "Sturmschaden",
         "owner": "u-anna", "group_id": "claims", "due_date": "2026-12-24",
         "data": {"claim_number": "S-1"}}  # fmt: skip


@pytest.fixture
def kontor(engine: Engine) -> Kontor:
    settings = Settings(environment=Environment.TEST, secret_key="a-real-secret-for-tests")
    return bootstrap(settings, engine=engine, clock=FakeClock(), case_types=case_types())


@pytest.fixture
def client(kontor: Kontor) -> Iterator[TestClient]:
    with TestClient(create_app(kontor.settings, kontor)) as test_client:
        yield test_client


@pytest.fixture
def caller(kontor: Kontor) -> Caller:
    return api_caller(kontor, grants=["cases:read", "cases:write", "cases:manage"])


def _open(client: TestClient, caller: Caller, **changes: Any) -> dict[str, Any]:
    response = client.post("/api/cases", json=CLAIM | changes, headers=caller.headers)
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def test_a_case_is_opened_and_shown_with_its_timeline(client: TestClient, caller: Caller) -> None:
    case = _open(client, caller)
    shown = client.get(f"/api/cases/{case['case_id']}", headers=caller.headers).json()
    assert shown == case
    assert (shown["status"], shown["owner"], shown["due_date"], shown["closed"]) == (
        "reported", "u-anna", "2026-12-24", False,
    )  # fmt: skip
    [entry] = shown["timeline"]
    assert (entry["kind"], entry["actor"]) == ("created", caller.principal.user_id)


def test_bad_data_is_refused_with_its_field_paths(client: TestClient, caller: Caller) -> None:
    data = {"claim_number": "S-1", "insured": {"name": 5}}
    response = client.post("/api/cases", json=CLAIM | {"data": data}, headers=caller.headers)
    assert response.status_code == 422
    assert response.json()["code"] == "cases.invalid_data"
    assert [e["field"] for e in response.json()["errors"]] == ["insured/name"]
    unknown = client.post("/api/cases", json=CLAIM | {"case_type": "x"}, headers=caller.headers)
    assert (unknown.status_code, unknown.json()["field"]) == (422, "case_type")
    assert client.get("/api/cases", headers=caller.headers).json()["items"] == []


def test_a_refused_transition_is_a_conflict_naming_status_and_transition(
    client: TestClient, caller: Caller
) -> None:
    case = _open(client, caller)
    url = f"/api/cases/{case['case_id']}/status"
    refused = client.post(url, json={"status": "settled"}, headers=caller.headers)
    assert refused.status_code == 409
    assert (refused.json()["case_status"], refused.json()["transition"]) == (
        "reported", "reported -> settled",
    )  # fmt: skip
    moved = client.post(url, json={"status": "in_review", "reason": "ok"}, headers=caller.headers)
    assert moved.json()["status"] == "in_review"
    duplicate = client.post("/api/cases", json=CLAIM, headers=caller.headers)
    assert (duplicate.status_code, duplicate.json()["code"]) == (
        409, "cases.duplicate_business_key",
    )  # fmt: skip


def test_comment_update_close_and_reopen_are_on_the_timeline_and_audited(
    client: TestClient, caller: Caller, engine: Engine
) -> None:
    case = _open(client, caller)
    base = f"/api/cases/{case['case_id']}"
    assert client.post(f"{base}/comments", json={"text": "Fotos fehlen"},
                       headers=caller.headers).status_code == 201  # fmt: skip
    changed = client.patch(base, json={"owner": None, "title": "Sturm"}, headers=caller.headers)
    assert (changed.json()["owner"], changed.json()["title"]) == (None, "Sturm")
    assert changed.json()["group_id"] == "claims"
    closed = client.post(f"{base}/close", json={"reason": "erledigt"}, headers=caller.headers)
    assert closed.json()["closed"] is True
    frozen = client.patch(base, json={"title": "x"}, headers=caller.headers)
    assert frozen.status_code == 409
    reopened = client.post(f"{base}/reopen", json={}, headers=caller.headers).json()
    assert [e["kind"] for e in reopened["timeline"]] == [
        "created", "commented", "updated", "closed", "reopened",
    ]  # fmt: skip
    with engine.connect() as connection:
        actions = connection.execute(
            select(AUDIT_LOG.c.action).where(AUDIT_LOG.c.entity_id == case["case_id"])
        ).scalars().all()  # fmt: skip
    assert sorted(actions) == ["case.close", "case.comment", "case.open", "case.reopen",
                               "case.update"]  # fmt: skip


def test_lists_filter_and_page_with_a_cursor(client: TestClient, caller: Caller) -> None:
    first = _open(client, caller)
    second = _open(client, caller, business_key="S-2", owner="u-ben",
                   data={"claim_number": "S-2"})  # fmt: skip
    third = _open(client, caller, business_key="S-3", data={"claim_number": "S-3"})
    as_c = caller.headers
    page = client.get("/api/cases?limit=2", headers=as_c).json()
    rest = client.get(f"/api/cases?limit=2&after={page['next_cursor']}", headers=as_c).json()
    assert [c["case_id"] for c in page["items"] + rest["items"]] == [
        first["case_id"], second["case_id"], third["case_id"],
    ]  # fmt: skip
    assert rest["next_cursor"] is None

    def ids(query: str) -> list[str]:
        return [
            c["case_id"] for c in client.get(f"/api/cases?{query}", headers=as_c).json()["items"]
        ]

    assert ids("owner=u-anna") == [first["case_id"], third["case_id"]]
    assert ids("data=claim_number:S-2") == [second["case_id"]]
    assert ids("case_type=claim&status=reported&group_id=claims&business_key=S-3") == [
        third["case_id"]
    ]
    bad = client.get("/api/cases?data=claim_number", headers=as_c)
    assert (bad.status_code, bad.json()["field"]) == (422, "data")


def test_money_in_case_data_comes_back_exactly(client: TestClient, caller: Caller) -> None:
    body = simplejson.dumps(
        CLAIM | {"data": {"claim_number": "S-1", "amount": Decimal("1234567890123456.78"),
                          "fee": Decimal("12.30")}},
        use_decimal=True,
    )  # fmt: skip
    json_headers = {**caller.headers, "content-type": "application/json"}
    created = client.post("/api/cases", content=body, headers=json_headers)
    assert created.status_code == 201
    assert '"amount": 1234567890123456.78' in created.text
    shown = client.get(f"/api/cases/{created.json()['case_id']}", headers=caller.headers)
    data = simplejson.loads(shown.text, use_decimal=True)["data"]
    assert (data["amount"], str(data["fee"])) == (Decimal("1234567890123456.78"), "12.30")
    listed = client.get("/api/cases", headers=caller.headers).text
    assert '"amount": 1234567890123456.78' in listed
    assert '"fee": 12.30' in listed


def test_a_broker_may_work_on_cases_but_not_close_them(kontor: Kontor, client: TestClient) -> None:
    broker = api_caller(kontor, "makler-a", kind=TenantKind.BROKER, group=BROKERS)
    case = _open(client, broker)
    refused = client.post(f"/api/cases/{case['case_id']}/close", json={}, headers=broker.headers)
    assert refused.status_code == 403
