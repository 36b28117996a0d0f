"""The HTTP API: probes, metrics, problem+json errors, tracing ids and route permissions."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from kontor.api import create_app
from kontor.api.body_routes import StrictJsonRoute
from kontor.bootstrap import bootstrap
from kontor.settings import Environment, Settings
from support.identity import api_caller
from support.routes import api_routes

SECRET = "a-real-secret-for-tests"


def _client(engine: Engine, environment: Environment, *, signed_in: bool = True) -> TestClient:
    settings = Settings(environment=environment, secret_key=SECRET)
    kontor = bootstrap(settings, engine=engine)
    headers = api_caller(kontor).headers if signed_in else {}
    return TestClient(create_app(settings, kontor), headers=headers)


@pytest.fixture
def client(engine: Engine) -> Iterator[TestClient]:
    with _client(engine, Environment.TEST) as test_client:
        yield test_client


def test_health_and_readiness(client: TestClient) -> None:
    assert client.get("/healthz").json()["status"] == "ok"
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["checks"] == {"database": "ok", "broker": "ok", "jobs": "ok"}


def test_metrics_show_requests_and_message_backlog(client: TestClient) -> None:
    client.get("/healthz")
    text = client.get("/metrics").text
    assert 'kontor_http_requests_total{method="GET",route="/healthz",status="200"}' in text
    assert 'kontor_message_backlog{state="dead"} 0.0' in text


def test_openapi_lists_the_routes(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert {"/healthz", "/readyz", "/api/tenants", "/api/messages/dead"} <= set(paths)


def test_openapi_documents_how_to_authenticate(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    assert set(schema["components"]["securitySchemes"]) == {"HTTPBearer", "APIKeyCookie"}
    assert "security" not in schema["paths"]["/api/auth/login"]["post"]
    assert schema["paths"]["/api/tenants/current"]["get"]["security"] == [
        {"HTTPBearer": []}, {"APIKeyCookie": []}
    ]  # fmt: skip


def test_request_and_correlation_ids_are_echoed(client: TestClient) -> None:
    response = client.get("/healthz", headers={"X-Correlation-ID": "vorgang-4711"})
    assert response.headers["x-correlation-id"] == "vorgang-4711"
    assert response.headers["x-request-id"]
    unsafe = client.get("/healthz", headers={"X-Request-ID": "bad id\nwith newline"})
    assert unsafe.headers["x-request-id"] != "bad id\nwith newline"


def test_unknown_route_is_problem_json(client: TestClient) -> None:
    response = client.get("/api/nothing-here")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["status"] == 404
    assert response.json()["request_id"] == response.headers["x-request-id"]


def test_invalid_body_names_the_field(client: TestClient) -> None:
    response = client.post("/api/tenants", json={"tenant_id": "Makler A!", "name": ""})
    assert response.status_code == 422
    locations = {error["location"] for error in response.json()["errors"]}
    assert locations == {"body.tenant_id", "body.name"}


def test_tenant_creation_and_conflict(client: TestClient) -> None:
    created = client.post("/api/tenants", json={"tenant_id": "makler-a", "name": "Makler A"})
    assert created.status_code == 201
    again = client.post("/api/tenants", json={"tenant_id": "makler-a", "name": "Makler A"})
    assert again.status_code == 409
    assert again.json()["code"] == "kontor.conflict"
    assert client.get("/api/tenants/current").json()["tenant_id"] == "dev"


def test_unknown_dead_message_is_not_found(client: TestClient) -> None:
    assert client.post("/api/messages/nope/retry").status_code == 404
    assert client.get("/api/messages/dead").json() == []


@pytest.mark.parametrize("environment", list(Environment))
def test_no_credentials_or_garbage_ones_are_refused_in_every_environment(
    engine: Engine, environment: Environment
) -> None:
    with _client(engine, environment, signed_in=False) as any_mode:
        assert any_mode.get("/healthz").status_code == 200
        for headers in (
            {"Authorization": ""},
            {"Authorization": "Bearer kontor_pat_nope"},
            {"Authorization": "Basic YWRtaW46YWRtaW4="},
            {"Cookie": "kontor_session=x"},
        ):
            response = any_mode.get("/api/tenants/current", headers=headers)
            assert response.status_code == 401, headers
            assert response.headers["content-type"] == "application/problem+json"


def test_every_route_reads_its_body_within_a_limit_and_json_strictly(client: TestClient) -> None:
    loose = [
        path
        for path, route, _ in api_routes(client.app)  # type: ignore[arg-type]
        if not isinstance(route, StrictJsonRoute)
    ]
    assert loose == []


def test_api_docs_load_only_same_origin_assets_and_those_are_served(client: TestClient) -> None:
    page = client.get("/docs")
    assert page.status_code == 200
    assets = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert len(assets) == 3
    assert all(asset.startswith("/static/") for asset in assets)
    assert "http" not in page.text.replace("'/openapi.json'", "")
    for asset in assets:
        served = client.get(asset)
        assert served.status_code == 200, asset
        assert len(served.content) > 0
    assert client.get("/redoc").status_code == 404  # its assets would come from a CDN
