"""schemathesis against the app's OpenAPI schema: no generated request gets a 5xx."""

from __future__ import annotations

from pathlib import Path

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from sqlalchemy import Engine

from kontor.api import create_app
from kontor.bootstrap import bootstrap
from kontor.messaging import FakeClock
from kontor.platform import ADMINISTRATORS, BROKERS, TenantKind
from kontor.settings import Environment, Settings
from support.backends import BACKENDS
from support.dmn import risk_xml
from support.identity import api_caller
from support.models import WAIT

pytestmark = pytest.mark.parametrize("database_url", BACKENDS, indirect=True)


STREAMS = {"GET /api/notifications/stream"}
"""Routes that answer with an endless event stream: tested in the notification tests instead."""
ROLES = {
    "operator": {},
    "administrator": {"kind": TenantKind.INSURER, "group": ADMINISTRATORS},
    "broker": {"kind": TenantKind.BROKER, "group": BROKERS},
}


@pytest.fixture(params=sorted(ROLES))
def api_schema(
    request: pytest.FixtureRequest, engine: Engine, tmp_path: Path
) -> tuple[schemathesis.BaseSchema, dict[str, str]]:
    """The schema of an app with a process, an instance and a decision to find, and the
    credentials of a caller in the role the test is parametrized with."""
    config = Settings(
        environment=Environment.TEST, secret_key="a-real-secret-for-tests", data_dir=tmp_path
    )
    kontor = bootstrap(config, engine=engine, clock=FakeClock())
    app = create_app(config, kontor)
    operator = api_caller(kontor)
    caller = operator if request.param == "operator" else api_caller(
        kontor, request.param, **ROLES[request.param]
    )  # fmt: skip
    client = TestClient(app, headers=operator.headers)
    xml = {"content-type": "application/xml"}
    assert client.post("/api/process/definitions", content=WAIT, headers=xml).status_code == 201
    assert client.post("/api/process/definitions/Wait/start", json={}).status_code == 201
    assert client.post("/api/rules/deployments", content=risk_xml(), headers=xml).status_code == 201
    return schemathesis.openapi.from_asgi("/openapi.json", app), caller.headers


def test_no_generated_request_gets_a_server_error(
    api_schema: tuple[schemathesis.BaseSchema, dict[str, str]],
) -> None:
    schema, credentials = api_schema
    failures: dict[str, str] = {}
    for result in schema.get_all_operations():
        operation = result.ok()
        if operation.label in STREAMS:
            continue

        @given(case=operation.as_strategy())
        @settings(
            max_examples=10,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def answers_without_server_error(case: schemathesis.Case) -> None:
            case.call_and_validate(headers=credentials, checks=[not_a_server_error])

        try:
            answers_without_server_error()
        except Exception as failure:  # collected so that one run names every failing route
            failures[operation.label] = str(failure)[:2000]
    assert failures == {}
