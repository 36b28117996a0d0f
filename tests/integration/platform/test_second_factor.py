"""The TOTP second factor through the API: enrol, confirm, two-step login, recovery, limits."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlparse

import pyotp
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from kontor.api import create_app
from kontor.bootstrap import Kontor, bootstrap
from kontor.messaging import FakeClock
from kontor.platform import ADMINISTRATORS, UNDERWRITERS, Directory, TenantKind, TenantStore
from kontor.platform import provision_tenant as provision
from kontor.platform.audit import every_entry
from kontor.platform.tables import recovery_codes, second_factors
from kontor.settings import Environment, Settings
from support.backends import BACKENDS

AUDIT_LOG = every_entry()  # chained and unsealed entries

pytestmark = pytest.mark.parametrize("database_url", BACKENDS, indirect=True)

PASSWORD = "ein ziemlich langes Kennwort"
UWE = "uwe@versicherer.example"
ADA = "ada@versicherer.example"


@pytest.fixture
def kontor(engine: Engine) -> Kontor:
    settings = Settings(
        environment=Environment.TEST, secret_key="a-real-secret-for-tests", login_max_failures=3
    )
    return bootstrap(settings, engine=engine, clock=FakeClock())


@pytest.fixture
def app(kontor: Kontor) -> Any:
    return create_app(kontor.settings, kontor)


def browser(app: Any) -> TestClient:
    return TestClient(app, base_url="https://testserver")  # sends the Secure cookie back


@pytest.fixture
def client(app: Any) -> Iterator[TestClient]:
    with browser(app) as test_client:
        yield test_client


def add_user(kontor: Kontor, group: str, login: str) -> str:
    with kontor.bus.unit_of_work() as uow:
        if TenantStore(uow.connection).find("versicherer") is None:
            provision(uow.connection, "versicherer", "V", TenantKind.INSURER, uow.clock.now())
        user = Directory(uow.connection, "versicherer").add_user(
            login=login, display_name=login, email=login, group_ids=[group], now=uow.clock.now()
        )
        kontor.authenticator.set_password(
            uow, "versicherer", user.user_id, PASSWORD, login=login, actor=None, reason="initial"
        )
        uow.commit()
    return user.user_id


def clock(kontor: Kontor) -> FakeClock:
    assert isinstance(kontor.clock, FakeClock)
    return kontor.clock


def log_in(client: TestClient, login: str) -> dict[str, str]:
    response = client.post("/api/auth/login", json={"login": login, "password": PASSWORD})
    assert response.status_code == 200, response.json()
    return {"X-CSRF-Token": response.json()["csrf_token"]}


def set_up(kontor: Kontor, client: TestClient, login: str) -> tuple[pyotp.TOTP, list[str]]:
    """Enrol and confirm a second factor for ``login``; the app's generator and the codes."""
    csrf = log_in(client, login)
    enrolled = client.post("/api/auth/me/second-factor", json={"password": PASSWORD}, headers=csrf)
    assert enrolled.status_code == 201, enrolled.json()
    uri = urlparse(enrolled.json()["otpauth_uri"])
    assert (uri.scheme, uri.netloc, parse_qs(uri.query)["issuer"]) == (
        "otpauth",
        "totp",
        ["Kontor"],
    )
    totp = pyotp.TOTP(parse_qs(uri.query)["secret"][0])
    assert parse_qs(uri.query)["secret"][0] == enrolled.json()["secret"]
    confirmed = client.post(
        "/api/auth/me/second-factor/confirm",
        json={"code": totp.at(clock(kontor).now())},
        headers=csrf,
    )
    assert confirmed.status_code == 200, confirmed.json()
    client.post("/api/auth/logout", headers=csrf)
    clock(kontor).advance(dt.timedelta(seconds=30))  # the confirming code is used up
    return totp, confirmed.json()["recovery_codes"]


def first_step(client: TestClient, login: str) -> str:
    pending = client.post("/api/auth/login", json={"login": login, "password": PASSWORD})
    assert pending.status_code == 202, pending.json()
    assert pending.json()["second_factor_required"] is True
    assert "kontor_session" not in pending.cookies
    challenge: str = pending.json()["challenge"]
    return challenge


def second_step(client: TestClient, challenge: str, code: str) -> Any:
    return client.post("/api/auth/login/second-factor", json={"challenge": challenge, "code": code})


def actions(kontor: Kontor) -> list[str]:
    with kontor.engine.connect() as connection:
        rows = connection.execute(select(AUDIT_LOG.c.action).order_by(AUDIT_LOG.c.recorded_at))
        return list(rows.scalars())


def test_a_confirmed_second_factor_makes_login_two_steps_and_a_code_counts_once(
    kontor: Kontor, client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    add_user(kontor, UNDERWRITERS, UWE)
    caplog.set_level(logging.DEBUG)
    totp, codes = set_up(kontor, client, UWE)
    assert len(codes) == 10
    assert len(set(codes)) == 10
    clock(kontor).advance(dt.timedelta(seconds=60))
    challenge = first_step(client, UWE)
    assert client.get("/api/auth/me").status_code == 401  # no session before the code
    wrong = second_step(client, challenge, "000000" if totp.now() != "000000" else "111111")
    assert (wrong.status_code, wrong.json()["code"]) == (401, "platform.second_factor_failed")
    code = totp.at(clock(kontor).now())
    done = second_step(client, challenge, code)
    assert done.status_code == 200, done.json()
    assert client.get("/api/auth/me").json()["login"] == UWE
    assert second_step(client, challenge, code).status_code == 401  # the challenge is used up
    replay = second_step(client, first_step(client, UWE), code)
    assert replay.status_code == 401  # the same code a second time
    listed = actions(kontor)
    for action in ("enrol", "confirm"):
        assert f"platform.{action}_second_factor" in listed
    assert listed.count("platform.second_factor_failed") == 2
    secrets = [totp.secret, code, *codes]
    assert not any(secret in caplog.text for secret in secrets)
    with kontor.engine.connect() as connection:
        stored = connection.execute(select(second_factors.c.secret_encrypted)).scalar_one()
        hashes = list(connection.execute(select(recovery_codes.c.code_hash)).scalars())
    assert totp.secret not in stored
    assert stored.startswith("v1:")
    assert all(h.startswith("$argon2id$") for h in hashes)


def test_recovery_codes_stand_in_once_and_can_be_renewed(
    kontor: Kontor, client: TestClient
) -> None:
    add_user(kontor, UNDERWRITERS, UWE)
    totp, codes = set_up(kontor, client, UWE)
    assert second_step(client, first_step(client, UWE), codes[0].lower()).status_code == 200
    assert client.get("/api/auth/me/second-factor").json() == {
        "enabled": True, "pending_confirmation": False, "required": False,
        "recovery_codes_left": 9,
    }  # fmt: skip
    assert second_step(client, first_step(client, UWE), codes[0]).status_code == 401
    csrf = {"X-CSRF-Token": client.cookies["kontor_csrf"]}
    clock(kontor).advance(dt.timedelta(seconds=60))
    renewed = client.post(
        "/api/auth/me/second-factor/recovery-codes",
        json={"code": totp.at(clock(kontor).now())},
        headers=csrf,
    ).json()["recovery_codes"]
    assert second_step(client, first_step(client, UWE), codes[1]).status_code == 401  # old set
    assert second_step(client, first_step(client, UWE), renewed[0]).status_code == 200
    assert "platform.new_recovery_codes" in actions(kontor)


def test_enrolment_needs_the_password_and_disabling_needs_password_and_code(
    kontor: Kontor, client: TestClient
) -> None:
    add_user(kontor, UNDERWRITERS, UWE)
    csrf = log_in(client, UWE)
    wrong = client.post("/api/auth/me/second-factor", json={"password": "falsch"}, headers=csrf)
    assert (wrong.status_code, wrong.json()["field"]) == (422, "password")
    unconfirmed = client.post("/api/auth/me/second-factor/confirm", json={"code": "123456"},
                              headers=csrf)  # fmt: skip
    assert unconfirmed.status_code == 404
    client.post("/api/auth/logout", headers=csrf)
    totp, _ = set_up(kontor, client, UWE)
    second_step(client, first_step(client, UWE), totp.at(clock(kontor).now()))
    csrf = {"X-CSRF-Token": client.cookies["kontor_csrf"]}
    again = client.post("/api/auth/me/second-factor", json={"password": PASSWORD}, headers=csrf)
    assert again.status_code == 409
    clock(kontor).advance(dt.timedelta(seconds=60))
    code = totp.at(clock(kontor).now())
    refused = client.post(
        "/api/auth/me/second-factor/disable", json={"password": "falsch", "code": code},
        headers=csrf,
    )  # fmt: skip
    assert (refused.status_code, refused.json()["field"]) == (422, "password")
    disabled = client.post(
        "/api/auth/me/second-factor/disable", json={"password": PASSWORD, "code": code},
        headers=csrf,
    )  # fmt: skip
    assert disabled.status_code == 204
    log_in(client, UWE)  # one step again
    assert "platform.disable_second_factor" in actions(kontor)


def test_wrong_codes_lock_the_second_step_for_a_while(kontor: Kontor, client: TestClient) -> None:
    add_user(kontor, UNDERWRITERS, UWE)
    totp, _ = set_up(kontor, client, UWE)
    challenge = first_step(client, UWE)
    later = [totp.at(clock(kontor).now() + dt.timedelta(seconds=s)) for s in (-30, 0, 30, 60)]
    wrong = next(c for c in ("000000", "111111", "222222") if c not in later)
    for _ in range(3):
        assert second_step(client, challenge, wrong).status_code == 401
    clock(kontor).advance(dt.timedelta(seconds=30))
    locked = second_step(client, challenge, totp.at(clock(kontor).now()))
    assert (locked.status_code, locked.json()["code"]) == (429, "platform.login_locked")
    clock(kontor).advance(dt.timedelta(minutes=16))
    unlocked = second_step(client, first_step(client, UWE), totp.at(clock(kontor).now()))
    assert unlocked.status_code == 200


def test_an_administrator_requires_a_second_factor_of_a_group(kontor: Kontor, app: Any) -> None:
    add_user(kontor, ADMINISTRATORS, ADA)
    uwe = add_user(kontor, UNDERWRITERS, UWE)
    with browser(app) as admin, browser(app) as member:
        admin_csrf = log_in(admin, ADA)
        required = admin.put(
            f"/api/platform/groups/{UNDERWRITERS}/second-factor", json={"required": True},
            headers=admin_csrf,
        )  # fmt: skip
        assert required.json()["second_factor_required"] is True
        log_in(member, UWE)
        assert member.get("/api/auth/me").json()["permissions"] == ["platform:account"]
        assert member.get("/api/process/definitions").status_code == 403
        assert member.get("/api/auth/me/second-factor").json()["required"] is True
        member.post("/api/auth/logout", headers={"X-CSRF-Token": member.cookies["kontor_csrf"]})
        totp, _ = set_up(kontor, member, UWE)
        second_step(member, first_step(member, UWE), totp.at(clock(kontor).now()))
        assert member.get("/api/process/definitions").status_code == 200
        reset = admin.delete(f"/api/platform/users/{uwe}/second-factor", headers=admin_csrf)
        assert reset.status_code == 204
        assert member.get("/api/process/definitions").status_code == 403  # required again
        assert admin.delete(
            f"/api/platform/users/{uwe}/second-factor", headers=admin_csrf
        ).status_code == 404  # fmt: skip
    listed = actions(kontor)
    assert {"platform.require_second_factor", "platform.reset_second_factor"} <= set(listed)


def test_an_administrator_requires_a_second_factor_of_every_user_of_the_tenant(
    kontor: Kontor, app: Any
) -> None:
    add_user(kontor, ADMINISTRATORS, ADA)
    add_user(kontor, UNDERWRITERS, UWE)
    with browser(app) as admin, browser(app) as member, browser(app) as outsider:
        admin_csrf = log_in(admin, ADA)
        refused = admin.put(
            "/api/platform/tenant/second-factor", json={"required": True}, headers=admin_csrf
        )
        assert (refused.status_code, refused.json()["field"]) == (409, "required")
        admin.post("/api/auth/logout", headers=admin_csrf)
        admin_totp, _ = set_up(kontor, admin, ADA)
        second_step(admin, first_step(admin, ADA), admin_totp.at(clock(kontor).now()))
        admin_csrf = {"X-CSRF-Token": admin.cookies["kontor_csrf"]}
        required = admin.put(
            "/api/platform/tenant/second-factor", json={"required": True}, headers=admin_csrf
        )
        assert required.json() == {"tenant_id": "versicherer", "second_factor_required": True}
        assert admin.get("/api/platform/tenant/second-factor").json()["second_factor_required"]
        assert admin.get("/api/process/definitions").status_code == 200  # the admin has one

        login = member.post("/api/auth/login", json={"login": UWE, "password": PASSWORD})
        assert login.json()["second_factor_setup_required"] is True  # led to enrolment
        assert member.get("/api/auth/me").json()["permissions"] == ["platform:account"]
        assert member.get("/api/process/definitions").status_code == 403
        assert member.get("/api/auth/me/second-factor").json()["required"] is True
        member.post("/api/auth/logout", headers={"X-CSRF-Token": login.json()["csrf_token"]})
        totp, _ = set_up(kontor, member, UWE)
        second_step(member, first_step(member, UWE), totp.at(clock(kontor).now()))
        assert member.get("/api/process/definitions").status_code == 200
        assert outsider.get("/api/platform/tenant/second-factor").status_code == 401
    with kontor.engine.connect() as connection:
        entries = connection.execute(
            select(AUDIT_LOG.c.action, AUDIT_LOG.c.entity_type).where(
                AUDIT_LOG.c.action == "platform.require_second_factor"
            )
        ).all()
    assert [tuple(entry) for entry in entries] == [("platform.require_second_factor", "tenant")]
