"""The second-factor page: set up with a QR code, confirm, recovery codes, switch off; required."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator

import pyotp
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from kontor.bootstrap import Kontor
from kontor.messaging import FakeClock
from kontor.platform import TenantStore
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


def log_in(client: TestClient, target: str = "/tasks") -> tuple[str, dict[str, str]]:
    """Log in through the form; where it leads and the CSRF header for the next posts."""
    done = client.post("/login", data={"login": UWE, "password": PASSWORD, "next": target})
    assert done.status_code == 303
    return done.headers["location"], {"X-CSRF-Token": client.cookies["kontor_csrf"]}


def set_up(kontor: Kontor, client: TestClient, csrf: dict[str, str]) -> tuple[pyotp.TOTP, str]:
    """Set up and confirm the second factor on the page; the TOTP and the confirmed page."""
    shown = client.post("/profile/second-factor", data={"password": PASSWORD}, headers=csrf)
    assert shown.status_code == 200
    assert "<svg" in shown.text
    assert "QR-Code für die Authenticator-App" in shown.text
    secret = re.search(r'class="totp-secret">([A-Z2-7]+)<', shown.text)
    assert secret is not None
    totp = pyotp.TOTP(secret.group(1))
    confirmed = client.post(
        "/profile/second-factor/confirm",
        data={"code": totp.at(kontor.clock.now())},
        headers=csrf,
    )
    assert confirmed.status_code == 200
    return totp, confirmed.text


def test_a_user_sets_up_a_second_factor_and_needs_its_code_at_the_next_login(
    kontor: Kontor, client: TestClient
) -> None:
    _, csrf = log_in(client)
    page = client.get("/profile/second-factor")
    assert page.status_code == 200
    assert "ausgeschaltet" in page.text
    wrong = client.post("/profile/second-factor", data={"password": "falsch"}, headers=csrf)
    assert wrong.status_code == 422
    assert "Das Passwort stimmt nicht." in wrong.text

    _totp, confirmed = set_up(kontor, client, csrf)
    assert "eingeschaltet" in confirmed
    codes = re.findall(r"<li><code>([^<]+)</code></li>", confirmed)
    assert len(codes) >= 8
    assert len(set(codes)) == len(codes)

    client.post("/logout", headers=csrf)
    assert isinstance(kontor.clock, FakeClock)
    kontor.clock.advance(dt.timedelta(seconds=60))
    asked = client.post("/login", data={"login": UWE, "password": PASSWORD, "next": "/tasks"})
    assert asked.status_code == 200
    assert 'name="challenge"' in asked.text
    challenge = asked.text.split('name="challenge" value="')[1].split('"')[0]
    done = client.post("/login", data={"challenge": challenge, "code": codes[0], "next": "/"})
    assert done.status_code == 303  # a recovery code works once
    left = client.get("/profile/second-factor")
    assert re.search(r"Wiederherstellungscodes übrig</dt><dd>" + str(len(codes) - 1), left.text)


def test_switching_off_needs_password_and_code(kontor: Kontor, client: TestClient) -> None:
    _, csrf = log_in(client)
    totp, _ = set_up(kontor, client, csrf)
    assert isinstance(kontor.clock, FakeClock)
    kontor.clock.advance(dt.timedelta(seconds=60))
    wrong = "000000" if totp.at(kontor.clock.now()) != "000000" else "111111"
    refused = client.post(
        "/profile/second-factor/disable",
        data={"password": PASSWORD, "code": wrong},
        headers=csrf,
    )
    assert refused.status_code == 422
    assert "Der Code ist falsch, schon verwendet oder abgelaufen." in refused.text
    kontor.clock.advance(dt.timedelta(seconds=60))
    off = client.post(
        "/profile/second-factor/disable",
        data={"password": PASSWORD, "code": totp.at(kontor.clock.now())},
        headers=csrf,
    )
    assert off.status_code == 200
    assert "Der zweite Faktor ist ausgeschaltet." in off.text
    assert 'id="second-factor-state">ausgeschaltet' in off.text


def test_a_required_second_factor_leads_the_user_to_set_it_up(
    kontor: Kontor, client: TestClient
) -> None:
    with kontor.bus.unit_of_work() as uow:
        TenantStore(uow.connection).require_second_factor("versicherer", True)
        uow.commit()
    target, csrf = log_in(client)
    assert target == "/profile/second-factor"
    page = client.get(target)
    assert "verlangt einen zweiten Faktor" in page.text
    assert client.get("/tasks").status_code == 403  # only the account until it is set up
    set_up(kontor, client, csrf)
    assert client.get("/tasks").status_code == 200  # the next request holds every permission
