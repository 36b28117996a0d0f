"""schemathesis against the Camunda 7 compatibility routes: no generated request gets a 5xx."""

from __future__ import annotations

from pathlib import Path

import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from sqlalchemy import Engine

from kontor.bootstrap import bootstrap
from kontor.messaging import FakeClock
from kontor.settings import Environment, Settings
from kontor.web import create_app
from support.camunda7 import INVOICE, basic
from support.identity import api_caller


def test_no_generated_request_gets_a_server_error(engine: Engine, tmp_path: Path) -> None:
    config = Settings(
        environment=Environment.TEST, secret_key="a-real-secret-for-tests", data_dir=tmp_path
    )
    kontor = bootstrap(config, engine=engine, clock=FakeClock())
    app = create_app(config, kontor)
    caller = api_caller(kontor)
    client = TestClient(app, headers=caller.headers)
    xml = {"content-type": "application/xml"}
    assert client.post("/api/process/definitions", content=INVOICE, headers=xml).status_code == 201
    assert client.post("/api/process/definitions/invoice/start", json={}).status_code == 201
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    failures: dict[str, str] = {}
    operations = [result.ok() for result in schema.get_all_operations()]
    compatible = [op for op in operations if op.path.startswith("/engine-rest/")]
    assert len(compatible) > 25
    for operation in compatible:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=10,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def answers_without_server_error(case: schemathesis.Case) -> None:
            if isinstance(case.body, dict) and case.body.get("asyncResponseTimeout"):
                # long polling has tests of its own; a generated 30-minute wait only stalls here
                case.body["asyncResponseTimeout"] = 0
            case.call_and_validate(headers=basic(caller.token), checks=[not_a_server_error])

        try:
            answers_without_server_error()
        except Exception as failure:  # collected so that one run names every failing route
            failures[operation.label] = str(failure)[:2000]
    assert failures == {}
