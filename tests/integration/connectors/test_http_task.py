"""The REST connector in a BPMN process against a real local HTTP server: the answer mapped to
variables, 5xx retried until it succeeds, a 4xx thrown as a BPMN error a boundary event catches,
OAuth2 client credentials with a cached token; secrets stay encrypted and unanswered."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from kontor.bootstrap import Kontor, bootstrap
from kontor.messaging import FakeClock
from kontor.process import DeployProcess, StartProcess
from kontor.settings import Environment, Settings
from kontor.web import create_app
from support.backends import BACKENDS
from support.http_servers import serving
from support.tenant_world import broker

pytestmark = pytest.mark.parametrize("database_url", BACKENDS, indirect=True)

CLIENT_SECRET = "geheim-und-lang-genug"


@dataclass
class Crm:
    """A small CRM: OAuth2 token endpoint, customers behind a bearer token, a flaky route."""

    tokens_issued: int = 0
    flaky_calls: int = 0
    seen: list[dict[str, str]] = field(default_factory=list)

    def app(self) -> Starlette:
        async def token(request: Request) -> Response:
            expected = base64.b64encode(f"kontor:{CLIENT_SECRET}".encode()).decode()
            if request.headers.get("authorization") != f"Basic {expected}":
                return JSONResponse({"error": "invalid_client"}, status_code=401)
            self.tokens_issued += 1
            return JSONResponse({"access_token": f"tok-{self.tokens_issued}", "expires_in": 3600})

        async def customer(request: Request) -> Response:
            self.seen.append(dict(request.headers))
            if not request.headers.get("authorization", "").startswith("Bearer tok-"):
                return JSONResponse({"error": "unauthorized"}, status_code=401)
            number = request.path_params["number"]
            if number == "404":
                return JSONResponse({"error": "unbekannt"}, status_code=404)
            return JSONResponse({"number": number, "name": "Erika Mustermann", "premium": 123.45})

        async def flaky(request: Request) -> Response:
            self.flaky_calls += 1
            if self.flaky_calls <= 2:
                return Response("überlastet", status_code=503)
            return JSONResponse({"ok": True, "calls": self.flaky_calls})

        return Starlette(
            routes=[
                Route("/token", token, methods=["POST"]),
                Route("/customers/{number}", customer),
                Route("/flaky", flaky, methods=["POST"]),
            ]
        )


def lookup_model(base: str) -> str:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="d" targetNamespace="http://t">
  <bpmn:error id="NotFound" errorCode="404"/>
  <bpmn:process id="Lookup" isExecutable="true">
    <bpmn:startEvent id="S"/>
    <bpmn:serviceTask id="Call"><bpmn:extensionElements>
      <zeebe:taskDefinition type="http" retries="1"/>
      <zeebe:taskHeaders>
        <zeebe:header key="method" value="GET"/>
        <zeebe:header key="url" value="=&quot;{base}/customers/&quot; + customerNumber"/>
        <zeebe:header key="query" value="={{detail: true}}"/>
        <zeebe:header key="connection" value="crm"/>
        <zeebe:header key="resultExpression"
          value="={{customerName: response.body.name, premium: response.body.premium}}"/>
      </zeebe:taskHeaders></bpmn:extensionElements></bpmn:serviceTask>
    <bpmn:boundaryEvent id="OnNotFound" attachedToRef="Call">
      <bpmn:errorEventDefinition errorRef="NotFound"/></bpmn:boundaryEvent>
    <bpmn:userTask id="Found"/><bpmn:userTask id="Unknown"/>
    <bpmn:sequenceFlow id="f1" sourceRef="S" targetRef="Call"/>
    <bpmn:sequenceFlow id="f2" sourceRef="Call" targetRef="Found"/>
    <bpmn:sequenceFlow id="f3" sourceRef="OnNotFound" targetRef="Unknown"/>
  </bpmn:process>
  <bpmn:process id="Notify" isExecutable="true">
    <bpmn:startEvent id="S2"/>
    <bpmn:serviceTask id="Post"><bpmn:extensionElements>
      <zeebe:taskDefinition type="http" retries="1"/>
      <zeebe:taskHeaders>
        <zeebe:header key="method" value="POST"/>
        <zeebe:header key="url" value="{base}/flaky"/>
        <zeebe:header key="body" value="={{amount: amount}}"/>
        <zeebe:header key="retries" value="3"/>
        <zeebe:header key="resultVariable" value="answer"/>
      </zeebe:taskHeaders></bpmn:extensionElements></bpmn:serviceTask>
    <bpmn:userTask id="Done"/>
    <bpmn:sequenceFlow id="g1" sourceRef="S2" targetRef="Post"/>
    <bpmn:sequenceFlow id="g2" sourceRef="Post" targetRef="Done"/>
  </bpmn:process>
</bpmn:definitions>"""


@pytest.fixture
def crm() -> Crm:
    return Crm()


@pytest.fixture
def crm_url(crm: Crm) -> Iterator[str]:
    with serving(crm.app()) as base:
        yield base


@pytest.fixture
def kontor(engine: Engine) -> Iterator[Kontor]:
    settings = Settings(
        environment=Environment.TEST,
        secret_key="a-real-secret-for-tests",
        connector_retry_base_seconds=0,  # retries without waiting: the test needs no clock
    )
    wired = bootstrap(settings, engine=engine, clock=FakeClock())
    yield wired
    assert wired.integration is not None
    wired.integration.close()


@pytest.fixture
def client(kontor: Kontor) -> Iterator[TestClient]:
    with TestClient(create_app(kontor.settings, kontor)) as test_client:
        yield test_client


def instance(client: TestClient, headers: dict[str, str], instance_id: str) -> dict[str, object]:
    answer = client.get(f"/api/process/instances/{instance_id}", headers=headers)
    assert answer.status_code == 200
    return dict(answer.json())


def test_the_http_task_maps_answers_retries_5xx_and_throws_4xx_as_bpmn_errors(
    kontor: Kontor, client: TestClient, crm: Crm, crm_url: str
) -> None:
    a = broker(kontor, "makler-a")
    created = client.post(
        "/api/connectors/connections",
        json={
            "name": "crm",
            "auth": "oauth2",
            "settings": {"token_url": f"{crm_url}/token", "client_id": "kontor"},
            "secret": CLIENT_SECRET,
        },
        headers=a.headers,
    )
    assert created.status_code == 201, created.text
    assert created.json()["has_secret"] is True
    assert "secret" not in created.json()
    kontor.bus.handle(DeployProcess(tenant_id="makler-a", bpmn_xml=lookup_model(crm_url)))
    found = kontor.bus.handle(
        StartProcess(tenant_id="makler-a", process_key="Lookup", variables={"customerNumber": "7"})
    )
    unknown = kontor.bus.handle(
        StartProcess(
            tenant_id="makler-a", process_key="Lookup", variables={"customerNumber": "404"}
        )
    )
    notify = kontor.bus.handle(
        StartProcess(tenant_id="makler-a", process_key="Notify", variables={"amount": 10})
    )
    kontor.process_jobs.run_until_idle()

    shown = instance(client, a.headers, found)
    assert shown["active_element_ids"] == ["Found"]
    variables = shown["variables"]
    assert isinstance(variables, dict)
    assert (variables["customerName"], variables["premium"]) == ("Erika Mustermann", 123.45)
    assert instance(client, a.headers, unknown)["active_element_ids"] == ["Unknown"]
    flaky = instance(client, a.headers, notify)
    assert flaky["active_element_ids"] == ["Done"]
    assert flaky["variables"] == {"amount": 10, "answer": {"ok": True, "calls": 3}}
    assert crm.flaky_calls == 3  # two 503 answers retried, the third call succeeded
    metrics = client.get("/metrics").text
    assert 'kontor_connector_calls_total{connection="crm",outcome="ok"} 1.0' in metrics
    assert 'kontor_connector_calls_total{connection="crm",outcome="client_error"} 1.0' in metrics
    assert crm.tokens_issued == 1  # one token for both customer calls: cached
    assert all(seen.get("idempotency-key") for seen in crm.seen)
    assert all(seen["accept-encoding"] for seen in crm.seen)
    with kontor.engine.connect() as connection:
        stored = connection.execute(text("SELECT secret_encrypted FROM connector_connections"))
        assert CLIENT_SECRET not in stored.scalar_one()


def test_connections_are_checked_and_belong_to_their_tenant(
    kontor: Kontor, client: TestClient
) -> None:
    a, b = broker(kontor, "makler-a"), broker(kontor, "makler-b")
    missing = client.post(
        "/api/connectors/connections",
        json={"name": "crm", "auth": "basic", "settings": {}, "secret": "x"},
        headers=a.headers,
    )
    assert (missing.status_code, missing.json()["field"]) == (422, "settings.username")
    made = client.post(
        "/api/connectors/connections",
        json={"name": "crm", "auth": "bearer", "secret": "token-1"},
        headers=a.headers,
    ).json()
    again = client.post(
        "/api/connectors/connections",
        json={"name": "crm", "auth": "bearer", "secret": "token-2"},
        headers=a.headers,
    )
    assert again.status_code == 409
    path = f"/api/connectors/connections/{made['connection_id']}"
    assert client.get(path, headers=b.headers).status_code == 404
    assert client.get("/api/connectors/connections", headers=b.headers).json() == []
    assert client.delete(path, headers=b.headers).status_code == 404
    assert client.delete(path, headers=a.headers).status_code == 204
