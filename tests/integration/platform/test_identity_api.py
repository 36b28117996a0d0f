"""Login, sessions, CSRF, lockout, API tokens, user and group management through the API."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import delete

from kontor.api import create_app
from kontor.bootstrap import Kontor, bootstrap
from kontor.messaging import FakeClock
from kontor.platform import (
    ADMINISTRATORS,
    BROKERS,
    OPERATOR_STAFF,
    UNDERWRITERS,
    Directory,
    TenantKind,
    TenantStore,
    provision_tenant,
    tenants,
)
from kontor.settings import Environment, Settings
from support.backends import BACKENDS
from support.messaging import wait_for

pytestmark = pytest.mark.parametrize("database_url", BACKENDS, indirect=True)

PASSWORD = "ein ziemlich langes Kennwort"


@pytest.fixture
def kontor(engine: Any) -> Iterator[Kontor]:
    """A wired process; on PostgreSQL it listens for changes, so credentials come from its cache
    whenever nothing changed since they were last read (as in a served process)."""
    settings = Settings(
        environment=Environment.TEST, secret_key="a-real-secret-for-tests", login_max_failures=3
    )
    wired = bootstrap(settings, engine=engine, clock=FakeClock())
    wired.start(pump=False)
    if wired.authenticator.cache is not None:
        cache = wired.authenticator.cache
        wait_for(lambda: cache.answering, "the principal cache to listen")
    yield wired
    wired.stop()


@pytest.fixture
def app(kontor: Kontor) -> Any:
    return create_app(kontor.settings, kontor)


def browser(app: Any) -> TestClient:
    """A client on https, so that it sends the Secure session cookie back."""
    return TestClient(app, base_url="https://testserver")


@pytest.fixture
def client(app: Any) -> Iterator[TestClient]:
    with browser(app) as test_client:
        yield test_client


def add_user(
    kontor: Kontor, tenant_id: str, group: str, login: str, kind: TenantKind = TenantKind.INSURER
) -> str:
    with kontor.bus.unit_of_work() as uow:
        if TenantStore(uow.connection).find(tenant_id) is None:
            provision_tenant(uow.connection, tenant_id, tenant_id, kind, uow.clock.now())
        user = Directory(uow.connection, tenant_id).add_user(
            login=login, display_name=login, email=login, group_ids=[group], now=uow.clock.now()
        )
        kontor.authenticator.set_password(
            uow, tenant_id, user.user_id, PASSWORD, login=login, actor=None, reason="initial"
        )
        uow.commit()
    return user.user_id


def log_in(client: TestClient, login: str, password: str = PASSWORD) -> dict[str, str]:
    """Log in; the headers a cookie-authenticated write needs."""
    response = client.post("/api/auth/login", json={"login": login, "password": password})
    assert response.status_code == 200, response.json()
    return {"X-CSRF-Token": response.json()["csrf_token"]}


def clock(kontor: Kontor) -> FakeClock:
    assert isinstance(kontor.clock, FakeClock)
    return kontor.clock


def test_login_sets_a_hardened_cookie_and_me_tells_who_i_am(
    kontor: Kontor, client: TestClient
) -> None:
    add_user(kontor, "versicherer", UNDERWRITERS, "uwe@versicherer.example")
    response = client.post(
        "/api/auth/login", json={"login": "UWE@versicherer.example", "password": PASSWORD}
    )
    assert response.status_code == 200
    cookie = next(c for c in response.headers.get_list("set-cookie") if "kontor_session=" in c)
    assert {"HttpOnly", "Secure", "SameSite=strict"} <= {p.strip() for p in cookie.split(";")}
    me = client.get("/api/auth/me").json()
    assert (me["tenant_id"], me["login"], me["groups"]) == (
        "versicherer", "uwe@versicherer.example", [UNDERWRITERS]
    )  # fmt: skip
    assert me["apps"] == ["portfolio_transfer", "settlement", "links"]
    assert "platform:users" not in me["permissions"]


def test_cookie_writes_need_the_csrf_token(kontor: Kontor, client: TestClient) -> None:
    add_user(kontor, "versicherer", UNDERWRITERS, "uwe@versicherer.example")
    csrf = log_in(client, "uwe@versicherer.example")
    body = {"name": "n", "permissions": ["process:read"], "expires_at": "2026-02-01T00:00:00Z"}
    refused = client.post("/api/auth/me/tokens", json=body)
    assert (refused.status_code, refused.headers["content-type"]) == (
        403, "application/problem+json"
    )  # fmt: skip
    assert (
        client.post("/api/auth/me/tokens", json=body, headers={"X-CSRF-Token": "x"}).status_code
        == 403
    )
    assert client.post("/api/auth/me/tokens", json=body, headers=csrf).status_code == 201


def test_every_login_opens_a_new_session_that_can_be_ended(kontor: Kontor, app: Any) -> None:
    add_user(kontor, "versicherer", UNDERWRITERS, "uwe@versicherer.example")
    with browser(app) as laptop, browser(app) as phone:
        csrf = log_in(laptop, "uwe@versicherer.example")
        log_in(phone, "uwe@versicherer.example")
        assert laptop.cookies["kontor_session"] != phone.cookies["kontor_session"]
        sessions = laptop.get("/api/auth/me/sessions").json()
        assert sorted(s["current"] for s in sessions) == [False, True]
        other = next(s["session_id"] for s in sessions if not s["current"])
        assert laptop.delete(f"/api/auth/me/sessions/{other}", headers=csrf).status_code == 204
        assert phone.get("/api/auth/me").status_code == 401
        assert laptop.get("/api/auth/me").status_code == 200
        assert laptop.delete(f"/api/auth/me/sessions/{other}", headers=csrf).status_code == 404
        assert laptop.post("/api/auth/logout", headers=csrf).status_code == 204
        assert len(laptop.cookies) == 0


def test_sessions_end_when_idle_and_after_their_absolute_lifetime(
    kontor: Kontor, client: TestClient
) -> None:
    add_user(kontor, "versicherer", UNDERWRITERS, "uwe@versicherer.example")
    log_in(client, "uwe@versicherer.example")
    clock(kontor).advance(dt.timedelta(minutes=31))
    assert client.get("/api/auth/me").status_code == 401
    log_in(client, "uwe@versicherer.example")
    for _ in range(35):  # active every 20 minutes for 11 h 40 min
        clock(kontor).advance(dt.timedelta(minutes=20))
        assert client.get("/api/auth/me").status_code == 200
    clock(kontor).advance(dt.timedelta(minutes=20))
    assert client.get("/api/auth/me").status_code == 401


def test_last_seen_is_written_at_most_once_per_touch_interval_and_idle_counts_from_it(
    engine: Any,
) -> None:
    settings = Settings(
        environment=Environment.TEST,
        secret_key="a-real-secret-for-tests",
        session_touch_seconds=300,
    )
    kontor = bootstrap(settings, engine=engine, clock=FakeClock())
    add_user(kontor, "versicherer", UNDERWRITERS, "uwe@versicherer.example")
    with browser(create_app(settings, kontor)) as client:
        log_in(client, "uwe@versicherer.example")
        logged_in_at = client.get("/api/auth/me/sessions").json()[0]["last_seen_at"]
        clock(kontor).advance(dt.timedelta(minutes=4))
        assert client.get("/api/auth/me/sessions").json()[0]["last_seen_at"] == logged_in_at
        clock(kontor).advance(dt.timedelta(minutes=2))  # 6 minutes: due, written
        seen = client.get("/api/auth/me/sessions").json()[0]["last_seen_at"]
        assert seen > logged_in_at
        clock(kontor).advance(dt.timedelta(minutes=4))  # a request 10 minutes in: not written
        assert client.get("/api/auth/me").status_code == 200
        clock(kontor).advance(dt.timedelta(minutes=26))  # idle 30 min since the written time
        assert client.get("/api/auth/me").status_code == 401


def test_repeated_failures_lock_known_and_unknown_accounts_alike(
    kontor: Kontor, client: TestClient
) -> None:
    add_user(kontor, "versicherer", UNDERWRITERS, "uwe@versicherer.example")
    answers = {}
    for login in ("uwe@versicherer.example", "niemand@versicherer.example"):
        for _ in range(3):
            failed = client.post("/api/auth/login", json={"login": login, "password": "falsch!!"})
            assert failed.status_code == 401
        locked = client.post("/api/auth/login", json={"login": login, "password": PASSWORD})
        answers[login] = (locked.status_code, locked.json()["code"], locked.json()["detail"])
    assert set(answers.values()) == {
        (429, "platform.login_locked", "too many failed logins; try again later")
    }
    clock(kontor).advance(dt.timedelta(minutes=16))
    log_in(client, "uwe@versicherer.example")


def test_api_tokens_are_scoped_expire_and_can_be_revoked(
    kontor: Kontor, client: TestClient, app: Any
) -> None:
    add_user(kontor, "versicherer", UNDERWRITERS, "uwe@versicherer.example")
    csrf = log_in(client, "uwe@versicherer.example")
    expires = (clock(kontor).now() + dt.timedelta(days=30)).isoformat()
    beyond = {"name": "n", "permissions": ["process:deploy"], "expires_at": expires}
    refused = client.post("/api/auth/me/tokens", json=beyond, headers=csrf)
    assert (refused.status_code, refused.json()["field"]) == (422, "permissions")
    body = {"name": "Abgleich", "permissions": ["process:read"], "expires_at": expires}
    created = client.post("/api/auth/me/tokens", json=body, headers=csrf).json()
    assert created["token"].startswith("kontor_pat_")
    bearer = {"Authorization": f"Bearer {created['token']}"}
    with TestClient(app) as machine:
        assert machine.get("/api/process/definitions", headers=bearer).status_code == 200
        assert machine.get("/api/tenants/current", headers=bearer).status_code == 403  # scope
        clock(kontor).advance(dt.timedelta(days=31))
        assert machine.get("/api/process/definitions", headers=bearer).status_code == 401
        log_in(client, "uwe@versicherer.example")
        csrf = {"X-CSRF-Token": client.cookies["kontor_csrf"]}
        body["expires_at"] = (clock(kontor).now() + dt.timedelta(days=1)).isoformat()
        second = client.post("/api/auth/me/tokens", json=body, headers=csrf).json()
        bearer = {"Authorization": f"Bearer {second['token']}"}
        assert machine.get("/api/process/definitions", headers=bearer).status_code == 200
        revoked = client.delete(f"/api/auth/me/tokens/{second['token_id']}", headers=csrf)
        assert revoked.json()["revoked_at"] is not None
        assert machine.get("/api/process/definitions", headers=bearer).status_code == 401
    listed = client.get("/api/auth/me/tokens").json()
    assert [t["token_id"] for t in listed] == [second["token_id"], created["token_id"]]
    assert "token" not in listed[0]


def test_deactivation_ends_sessions_and_tokens_at_once(kontor: Kontor, app: Any) -> None:
    add_user(kontor, "versicherer", ADMINISTRATORS, "admin@versicherer.example")
    uwe = add_user(kontor, "versicherer", UNDERWRITERS, "uwe@versicherer.example")
    with browser(app) as admin, browser(app) as underwriter:
        admin_csrf = log_in(admin, "admin@versicherer.example")
        csrf = log_in(underwriter, "uwe@versicherer.example")
        expires = (clock(kontor).now() + dt.timedelta(days=1)).isoformat()
        body = {"name": "n", "permissions": ["process:read"], "expires_at": expires}
        token = underwriter.post("/api/auth/me/tokens", json=body, headers=csrf).json()["token"]
        sessions = admin.get(f"/api/platform/users/{uwe}/sessions").json()
        assert len(sessions) == 1
        done = admin.post(f"/api/platform/users/{uwe}/deactivate", headers=admin_csrf)
        assert done.json()["active"] is False
        assert underwriter.get("/api/auth/me").status_code == 401
        bearer = {"Authorization": f"Bearer {token}"}
        assert underwriter.get("/api/process/definitions", headers=bearer).status_code == 401
        again = underwriter.post(
            "/api/auth/login", json={"login": "uwe@versicherer.example", "password": PASSWORD}
        )
        assert again.status_code == 401
        me = admin.get("/api/auth/me").json()["user_id"]
        itself = admin.post(f"/api/platform/users/{me}/deactivate", headers=admin_csrf)
        assert itself.status_code == 409


def test_group_changes_and_grants_count_from_the_next_request(kontor: Kontor, app: Any) -> None:
    add_user(kontor, "versicherer", ADMINISTRATORS, "admin@versicherer.example")
    uwe = add_user(kontor, "versicherer", UNDERWRITERS, "uwe@versicherer.example")
    with browser(app) as admin, browser(app) as underwriter:
        csrf = log_in(admin, "admin@versicherer.example")
        log_in(underwriter, "uwe@versicherer.example")
        assert underwriter.get("/api/process/definitions").status_code == 200
        [group] = [
            g for g in admin.get("/api/platform/groups").json() if g["group_id"] == UNDERWRITERS
        ]
        fewer = [p for p in group["permissions"] if p != "process:read"]
        changed = admin.put(
            f"/api/platform/groups/{UNDERWRITERS}/permissions",
            json={"permissions": fewer}, headers=csrf,
        )  # fmt: skip
        assert "process:read" not in changed.json()["permissions"]
        assert underwriter.get("/api/process/definitions").status_code == 403
        grant = f"/api/platform/users/{uwe}/grants/process:read"
        granted = admin.put(grant, json={"granted": True}, headers=csrf).json()
        assert granted["grants"] == [{"permission": "process:read", "granted": True}]
        assert underwriter.get("/api/process/definitions").status_code == 200
        admin.put(f"/api/platform/users/{uwe}/grants/tenants:read", json={"granted": False},
                  headers=csrf)  # fmt: skip
        assert underwriter.get("/api/tenants/current").status_code == 403
        admin.delete(f"/api/platform/users/{uwe}/grants/tenants:read", headers=csrf)
        assert underwriter.get("/api/tenants/current").status_code == 200
        unknown = admin.put(f"/api/platform/users/{uwe}/grants/tasks:fly", json={"granted": True},
                            headers=csrf)  # fmt: skip
        assert (unknown.status_code, unknown.json()["field"]) == (422, "permission")


def test_brokers_manage_only_the_users_they_created(kontor: Kontor, app: Any) -> None:
    add_user(kontor, "makler-a", BROKERS, "anna@makler-a.example", TenantKind.BROKER)
    add_user(kontor, "makler-a", BROKERS, "bernd@makler-a.example", TenantKind.BROKER)
    add_user(kontor, "versicherer", ADMINISTRATORS, "admin@versicherer.example")
    clerk = {
        "login": "clara@makler-a.example", "display_name": "Clara",
        "email": "clara@makler-a.example", "groups": [BROKERS], "password": "Sachbearbeitung 2026",
    }  # fmt: skip
    with browser(app) as anna, browser(app) as bernd, browser(app) as admin:
        csrf = log_in(anna, "anna@makler-a.example")
        created = anna.post("/api/platform/users", json=clerk, headers=csrf)
        assert created.status_code == 201, created.json()
        clara = created.json()["user_id"]
        assert [u["login"] for u in anna.get("/api/platform/users").json()] == [clerk["login"]]
        beyond = anna.put(f"/api/platform/users/{clara}/grants/platform:broker_systems",
                          json={"granted": True}, headers=csrf)  # fmt: skip
        assert beyond.status_code == 403
        weak = anna.post(
            "/api/platform/users",
            json={**clerk, "login": "c2@x.example", "password": "qwerty123456"},
            headers=csrf,
        )
        assert (weak.status_code, weak.json()["field"]) == (422, "password")
        log_in(bernd, "bernd@makler-a.example")
        assert bernd.get("/api/platform/users").json() == []
        assert bernd.get(f"/api/platform/users/{clara}").status_code == 404
        log_in(admin, "admin@versicherer.example")
        assert admin.get(f"/api/platform/users/{clara}").status_code == 404  # another tenant
        assert anna.get("/api/platform/groups").status_code == 200
        forbidden = anna.put(f"/api/platform/groups/{BROKERS}/permissions",
                             json={"permissions": []}, headers=csrf)  # fmt: skip
        assert forbidden.status_code == 403


def test_broker_systems_and_sub_brokers_where_the_operator_allows(kontor: Kontor, app: Any) -> None:
    add_user(kontor, "versicherer", ADMINISTRATORS, "admin@versicherer.example")
    add_user(kontor, "betrieb", OPERATOR_STAFF, "ops@betrieb.example", TenantKind.OPERATOR)
    system = {
        "tenant_id": "pool-nord", "company_name": "Pool Nord GmbH", "contact_name": "Petra Pool",
        "email": "petra@pool-nord.example", "login": "petra@pool-nord.example",
        "password": "Pool Nord Startkennwort",
    }  # fmt: skip
    with browser(app) as admin, browser(app) as petra, browser(app) as ops:
        csrf = log_in(admin, "admin@versicherer.example")
        created = admin.post("/api/tenants/broker-systems", json=system, headers=csrf)
        assert created.status_code == 201, created.json()
        assert created.json()["tenant"]["parent_tenant_id"] == "versicherer"
        assert created.json()["user"]["groups"] == [BROKERS]
        assert [t["tenant_id"] for t in admin.get("/api/tenants/broker-systems").json()] == [
            "pool-nord"
        ]
        petra_csrf = log_in(petra, "petra@pool-nord.example", "Pool Nord Startkennwort")
        sub = {**system, "tenant_id": "pool-sub", "login": "sub@pool-sub.example"}
        assert (
            petra.post("/api/tenants/broker-systems", json=sub, headers=petra_csrf).status_code
            == 403
        )
        ops_csrf = log_in(ops, "ops@betrieb.example")
        allowed = ops.patch("/api/tenants/pool-nord", json={"allows_sub_brokers": True},
                            headers=ops_csrf)  # fmt: skip
        assert allowed.json()["allows_sub_brokers"] is True
        made = petra.post("/api/tenants/broker-systems", json=sub, headers=petra_csrf)
        assert made.status_code == 201
        assert made.json()["tenant"]["parent_tenant_id"] == "pool-nord"
        assert admin.patch("/api/tenants/pool-nord", json={"allows_sub_brokers": False},
                           headers=csrf).status_code == 403  # fmt: skip


def test_password_change_ends_the_other_sessions(kontor: Kontor, app: Any) -> None:
    add_user(kontor, "versicherer", UNDERWRITERS, "uwe@versicherer.example")
    with browser(app) as laptop, browser(app) as phone:
        csrf = log_in(laptop, "uwe@versicherer.example")
        log_in(phone, "uwe@versicherer.example")
        url = "/api/auth/me/password"
        wrong = laptop.post(url, json={"current_password": "nope", "new_password": "x" * 20},
                            headers=csrf)  # fmt: skip
        assert (wrong.status_code, wrong.json()["field"]) == (422, "current_password")
        new = "ein neues, noch längeres Kennwort"
        changed = laptop.post(url, json={"current_password": PASSWORD, "new_password": new},
                              headers=csrf)  # fmt: skip
        assert changed.json() == {"ended_sessions": 1}
        assert phone.get("/api/auth/me").status_code == 401
        assert laptop.get("/api/auth/me").status_code == 200
        log_in(phone, "uwe@versicherer.example", new)


def test_a_principal_whose_tenant_is_gone_is_refused(kontor: Kontor, client: TestClient) -> None:
    add_user(kontor, "versicherer", UNDERWRITERS, "uwe@versicherer.example")
    log_in(client, "uwe@versicherer.example")
    with kontor.bus.unit_of_work() as uow:
        uow.connection.execute(delete(tenants).where(tenants.c.tenant_id == "versicherer"))
        uow.commit()
    assert client.get("/api/auth/me").status_code == 401
    refused = client.post(
        "/api/auth/login", json={"login": "uwe@versicherer.example", "password": PASSWORD}
    )
    assert refused.status_code == 401


def test_administrators_cannot_hand_out_operator_rights_or_lock_themselves_out(
    kontor: Kontor, client: TestClient
) -> None:
    add_user(kontor, "versicherer", ADMINISTRATORS, "admin@versicherer.example")
    uwe = add_user(kontor, "versicherer", UNDERWRITERS, "uwe@versicherer.example")
    csrf = log_in(client, "admin@versicherer.example")
    own = client.get("/api/platform/groups").json()
    [admins] = [g for g in own if g["group_id"] == ADMINISTRATORS]
    raised = client.put(
        f"/api/platform/groups/{UNDERWRITERS}/permissions",
        json={"permissions": ["platform:tenants"]}, headers=csrf,
    )  # fmt: skip
    assert (raised.status_code, raised.json()["detail"]) == (
        422, "not available to insurer tenants: platform:tenants"
    )  # fmt: skip
    granted = client.put(
        f"/api/platform/users/{uwe}/grants/platform:tenants", json={"granted": True}, headers=csrf
    )
    assert granted.status_code == 422
    withdrawn = client.put(
        f"/api/platform/users/{uwe}/grants/platform:tenants", json={"granted": False}, headers=csrf
    )
    assert withdrawn.status_code == 200  # withdrawing is always allowed
    fewer = [p for p in admins["permissions"] if p != "platform:groups"]
    locked_out = client.put(
        f"/api/platform/groups/{ADMINISTRATORS}/permissions",
        json={"permissions": fewer}, headers=csrf,
    )  # fmt: skip
    assert locked_out.status_code == 409
    assert client.get("/api/auth/me").json()["permissions"].count("platform:groups") == 1


def test_failures_from_one_address_lock_it_for_every_account(engine: Any) -> None:
    settings = Settings(
        environment=Environment.TEST, secret_key="a-real-secret-for-tests",
        login_max_failures_per_address=3,
    )  # fmt: skip
    kontor = bootstrap(settings, engine=engine, clock=FakeClock())
    add_user(kontor, "versicherer", UNDERWRITERS, "uwe@versicherer.example")
    with browser(create_app(settings, kontor)) as client:
        for name in ("a", "b", "c"):  # three accounts, one failure each
            body = {"login": f"{name}@versicherer.example", "password": "falsch!!"}
            assert client.post("/api/auth/login", json=body).status_code == 401
        right = {"login": "uwe@versicherer.example", "password": PASSWORD}
        assert client.post("/api/auth/login", json=right).status_code == 429
