"""Identity changes reach the audit log with actor and entity, and nothing personal or secret."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from kontor.api import create_app
from kontor.bootstrap import Kontor
from kontor.platform import ADMINISTRATORS, DEFAULT_PROFILES, UNDERWRITERS, TenantKind
from kontor.platform.audit import every_entry
from support.backends import BACKENDS
from support.identity import api_caller
from support.kontor_app import kontor_on

AUDIT_LOG = every_entry()  # chained and unsealed entries

pytestmark = pytest.mark.parametrize("database_url", BACKENDS, indirect=True)

UTE, NAME = "ute.muster@versicherer.example", "Ute Muster"
PASSWORD, NEW_PASSWORD = "ein ziemlich langes Kennwort", "ein ganz anderes langes Kennwort"
WRONG = "ein falsches langes Kennwort"
BROKER = {
    "tenant_id": "makler-neu", "company_name": "Maklerbüro Neumann", "contact_name": "Max Neumann",
    "email": "max@neumann.example", "login": "max@neumann.example", "password": PASSWORD,
}  # fmt: skip


@pytest.fixture
def kontor(engine: Engine) -> Kontor:
    return kontor_on(engine)


@pytest.fixture
def client(kontor: Kontor) -> Iterator[TestClient]:
    # https, so that the client sends the Secure session cookie back
    with TestClient(create_app(kontor.settings, kontor), base_url="https://testserver") as test:
        yield test


def test_identity_changes_are_audited_with_actor_and_entity_and_nothing_personal(
    kontor: Kontor, client: TestClient, engine: Engine
) -> None:
    admin = api_caller(kontor, "versicherer", kind=TenantKind.INSURER, group=ADMINISTRATORS)
    as_admin, admin_id = admin.headers, admin.principal.user_id
    body = {"login": UTE, "display_name": NAME, "email": UTE, "groups": [UNDERWRITERS],
            "password": PASSWORD}  # fmt: skip
    ute = client.post("/api/platform/users", json=body, headers=as_admin).json()["user_id"]
    grant = f"/api/platform/users/{ute}/grants/process:start"
    assert client.put(grant, json={"granted": False}, headers=as_admin).status_code == 200
    group = "/api/platform/groups/underwriters/permissions"
    assert client.put(group, json={"permissions": ["process:read"]}, headers=as_admin).is_success
    login = {"login": UTE, "password": WRONG}
    assert client.post("/api/auth/login", json=login).status_code == 401
    login["password"] = PASSWORD
    logged_in = client.post("/api/auth/login", json=login).json()
    csrf = {"X-CSRF-Token": logged_in["csrf_token"]}
    expires = (kontor.clock.now() + dt.timedelta(days=30)).isoformat()
    token_body = {"name": "Abgleich", "permissions": ["process:read"], "expires_at": expires}
    token = client.post("/api/auth/me/tokens", json=token_body, headers=csrf).json()
    client.delete(f"/api/auth/me/tokens/{token['token_id']}", headers=csrf)
    change = {"current_password": PASSWORD, "new_password": NEW_PASSWORD}
    assert client.post("/api/auth/me/password", json=change, headers=csrf).status_code == 200
    assert client.post("/api/auth/logout", headers=csrf).status_code == 204
    assert client.post(f"/api/platform/users/{ute}/deactivate", headers=as_admin).is_success
    created = client.post("/api/tenants/broker-systems", json=BROKER, headers=as_admin)
    max_id = created.json()["user"]["user_id"]

    with engine.connect() as connection:
        rows = connection.execute(select(AUDIT_LOG).order_by(AUDIT_LOG.c.entry_id)).all()
    # entries of one transaction may share an id's time slot: compare without order
    recorded = sorted((r.tenant_id, r.action, r.entity_type, r.entity_id, r.actor) for r in rows)
    session = logged_in["session_id"]
    assert recorded == sorted(
        [
            ("versicherer", "platform.create_user", "user", ute, admin_id),
            ("versicherer", "platform.set_password", "user", ute, admin_id),
            ("versicherer", "platform.set_grant", "user", ute, admin_id),
            ("versicherer", "platform.set_group_permissions", "group", UNDERWRITERS, admin_id),
            ("versicherer", "platform.login_failed", "user", ute, None),
            ("versicherer", "platform.login", "user", ute, ute),
            ("versicherer", "platform.create_token", "api_token", token["token_id"], ute),
            ("versicherer", "platform.revoke_token", "api_token", token["token_id"], ute),
            ("versicherer", "platform.set_password", "user", ute, ute),
            ("versicherer", "platform.end_session", "session", session, ute),
            ("versicherer", "platform.deactivate_user", "user", ute, admin_id),
            ("versicherer", "platform.create_broker_system", "tenant", "makler-neu", admin_id),
            ("makler-neu", "platform.create_user", "user", max_id, admin_id),
            ("makler-neu", "platform.set_password", "user", max_id, admin_id),
        ]
    )
    differences = {(r.action, r.actor): r.difference for r in rows}
    [profile] = [p for p in DEFAULT_PROFILES if p.group_id == UNDERWRITERS]
    assert differences["platform.set_group_permissions", admin_id] == {
        "before": {"permissions": sorted(profile.permissions)},
        "after": {"permissions": ["process:read"]},
    }
    assert differences["platform.set_password", ute]["after"] == {"reason": "changed"}
    personal = [UTE, NAME, PASSWORD, NEW_PASSWORD, WRONG, token["token"], logged_in["csrf_token"],
                "testclient", *BROKER.values()]  # fmt: skip
    personal.remove("makler-neu")  # the tenant id is a reference
    text = repr([tuple(row) for row in rows]).casefold()
    assert [value for value in personal if value.casefold() in text] == []


def test_the_operators_tenant_changes_are_audited_in_the_operators_tenant(
    kontor: Kontor, client: TestClient, engine: Engine
) -> None:
    operator = api_caller(kontor, "betrieb")
    tenant = {"tenant_id": "pool", "name": "Pool GmbH", "kind": "broker"}
    assert client.post("/api/tenants", json=tenant, headers=operator.headers).status_code == 201
    allow = {"allows_sub_brokers": True}
    assert client.patch("/api/tenants/pool", json=allow, headers=operator.headers).is_success

    with engine.connect() as connection:
        rows = connection.execute(select(AUDIT_LOG)).all()
    assert sorted((r.tenant_id, r.action, r.entity_id, r.actor) for r in rows) == [
        ("betrieb", "platform.allow_sub_brokers", "pool", operator.principal.user_id),
        ("betrieb", "platform.create_tenant", "pool", operator.principal.user_id),
    ]
    assert "Pool GmbH" not in repr([tuple(row) for row in rows])
