"""A first ``make run``: the demo broker and underwriter find the Umdeckung screens with data."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from kontor.bootstrap import bootstrap, seed_development
from kontor.settings import Environment, Settings
from kontor.web import create_app
from support.backends import BACKENDS

pytestmark = pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
APP = "/apps/portfolio_transfer"


def signed_in(client: TestClient, login: str, password: str) -> TestClient:
    """``client`` with a session of ``login``."""
    answer = client.post("/api/auth/login", json={"login": login, "password": password})
    assert answer.status_code == 200, answer.text
    return client


def test_the_demo_users_see_their_entries_and_the_demo_portfolio(engine: Engine) -> None:
    settings = Settings(
        environment=Environment.TEST, secret_key="a-real-secret-for-tests",
        session_cookie_secure=False,  # the test client speaks plain http
    )  # fmt: skip
    passwords = {demo.login: demo.password for demo in seed_development(engine, settings)}
    kontor = bootstrap(settings, engine=engine)
    with TestClient(create_app(settings, kontor)) as client:
        signed_in(client, "makler@makler-demo.example", passwords["makler@makler-demo.example"])
        tile = client.get(APP).text
        for entry in ("Datenimport", "Verträge", "Umdeckung"):
            assert f'<span class="tile-title">{entry}</span>' in tile
        contracts = client.get(f"{APP}/contracts").text
        assert "HR-100234" in contracts
        assert "Müller, Anna" in contracts
        assert "189,37\xa0€" in contracts
        client.cookies.clear()  # signed out
        login = "underwriter@versicherer.example"
        signed_in(client, login, passwords[login])
        tile = client.get(APP).text
        for entry in ("Underwriter-App", "Zeichnungsvorgänge"):
            assert f'<span class="tile-title">{entry}</span>' in tile
        assert "Verträge" not in tile
        assert client.get(f"{APP}/incoming").status_code == 200
