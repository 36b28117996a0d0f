"""Every route declares the permission it needs; only a short, explicit list is public."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.testclient import TestClient

from kontor.api.security import Requires, public
from kontor.settings import Environment, Settings
from kontor.web import create_app
from kontor.web.security import PageRequires

PUBLIC_ROUTES = {
    ("GET", "/healthz"),
    ("GET", "/readyz"),
    ("GET", "/metrics"),
    ("GET", "/docs"),  # Swagger UI; the schema it shows is public too
    ("POST", "/api/auth/login"),
    ("POST", "/api/auth/password-reset"),  # answers alike whether the login exists or not
    ("POST", "/api/auth/password"),  # the single-use code from the e-mail is the credential
    ("GET", "/login"),  # the login page of the browser UI
    ("POST", "/login"),
    ("GET", "/password"),  # the set-password page: the e-mail link's single-use code is it
    ("POST", "/password"),
    ("POST", "/api/auth/login/second-factor"),  # the login's challenge and the code are it
    ("POST", "/api/webhooks/inbound/{tenant_id}/{name}"),  # the webhook's signature is it
}
DOCUMENTATION = {"/openapi.json", "/static"}


def undeclared_routes(app: FastAPI) -> list[str]:
    """Routes without exactly one permission declaration, or public ones off the list."""
    wrong = []
    for context in iter_route_contexts(app.routes):  # included routers too, with full paths
        route, path = context.original_route, str(context.path)
        if not isinstance(route, APIRoute):
            if path not in DOCUMENTATION:
                wrong.append(f"{path} is no API route and no documentation page")
            continue
        declared = [d.call for d in route.dependant.dependencies if isinstance(d.call, Requires)]
        for method in sorted(route.methods):
            if len(declared) != 1:
                wrong.append(f"{method} {path} declares {len(declared)} permissions")
            elif declared[0].permission is None and (method, path) not in PUBLIC_ROUTES:
                wrong.append(f"{method} {path} is public but not on the public list")
    return wrong


def api_routes(app: FastAPI) -> list[tuple[str, APIRoute]]:
    """Every API route of ``app`` with its full path."""
    return [
        (str(context.path), context.original_route)
        for context in iter_route_contexts(app.routes)
        if isinstance(context.original_route, APIRoute)
    ]


@pytest.fixture
def app() -> FastAPI:
    """The whole application: the API and the browser UI's pages."""
    return create_app(Settings(environment=Environment.TEST, secret_key="a-real-secret-for-tests"))


def test_every_route_declares_its_permission(app: FastAPI) -> None:
    assert undeclared_routes(app) == []
    protected = [path for path, _ in api_routes(app) if path.startswith("/api/")]
    assert len(protected) > 50  # the check above really walked the product's routes


def test_a_route_without_a_declaration_is_caught(app: FastAPI) -> None:
    @app.get("/api/forgotten")
    def forgotten() -> dict[str, str]:
        return {}

    @app.get("/api/sneaky", dependencies=[public()])
    def sneaky() -> dict[str, str]:
        return {}

    assert undeclared_routes(app) == [
        "GET /api/forgotten declares 0 permissions",
        "GET /api/sneaky is public but not on the public list",
    ]


def test_every_page_declares_its_permission_and_sends_signed_out_people_to_login(
    app: FastAPI,
) -> None:
    pages = [
        (path, route)
        for path, route in api_routes(app)
        if not path.startswith("/api/")
        and "GET" in route.methods
        and any(isinstance(d.call, PageRequires) for d in route.dependant.dependencies)
    ]
    assert len(pages) >= 6  # menu, app, profile, work list, its exports, task view
    client = TestClient(app)  # no lifespan: a signed-out request never reaches the database
    for path, _ in pages:
        concrete = path.replace("{app}", "portfolio_transfer").replace("{task_id}", "t-1")
        answer = client.get(concrete, follow_redirects=False)
        assert answer.status_code == 303, concrete
        assert answer.headers["location"].startswith("/login?next="), concrete
