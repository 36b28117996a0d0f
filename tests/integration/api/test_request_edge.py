"""The API's edge: strict JSON, body and variables limits, a busy database, readiness."""

from __future__ import annotations

import datetime as dt
import json
import threading
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from kontor import db
from kontor.api import create_app
from kontor.bootstrap import Kontor, bootstrap, load_schema
from kontor.messaging import FakeClock
from kontor.platform import TokenStore
from kontor.settings import Environment, Settings
from support.backends import BACKENDS
from support.identity import api_caller
from support.models import WAIT

START = "/api/process/definitions/Wait/start"
JSON = {"content-type": "application/json"}
LIMITS = {
    "api_max_body_bytes": 8192,
    "api_max_upload_bytes": 64 * 1024,
    "api_max_variables_bytes": 1024,
    "database_busy_timeout_seconds": 0.2,
    "busy_retry_after_seconds": 3,
    "jobs_stalled_after_seconds": 60,
}


@pytest.fixture
def short_engine(database_url: str) -> Iterator[Engine]:
    """A migrated database whose statements wait at most 0.2 s for a lock."""
    load_schema()
    created = db.create_database_engine(database_url, lock_timeout_seconds=0.2)
    db.upgrade(created)
    yield created
    created.dispose()


@pytest.fixture
def kontor(short_engine: Engine) -> Kontor:
    settings = Settings(environment=Environment.TEST, secret_key="a-real-secret", **LIMITS)
    return bootstrap(settings, engine=short_engine, clock=FakeClock())


@pytest.fixture
def client(kontor: Kontor) -> Iterator[TestClient]:
    app = create_app(kontor.settings, kontor)
    with TestClient(app, headers=api_caller(kontor).headers) as test_client:
        deployed = test_client.post("/api/process/definitions", content=WAIT)
        assert deployed.status_code == 201, deployed.json()
        yield test_client


def _instances(client: TestClient) -> int:
    total: int = client.get("/api/process/instances").json()["total"]
    return total


def _problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    return body


@pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
@pytest.mark.parametrize("literal", ["NaN", "-Infinity", "1e999", "1" * 5000, "0.1" + "3" * 40])
def test_a_number_that_would_change_is_refused_naming_its_field_and_nothing_is_stored(
    client: TestClient, literal: str
) -> None:
    body = f'{{"variables": {{"claim": {{"amount": {literal}}}}}}}'
    problem = _problem(client.post(START, content=body, headers=JSON), 422)
    assert problem["errors"][0]["location"] == "body.variables.claim.amount"
    assert _instances(client) == 0


EXACT_BODY = (
    '{"tiny": 0.1, "big": 12345678901234567890.123456789, "n": 2e3,'
    ' "list": [1.10, -0.000001], "nested": {"premium": 1234.56}}'
)


def _exact(response: Any) -> Any:
    """The response's JSON with fractions read as ``Decimal``, as sent."""
    return json.loads(response.text, parse_float=Decimal)


def _sent() -> dict[str, Any]:
    return {
        "tiny": Decimal("0.1"),
        "big": Decimal("12345678901234567890.123456789"),
        "n": 2000,
        "list": [Decimal("1.10"), Decimal("-0.000001")],
        "nested": {"premium": Decimal("1234.56")},
    }


@pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
def test_decimals_round_trip_exactly_through_process_variables_and_task_data(
    client: TestClient,
) -> None:
    started = client.post(START, content='{"variables": ' + EXACT_BODY + "}", headers=JSON)
    assert started.status_code == 201, started.text
    assert _exact(started)["variables"] == _sent()
    instance = started.json()["instance_id"]
    assert _exact(client.get(f"/api/process/instances/{instance}"))["variables"] == _sent()
    changed = client.post(
        f"/api/process/instances/{instance}/variables",
        content='{"variables": {"tiny": 0.30000000000000004441}}',
        headers=JSON,
    )
    assert _exact(changed)["variables"]["tiny"] == Decimal("0.30000000000000004441")
    task = client.post(
        "/api/tasks", content='{"name": "Prüfen", "variables": ' + EXACT_BODY + "}", headers=JSON
    )
    assert task.status_code == 201, task.text
    assert _exact(task)["variables"] == _sent()
    shown = client.get(f"/api/tasks/{task.json()['task_id']}")
    assert _exact(shown)["variables"] == _sent()
    assert '"big": 12345678901234567890.123456789' in shown.text  # a JSON number, not text


@pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
def test_the_variable_history_answers_decimals_exactly(client: TestClient) -> None:
    started = client.post(START, content='{"variables": ' + EXACT_BODY + "}", headers=JSON)
    assert started.status_code == 201, started.text
    history = f"/api/process/instances/{started.json()['instance_id']}/variable-history"
    changed = client.post(
        history.replace("variable-history", "variables"),
        content='{"variables": {"tiny": 0.30000000000000004441}}',
        headers=JSON,
    )
    assert changed.status_code == 200, changed.text
    answered = client.get(history)
    assert answered.status_code == 200, answered.text
    values = {}
    for change in _exact(answered):
        values.setdefault(change["name"], []).append(change["value"])
    assert {name: found[0] for name, found in values.items()} == _sent()
    assert values["tiny"] == [Decimal("0.1"), Decimal("0.30000000000000004441")]
    assert '"value": 12345678901234567890.123456789' in answered.text  # a number, not text
    [big] = _exact(client.get(history, params={"name": "big"}))
    assert (big["value"], big["removed"]) == (Decimal("12345678901234567890.123456789"), False)
    assert dt.datetime.fromisoformat(big["changed_at"]).tzinfo is not None


@pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
def test_a_body_over_the_json_limit_is_refused_naming_the_limit(client: TestClient) -> None:
    body = '{"variables": {"note": "' + "x" * 9000 + '"}}'
    problem = _problem(client.post(START, content=body, headers=JSON), 413)
    assert (problem["code"], problem["limit_bytes"]) == ("kontor.body_too_large", 8192)
    assert "8192 bytes" in problem["detail"]

    def chunked() -> Iterator[bytes]:  # no Content-Length: counted while streamed
        yield b'{"variables": {"note": "'
        for _ in range(10):
            yield b"x" * 1000
        yield b'"}}'

    problem = _problem(client.post(START, content=chunked(), headers=JSON), 413)
    assert problem["limit_bytes"] == 8192
    assert _instances(client) == 0


@pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
def test_uploads_have_their_own_larger_limit(client: TestClient) -> None:
    padded = WAIT.replace("<bpmn:process", "<!--" + "x" * 10_000 + "--><bpmn:process")
    assert client.post("/api/process/validate", content=padded).status_code == 200
    huge = WAIT.replace("<bpmn:process", "<!--" + "x" * 70_000 + "--><bpmn:process")
    problem = _problem(client.post("/api/process/definitions", content=huge), 413)
    assert problem["limit_bytes"] == 64 * 1024


@pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
def test_variables_over_their_limit_are_refused_naming_the_limit(client: TestClient) -> None:
    many = {f"v{index}": index for index in range(200)}
    problem = _problem(client.post(START, json={"variables": many}), 413)
    assert (problem["code"], problem["field"], problem["limit_bytes"]) == (
        "kontor.variables_too_large",
        "variables",
        1024,
    )
    assert _instances(client) == 0


@pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
def test_a_locked_database_answers_503_with_retry_after(
    client: TestClient, short_engine: Engine
) -> None:
    with db.connect_for_writing(short_engine) as holder, holder.begin():
        if short_engine.dialect.name == "postgresql":
            holder.execute(text("LOCK TABLE process_instances IN EXCLUSIVE MODE"))
        else:
            holder.execute(text("SELECT 1"))  # BEGIN IMMEDIATE holds SQLite's write lock
        busy = client.post(START, json={})
        assert client.get("/healthz").status_code == 200
    assert _problem(busy, 503)["code"] == "kontor.database_busy"
    assert busy.headers["retry-after"] == "3"
    assert _instances(client) == 0
    assert client.post(START, json={}).status_code == 201


def test_readiness_reports_a_round_of_jobs_stuck_beyond_the_threshold(
    client: TestClient, kontor: Kontor
) -> None:
    entered, release = threading.Event(), threading.Event()

    def stuck_jobs() -> int:
        entered.set()
        release.wait(timeout=60)
        return 0

    kontor.process_jobs.run_until_idle = stuck_jobs  # type: ignore[method-assign]
    round_ = threading.Thread(target=kontor.background_round)
    round_.start()
    try:
        assert entered.wait(timeout=30)
        assert client.get("/readyz").status_code == 200  # busy, not yet beyond the threshold
        assert isinstance(kontor.clock, FakeClock)
        kontor.clock.advance(dt.timedelta(seconds=61))
        unready = client.get("/readyz")
        assert unready.status_code == 503
        assert unready.json()["checks"]["jobs"].startswith("stalled: one round has run for 61 s")
    finally:
        release.set()
        round_.join(timeout=30)
    assert client.get("/readyz").status_code == 200


@pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
def test_a_caller_without_access_learns_nothing_from_how_their_body_is_answered(
    kontor: Kontor, client: TestClient
) -> None:
    """401 and 403 come before any refusal of the body: its size, its JSON, its fields."""
    broken = '{"variables": {"amount": 1e99999'
    oversized = '{"variables": {"note": "' + "x" * 9000 + '"}}'
    app = client.app  # one app per process: its metrics register once
    with TestClient(app) as anonymous:
        for body in (broken, oversized, '{"variables": 1}'):
            assert _problem(anonymous.post(START, content=body, headers=JSON), 401)
        anonymous.cookies.set("kontor_session", "forged")
        without_csrf = anonymous.post(START, content=broken, headers=JSON)
        assert _problem(without_csrf, 403)["detail"].endswith("X-CSRF-Token header")
    reader = api_caller(kontor, "dev", login="leser@dev.test")
    with kontor.bus.unit_of_work() as uow:
        now = uow.clock.now()
        _, secret = TokenStore(uow.connection).create(
            "dev", reader.principal.user_id, "read only", {"process:read"}, now,
            now + dt.timedelta(days=1),
        )  # fmt: skip
        uow.commit()
    read_only = {**JSON, "Authorization": f"Bearer {secret}"}
    with TestClient(app) as outsider:
        for body in (broken, oversized):
            refused = outsider.post(START, content=body, headers=read_only)
            assert _problem(refused, 403)["code"] == "kontor.permission_denied"
    assert _problem(client.post(START, content=broken, headers=JSON), 422)
    assert _problem(client.post(START, content=oversized, headers=JSON), 413)
    assert _instances(client) == 0


@pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
def test_a_nul_character_in_the_address_is_refused_naming_the_parameter(
    client: TestClient,
) -> None:
    """No database stores NUL: a query or path parameter with one is a 422, not a failed query."""
    for path in ("/api/audit/export", "/api/audit"):
        problem = _problem(client.get(path, params={"entity_type": "a\x00b"}), 422)
        assert [error["location"] for error in problem["errors"]] == ["query.entity_type"]
    problem = _problem(client.get("/api/tasks/t%00x"), 422)
    assert [error["location"] for error in problem["errors"]] == ["path.task_id"]
    with TestClient(client.app) as anonymous:  # who may not read learns nothing more
        assert _problem(anonymous.get("/api/audit", params={"entity_type": "\x00"}), 401)
