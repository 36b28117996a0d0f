"""schemathesis against the app's OpenAPI schema: no generated request gets a 5xx."""

from __future__ import annotations

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from sqlalchemy import Engine

from kontor.api import create_app
from kontor.bootstrap import bootstrap, ensure_development_tenant
from kontor.messaging import FakeClock
from kontor.settings import Environment, Settings
from support.backends import BACKENDS
from support.dmn import risk_xml

pytestmark = pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
WAIT = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d"
  targetNamespace="http://t">
  <bpmn:process id="Wait" isExecutable="true">
    <bpmn:startEvent id="S"/>
    <bpmn:userTask id="Review"/>
    <bpmn:sequenceFlow id="f1" sourceRef="S" targetRef="Review"/>
  </bpmn:process>
</bpmn:definitions>"""


@pytest.fixture
def api_schema(engine: Engine) -> schemathesis.BaseSchema:
    """The schema of an app with a process, an instance and a decision to find."""
    config = Settings(environment=Environment.TEST, secret_key="a-real-secret-for-tests")
    ensure_development_tenant(engine)
    app = create_app(config, bootstrap(config, engine=engine, clock=FakeClock()))
    client = TestClient(app)
    xml = {"content-type": "application/xml"}
    assert client.post("/api/process/definitions", content=WAIT, headers=xml).status_code == 201
    assert client.post("/api/process/definitions/Wait/start", json={}).status_code == 201
    assert client.post("/api/rules/deployments", content=risk_xml(), headers=xml).status_code == 201
    return schemathesis.openapi.from_asgi("/openapi.json", app)


def test_no_generated_request_gets_a_server_error(api_schema: schemathesis.BaseSchema) -> None:
    failures: dict[str, str] = {}
    for result in api_schema.get_all_operations():
        operation = result.ok()

        @given(case=operation.as_strategy())
        @settings(
            max_examples=10,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def answers_without_server_error(case: schemathesis.Case) -> None:
            case.call_and_validate(checks=[not_a_server_error])

        try:
            answers_without_server_error()
        except Exception as failure:  # collected so that one run names every failing route
            failures[operation.label] = str(failure)[:2000]
    assert failures == {}
