"""Invitation, password reset and change confirmations through a real SMTP server (aiosmtpd)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from typer.testing import CliRunner

from kontor.api import create_app
from kontor.bootstrap import Kontor, bootstrap
from kontor.cli import app as cli
from kontor.messaging import FakeClock
from kontor.platform import (
    ADMINISTRATORS,
    Directory,
    Mail,
    MaildirSink,
    TenantKind,
    provision_tenant,
)
from kontor.settings import Environment, Settings
from support.backends import BACKENDS
from support.smtp import Inbox, smtp_inbox

PASSWORD = "ein ziemlich langes Kennwort"
ADMIN = "admin@versicherer.example"


@pytest.fixture
def inbox() -> Iterator[Inbox]:
    with smtp_inbox() as received:
        yield received


@pytest.fixture
def kontor(engine: Engine, inbox: Inbox) -> Kontor:
    settings = Settings(
        environment=Environment.TEST, secret_key="a-real-secret-for-tests", login_max_failures=3,
        smtp_host="127.0.0.1", smtp_port=inbox.port, smtp_starttls=False,
        public_url="https://kontor.example",
    )  # fmt: skip
    wired = bootstrap(settings, engine=engine, clock=FakeClock())
    with wired.bus.unit_of_work() as uow:
        provision_tenant(uow.connection, "versicherer", "VU", TenantKind.INSURER, uow.clock.now())
        admin = Directory(uow.connection, "versicherer").add_user(
            login=ADMIN, display_name="Admin", email=ADMIN, group_ids=[ADMINISTRATORS],
            now=uow.clock.now(),
        )  # fmt: skip
        wired.authenticator.set_password(
            uow, "versicherer", admin.user_id, PASSWORD, login=ADMIN, actor=None, reason="initial"
        )
        uow.commit()
    return wired


@pytest.fixture
def app(kontor: Kontor) -> Any:
    return create_app(kontor.settings, kontor)


def browser(app: Any) -> TestClient:
    return TestClient(app, base_url="https://testserver")


def log_in(client: TestClient, login: str, password: str) -> dict[str, str]:
    response = client.post("/api/auth/login", json={"login": login, "password": password})
    assert response.status_code == 200, response.json()
    return {"X-CSRF-Token": response.json()["csrf_token"]}


@pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
def test_invitation_login_lockout_reset_and_old_sessions_ended(
    kontor: Kontor, app: Any, inbox: Inbox
) -> None:
    clock = kontor.clock
    assert isinstance(clock, FakeClock)
    uwe = "uwe@versicherer.example"
    with browser(app) as admin, browser(app) as user, browser(app) as laptop:
        csrf = log_in(admin, ADMIN, PASSWORD)
        body = {"login": uwe, "display_name": "Uwe", "email": uwe, "groups": ["underwriters"]}
        created = admin.post("/api/platform/users", json=body, headers=csrf)
        assert (created.status_code, created.json()["has_password"]) == (201, False)
        [invitation] = inbox.to(uwe)
        assert invitation["Subject"] == "Einladung zu Kontor (VU)"
        assert "https://kontor.example/api/auth/password" in invitation.get_content()
        code = inbox.code(uwe)
        assert inbox.link(uwe) == f"https://kontor.example/password?code={code}"
        weak = user.post("/api/auth/password", json={"token": code, "password": "qwerty123456"})
        assert (weak.status_code, weak.json()["field"]) == (422, "password")
        assert (
            user.post("/api/auth/password", json={"token": code, "password": PASSWORD}).status_code
            == 204
        )
        assert inbox.to(uwe)[-1]["Subject"] == "Kontor: Ihr Kennwort wurde geändert"
        again = user.post("/api/auth/password", json={"token": code, "password": PASSWORD + "!"})
        assert (again.status_code, again.json()["field"]) == (422, "token")
        log_in(laptop, uwe, PASSWORD)

        for _ in range(3):
            user.post("/api/auth/login", json={"login": uwe, "password": "falsch falsch"})
        locked = user.post("/api/auth/login", json={"login": uwe, "password": PASSWORD})
        assert locked.status_code == 429

        sent = len(inbox.messages)
        assert (
            user.post("/api/auth/password-reset", json={"login": "nobody@x.example"}).status_code
            == 202
        )
        assert len(inbox.messages) == sent  # no mail, same answer
        assert user.post("/api/auth/password-reset", json={"login": uwe}).status_code == 202
        expired = inbox.code(uwe)
        clock.advance(dt.timedelta(minutes=61))
        late = user.post(
            "/api/auth/password", json={"token": expired, "password": "ganz neu und lang"}
        )
        assert late.status_code == 422
        user.post("/api/auth/password-reset", json={"login": uwe})
        first = inbox.code(uwe)
        user.post("/api/auth/password-reset", json={"login": uwe})
        second = inbox.code(uwe)
        voided = user.post(
            "/api/auth/password", json={"token": first, "password": "ganz neu und lang"}
        )
        assert voided.status_code == 422  # a newer code voids the older one
        log_in(laptop, uwe, PASSWORD)  # the lockout has passed
        done = user.post(
            "/api/auth/password", json={"token": second, "password": "ganz neu und lang"}
        )
        assert done.status_code == 204
        assert laptop.get("/api/auth/me").status_code == 401  # every old session ended
        log_in(user, uwe, "ganz neu und lang")


def test_broker_system_contact_is_invited(app: Any, inbox: Inbox) -> None:
    system = {
        "tenant_id": "makler-x", "company_name": "Makler X", "contact_name": "Xaver",
        "email": "xaver@makler-x.example", "login": "xaver@makler-x.example",
    }  # fmt: skip
    with browser(app) as admin, browser(app) as xaver:
        csrf = log_in(admin, ADMIN, PASSWORD)
        assert (
            admin.post("/api/tenants/broker-systems", json=system, headers=csrf).status_code == 201
        )
        code = inbox.code("xaver@makler-x.example")
        body = {"token": code, "password": "Makler X Kennwort"}
        assert xaver.post("/api/auth/password", json=body).status_code == 204
        log_in(xaver, "xaver@makler-x.example", "Makler X Kennwort")
        assert xaver.get("/api/auth/me").json()["tenant_id"] == "makler-x"


def test_password_change_is_confirmed_by_mail(app: Any, inbox: Inbox) -> None:
    with browser(app) as admin:
        csrf = log_in(admin, ADMIN, PASSWORD)
        change = {"current_password": PASSWORD, "new_password": "noch ein langes Kennwort"}
        assert admin.post("/api/auth/me/password", json=change, headers=csrf).status_code == 200
    [confirmation] = inbox.to(ADMIN)
    assert confirmation["Subject"] == "Kontor: Ihr Kennwort wurde geändert"


def test_development_keeps_mail_in_a_local_sink_that_the_cli_lists(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sink = MaildirSink(tmp_path / "mail", "kontor@localhost")
    sink.send(Mail("anna@makler-a.example", "Erste", "eins"))
    sink.send(Mail("bernd@makler-a.example", "Zweite", "zwei"))
    monkeypatch.setenv("KONTOR_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("KONTOR_ENVIRONMENT", "development")
    result = CliRunner().invoke(cli, ["mail", "list"])
    assert result.exit_code == 0, result.output
    listed = json.loads(result.stdout)
    assert [(m["to"], m["subject"], m["body"].strip()) for m in listed] == [
        ("anna@makler-a.example", "Erste", "eins"),
        ("bernd@makler-a.example", "Zweite", "zwei"),
    ]


@pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
def test_passwords_expire_with_reminders_unless_switched_off(
    kontor: Kontor, app: Any, inbox: Inbox
) -> None:
    clock, reminders = kontor.clock, kontor.password_reminders
    assert isinstance(clock, FakeClock)
    assert reminders is not None
    ute = "ute@versicherer.example"
    with kontor.bus.unit_of_work() as uow:
        user = Directory(uow.connection, "versicherer").add_user(
            login=ute, display_name="Ute", email=ute, group_ids=["underwriters"],
            now=uow.clock.now(),
        )  # fmt: skip
        kontor.authenticator.set_password(
            uow, "versicherer", user.user_id, PASSWORD, login=ute, actor=None, reason="initial"
        )
        uow.commit()
    with browser(app) as admin, browser(app) as ute_browser:
        log_in(admin, ADMIN, PASSWORD)
        assert admin.get("/api/auth/me").json()["password_expires_at"] == "2026-05-01T00:00:00Z"
        csrf = log_in(ute_browser, ute, PASSWORD)
        off = ute_browser.put("/api/auth/me/password-expiry", json={"expires": False}, headers=csrf)
        assert off.json()["expires_at"] is None
        assert "no longer expires" in off.json()["warning"]

    assert reminders.run_if_due() == 0
    clock.advance(dt.timedelta(days=90))
    assert reminders.run_if_due() == 1
    assert inbox.to(ADMIN)[-1]["Subject"] == "Kontor: Ihr Kennwort läuft in 30 Tagen ab"
    clock.advance(dt.timedelta(hours=2))
    assert reminders.run_if_due() == 0  # each reminder once
    clock.advance(dt.timedelta(days=27) - dt.timedelta(hours=2))
    assert reminders.run_if_due() == 1
    assert inbox.to(ADMIN)[-1]["Subject"] == "Kontor: Ihr Kennwort läuft in 3 Tagen ab"
    assert inbox.to(ute) == []
    clock.advance(dt.timedelta(days=3))
    with browser(app) as late:
        expired = late.post("/api/auth/login", json={"login": ADMIN, "password": PASSWORD})
        assert (expired.status_code, expired.json()["code"]) == (403, "platform.password_expired")
        log_in(late, ute, PASSWORD)  # switched off: still valid
