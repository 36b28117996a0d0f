"""The operator changes group profiles: new tenants start with them, existing ones keep theirs."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from kontor.api import create_app
from kontor.bootstrap import Kontor, bootstrap
from kontor.messaging import FakeClock
from kontor.platform import ADMINISTRATORS, BROKERS, UNDERWRITERS, TenantKind
from kontor.platform.audit import every_entry
from kontor.settings import Environment, Settings
from support.backends import BACKENDS
from support.identity import api_caller

AUDIT_LOG = every_entry()  # chained and unsealed entries

pytestmark = pytest.mark.parametrize("database_url", BACKENDS, indirect=True)


@pytest.fixture
def kontor(engine: Engine) -> Kontor:
    settings = Settings(environment=Environment.TEST, secret_key="a-real-secret-for-tests")
    return bootstrap(settings, engine=engine, clock=FakeClock())


@pytest.fixture
def client(kontor: Kontor) -> Iterator[TestClient]:
    with TestClient(create_app(kontor.settings, kontor)) as test_client:
        yield test_client


def group_permissions(client: TestClient, headers: dict[str, str], group: str) -> list[str]:
    groups = client.get("/api/platform/groups", headers=headers).json()
    permissions: list[str] = next(g["permissions"] for g in groups if g["group_id"] == group)
    return permissions


def test_a_changed_profile_counts_for_new_tenants_and_their_ceiling(
    kontor: Kontor, client: TestClient
) -> None:
    operator = api_caller(kontor).headers
    old_admin = api_caller(kontor, "alt", kind=TenantKind.INSURER, group=ADMINISTRATORS).headers
    listed = client.get("/api/platform/profiles", headers=operator).json()
    assert [p["group_id"] for p in listed] == [
        "operator_staff", ADMINISTRATORS, UNDERWRITERS, BROKERS
    ]  # fmt: skip
    underwriters = next(p for p in listed if p["group_id"] == UNDERWRITERS)
    widened = sorted({*underwriters["permissions"], "messages:read"})
    url = f"/api/platform/profiles/{UNDERWRITERS}/permissions"
    refused = client.put(
        f"/api/platform/groups/{UNDERWRITERS}/permissions",
        json={"permissions": widened},
        headers=old_admin,
    )
    assert (refused.status_code, refused.json()["field"]) == (422, "permissions")  # beyond
    changed = client.put(url, json={"permissions": widened}, headers=operator)
    assert changed.status_code == 200, changed.json()
    assert "messages:read" in changed.json()["permissions"]
    created = client.post(
        "/api/tenants",
        json={"tenant_id": "neu", "name": "Neu AG", "kind": "insurer"},
        headers=operator,
    )
    assert created.status_code == 201
    new_admin = api_caller(kontor, "neu", kind=TenantKind.INSURER, group=ADMINISTRATORS).headers
    assert "messages:read" in group_permissions(client, new_admin, UNDERWRITERS)
    assert "messages:read" not in group_permissions(client, old_admin, UNDERWRITERS)
    now_allowed = client.put(
        f"/api/platform/groups/{UNDERWRITERS}/permissions",
        json={"permissions": widened},
        headers=old_admin,
    )
    assert now_allowed.status_code == 200  # the insurer kind's ceiling follows the profiles
    with kontor.engine.connect() as connection:
        recorded = connection.execute(
            select(AUDIT_LOG.c.entity_id).where(
                AUDIT_LOG.c.action == "platform.set_profile_permissions"
            )
        ).scalar_one()
    assert recorded == UNDERWRITERS


def test_profiles_are_the_operators_and_keep_to_their_kind(
    kontor: Kontor, client: TestClient
) -> None:
    operator = api_caller(kontor).headers
    admin = api_caller(kontor, "v", kind=TenantKind.INSURER, group=ADMINISTRATORS).headers
    body = {"permissions": ["tenants:read"]}
    assert client.get("/api/platform/profiles", headers=admin).status_code == 403
    assert client.put(
        f"/api/platform/profiles/{BROKERS}/permissions", json=body, headers=admin
    ).status_code == 403  # fmt: skip
    reaching = client.put(
        f"/api/platform/profiles/{BROKERS}/permissions",
        json={"permissions": ["tenants:read", "platform:tenants"]},
        headers=operator,
    )
    assert (reaching.status_code, reaching.json()["field"]) == (422, "permissions")
    unknown = client.put(
        f"/api/platform/profiles/{BROKERS}/permissions",
        json={"permissions": ["process:fly"]},
        headers=operator,
    )
    assert unknown.status_code == 422
    missing = client.put("/api/platform/profiles/nobody/permissions", json=body, headers=operator)
    assert missing.status_code == 404
