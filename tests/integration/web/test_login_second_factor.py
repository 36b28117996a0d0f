"""The login page with a second factor: password, then the code; German refusals on the way."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from urllib.parse import parse_qs, urlparse

import pyotp
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from kontor.bootstrap import Kontor
from kontor.messaging import FakeClock
from support.backends import BACKENDS
from support.second_factor import PASSWORD, UWE, browser_client, kontor_with_uwe

pytestmark = pytest.mark.parametrize("database_url", BACKENDS, indirect=True)


@pytest.fixture
def kontor(engine: Engine) -> Kontor:
    return kontor_with_uwe(engine)


@pytest.fixture
def client(kontor: Kontor) -> Iterator[TestClient]:
    with browser_client(kontor) as test_client:
        yield test_client


def enrol(kontor: Kontor, client: TestClient) -> pyotp.TOTP:
    """Set up and confirm Uwe's second factor over the API, then log out."""
    logged_in = client.post("/api/auth/login", json={"login": UWE, "password": PASSWORD})
    csrf = {"X-CSRF-Token": logged_in.json()["csrf_token"]}
    enrolled = client.post("/api/auth/me/second-factor", json={"password": PASSWORD}, headers=csrf)
    totp = pyotp.TOTP(parse_qs(urlparse(enrolled.json()["otpauth_uri"]).query)["secret"][0])
    confirm = {"code": totp.at(kontor.clock.now())}
    assert client.post("/api/auth/me/second-factor/confirm", json=confirm, headers=csrf).is_success
    client.post("/api/auth/logout", headers=csrf)
    assert isinstance(kontor.clock, FakeClock)
    kontor.clock.advance(dt.timedelta(seconds=60))  # the confirming code is used up
    return totp


def test_a_user_with_a_second_factor_logs_in_with_password_then_code(
    kontor: Kontor, client: TestClient
) -> None:
    totp = enrol(kontor, client)
    form = {"login": UWE, "password": PASSWORD, "next": "/tasks"}
    asked = client.post("/login", data=form)
    assert asked.status_code == 200
    assert "Code aus der Authenticator-App" in asked.text
    assert "kontor_session" not in asked.cookies
    challenge = asked.text.split('name="challenge" value="')[1].split('"')[0]
    wrong = "000000" if totp.at(kontor.clock.now()) != "000000" else "111111"
    refused = client.post("/login", data={"challenge": challenge, "code": wrong, "next": "/tasks"})
    assert refused.status_code == 401
    assert "Der Code ist falsch, schon verwendet oder abgelaufen." in refused.text
    code = totp.at(kontor.clock.now())
    done = client.post("/login", data={"challenge": challenge, "code": code, "next": "/tasks"})
    assert (done.status_code, done.headers["location"]) == (303, "/tasks")
    assert client.get("/").status_code == 200  # the session cookie is set: the menu opens
