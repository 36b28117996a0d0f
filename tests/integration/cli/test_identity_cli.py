"""``kontor tenant`` and ``kontor user``: a fresh install gets its first operator, who logs in."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import Engine
from typer.testing import CliRunner

from kontor.bootstrap import seed_development
from kontor.cli import app
from kontor.messaging import SystemClock, UnitOfWork
from kontor.platform import Authenticator, LoginFailed, SessionStore
from kontor.settings import Settings
from support.backends import BACKENDS

PASSWORD = "das erste Betriebskennwort"


@pytest.fixture
def runner(database_url: str, engine: Engine, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    del engine  # migrated
    monkeypatch.setenv("KONTOR_DATABASE_URL", database_url)
    return CliRunner()


def kontor(runner: CliRunner, *args: str, stdin: str | None = None) -> str:
    result = runner.invoke(app, list(args), input=stdin)
    assert result.exit_code == 0, result.output
    return result.stdout


def login(engine: Engine, user: str, password: str) -> str:
    return Authenticator().login(engine, SystemClock(), user, password).session.session_id


@pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
def test_first_operator_on_a_fresh_install(runner: CliRunner, engine: Engine) -> None:
    kontor(runner, "tenant", "create", "betrieb", "--name", "Betrieb", "--kind", "operator")
    created = kontor(
        runner, "user", "create", "--tenant", "betrieb", "--login", "Ops@Example.org",
        "--group", "operator_staff", stdin=f"{PASSWORD}\n{PASSWORD}\n",
    )  # fmt: skip
    user = json.loads(created[created.index("{") :])
    assert (user["login"], user["groups"], user["active"]) == (
        "ops@example.org", ["operator_staff"], True
    )  # fmt: skip
    [tenant] = json.loads(kontor(runner, "tenant", "list"))
    assert (tenant["tenant_id"], tenant["kind"]) == ("betrieb", "operator")
    [listed] = json.loads(kontor(runner, "user", "list", "--tenant", "betrieb"))
    assert listed["user_id"] == user["user_id"]
    assert login(engine, "ops@example.org", PASSWORD)


def test_reset_password_ends_sessions_and_deactivate_locks_out(
    runner: CliRunner, engine: Engine
) -> None:
    kontor(runner, "tenant", "create", "versicherer", "--name", "VU", "--kind", "insurer")
    kontor(
        runner, "user", "create", "--tenant", "versicherer", "--login", "uwe@vu.example",
        "--group", "underwriters", "--password-stdin", stdin=PASSWORD,
    )  # fmt: skip
    session = login(engine, "uwe@vu.example", PASSWORD)
    new = "ein anderes langes Kennwort"
    output = kontor(
        runner, "user", "reset-password", "uwe@vu.example", "--password-stdin", stdin=new
    )
    assert "1 session(s) ended" in output
    with UnitOfWork(engine, SystemClock()) as uow:
        live = SessionStore(uow.connection).live("versicherer", "", uow.clock.now())
        assert session not in {s.session_id for s in live}
    login(engine, "uwe@vu.example", new)
    kontor(runner, "user", "deactivate", "uwe@vu.example")
    with pytest.raises(LoginFailed):
        login(engine, "uwe@vu.example", new)


def test_bad_input_is_a_clear_error(runner: CliRunner) -> None:
    weak = runner.invoke(
        app, ["user", "create", "--tenant", "nope", "--login", "x@y.z", "--group", "g",
              "--password-stdin"], input="password",
    )  # fmt: skip
    assert weak.exit_code == 2
    assert "tenant 'nope' not found" in weak.output
    kontor(runner, "tenant", "create", "versicherer", "--name", "VU", "--kind", "insurer")
    short = runner.invoke(
        app, ["user", "create", "--tenant", "versicherer", "--login", "x@y.z", "--group",
              "underwriters", "--password-stdin"], input="kurz",
    )  # fmt: skip
    assert short.exit_code == 2
    assert "at least 12 characters" in short.output
    assert "field=password" in short.output
    unknown = runner.invoke(app, ["user", "deactivate", "nobody@y.z"])
    assert (unknown.exit_code, "no user with login 'nobody@y.z'" in unknown.output) == (2, True)


def test_development_seed_creates_demo_users_once(engine: Engine) -> None:
    settings = Settings()
    logins = seed_development(engine, settings)
    assert {(d.tenant_id, d.group_id) for d in logins} == {
        ("betreiber", "operator_staff"), ("versicherer", "administrators"),
        ("versicherer", "underwriters"), ("makler-demo", "vermittler"),
    }  # fmt: skip
    for demo in logins:
        assert login(engine, demo.login, demo.password)
    assert seed_development(engine, settings) == []


@pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
def test_tenant_delete_removes_a_broker_system_with_its_sub_brokers(
    runner: CliRunner, engine: Engine
) -> None:
    kontor(runner, "tenant", "create", "versicherer", "--name", "VU", "--kind", "insurer")
    kontor(runner, "tenant", "create", "makler", "--name", "Makler", "--parent", "versicherer",
           "--allow-sub-brokers")  # fmt: skip
    kontor(runner, "tenant", "create", "unter", "--name", "Unter", "--parent", "makler")
    kontor(
        runner, "user", "create", "--tenant", "unter", "--login", "uli@unter.example",
        "--group", "vermittler", "--password-stdin", stdin=PASSWORD,
    )  # fmt: skip
    login(engine, "uli@unter.example", PASSWORD)

    declined = runner.invoke(app, ["tenant", "delete", "makler"], input="n\n")
    assert (declined.exit_code, "Aborted" in declined.output) == (1, True)
    assert len(json.loads(kontor(runner, "tenant", "list"))) == 3

    deleted = json.loads(kontor(runner, "tenant", "delete", "makler", "--yes"))

    assert deleted["tenant_ids"] == ["makler", "unter"]
    assert deleted["deleted_rows"]["platform_sessions"] == 1
    remaining = json.loads(kontor(runner, "tenant", "list"))
    assert [tenant["tenant_id"] for tenant in remaining] == ["versicherer"]
    with pytest.raises(LoginFailed):
        login(engine, "uli@unter.example", PASSWORD)
    recorded = kontor(runner, "audit", "export", "--tenant", "versicherer")
    assert "platform.delete_broker_system,tenant,makler" in recorded
    assert "platform.create_tenant,tenant,makler" in recorded  # in its parent's log
    insurer = runner.invoke(app, ["tenant", "delete", "versicherer", "--yes"])
    assert (insurer.exit_code, "broker system 'versicherer' not found" in insurer.output) == (
        2, True
    )  # fmt: skip
