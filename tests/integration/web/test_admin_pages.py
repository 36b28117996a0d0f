"""The administration pages over HTTP on SQLite and PostgreSQL: what an administrator sees and
changes, what a broker may manage, and that another tenant's users, groups, tokens and broker
systems are not found."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from kontor.bootstrap import Kontor
from kontor.platform import ADMINISTRATORS, UNDERWRITERS, Directory, TenantKind
from support.backends import BACKENDS
from support.identity import Caller, api_caller
from support.kontor_app import app_client, kontor_on
from support.tenant_world import broker

pytestmark = pytest.mark.parametrize("database_url", BACKENDS, indirect=True)


@pytest.fixture
def kontor(engine: Engine) -> Kontor:
    return kontor_on(engine)


@pytest.fixture
def client(kontor: Kontor) -> Iterator[TestClient]:
    with app_client(kontor, pages=True) as test_client:
        yield test_client


def insurer_admin(kontor: Kontor, tenant: str = "versicherer") -> Caller:
    return api_caller(kontor, tenant, kind=TenantKind.INSURER, group=ADMINISTRATORS)


def underwriter(kontor: Kontor, tenant: str = "versicherer") -> Caller:
    return api_caller(kontor, tenant, kind=TenantKind.INSURER, group=UNDERWRITERS)


def active(kontor: Kontor, caller: Caller) -> bool:
    with kontor.engine.connect() as connection:
        tenant = caller.principal.tenant_id
        return Directory(connection, tenant).user(caller.principal.user_id).active


def test_an_administrator_locks_and_unlocks_a_user_from_the_user_list(
    kontor: Kontor, client: TestClient
) -> None:
    admin, uw = insurer_admin(kontor), underwriter(kontor)
    listed = client.get("/admin/users", headers=admin.headers)
    assert listed.status_code == 200
    assert "underwriters@versicherer.test" in listed.text
    lock = {"action": "lock", "ids": [uw.principal.user_id]}
    locked = client.post("/admin/users/actions", data=lock, headers=admin.headers)
    assert "Erledigt." in locked.text
    assert not active(kontor, uw)
    assert client.get("/api/auth/me", headers=uw.headers).status_code == 401  # token revoked
    unlock = {"action": "unlock", "ids": [uw.principal.user_id]}
    client.post("/admin/users/actions", data=unlock, headers=admin.headers)
    assert active(kontor, uw)
    myself = {"action": "lock", "ids": [admin.principal.user_id]}
    refused = client.post("/admin/users/actions", data=myself, headers=admin.headers)
    assert "Sie können sich nicht selbst sperren." in refused.text


def test_another_tenants_user_group_token_and_broker_system_are_not_found(
    kontor: Kontor, client: TestClient
) -> None:
    admin, foreign = insurer_admin(kontor), insurer_admin(kontor, "andere-ag")
    other = foreign.principal.user_id
    assert client.get(f"/admin/users/{other}", headers=admin.headers).status_code == 404
    assert (
        client.get(f"/admin/users/{admin.principal.user_id}", headers=admin.headers).status_code
        == 200
    )
    with kontor.bus.unit_of_work() as uow:  # a group only the other tenant has
        Directory(uow.connection, "andere-ag").add_groups([], uow.clock.now())
    assert client.get("/admin/groups/nirgends", headers=admin.headers).status_code == 404
    broker(kontor, "makler-fremd", parent="andere-ag")
    deleted = client.post(
        "/admin/broker-systems/actions",
        data={"action": "delete", "ids": ["makler-fremd"], "reason": "makler-fremd"},
        headers=admin.headers,
    )
    assert "Nicht gefunden." in deleted.text
    assert "makler-fremd" not in client.get("/admin/broker-systems", headers=admin.headers).text
    tokens = client.get("/admin/tokens", headers=admin.headers).text
    assert tokens.count('<tr class="data-row"') == 1  # only the administrator's own token
    revoke = {"action": "revoke", "ids": ["x" * 36]}
    assert (
        "Nicht gefunden."
        in client.post("/admin/tokens/actions", data=revoke, headers=admin.headers).text
    )


def test_an_underwriter_is_refused_every_administration_page(
    kontor: Kontor, client: TestClient
) -> None:
    uw = underwriter(kontor)
    for path in (
        "/admin",
        "/admin/users",
        "/admin/users/new",
        "/admin/groups",
        "/admin/groups/underwriters",
        "/admin/tokens",
        "/admin/broker-systems",
        "/admin/profiles",
    ):
        answer = client.get(path, headers=uw.headers)
        assert answer.status_code == 403, path
        assert "Für diese Seite fehlt Ihnen die Berechtigung." in answer.text


def test_the_group_editor_changes_a_groups_apps_and_refuses_beyond_the_ceiling(
    kontor: Kontor, client: TestClient
) -> None:
    admin = insurer_admin(kontor)
    page = client.get("/admin/groups/underwriters", headers=admin.headers)
    assert 'value="app:settlement:use" checked' in page.text
    chosen = {"permission": ["tasks:read", "app:portfolio_transfer:use"]}
    saved = client.post("/admin/groups/underwriters", data=chosen, headers=admin.headers)
    assert "Rechte gespeichert." in saved.text
    listed = client.get("/admin/groups", headers=admin.headers).text
    [row] = [row for row in listed.split("<tr") if "<td>underwriters</td>" in row]
    assert "<td>Umdeckung</td>" in row  # Abrechnung is no longer installed
    beyond = client.post(
        "/admin/groups/underwriters",
        data={"permission": ["platform:tenants"]},
        headers=admin.headers,
    )
    assert beyond.status_code == 422
    assert "platform:tenants" in beyond.text


def test_an_administrator_invites_a_user_and_creates_a_broker_system(
    kontor: Kontor, client: TestClient
) -> None:
    admin = insurer_admin(kontor)
    wrong = client.post(
        "/admin/users/new",
        data={
            "display_name": "Uta",
            "login": "uta",
            "email": "keine-adresse",
            "group": "underwriters",
        },
        headers=admin.headers,
    )
    assert wrong.status_code == 422
    assert "Das Format stimmt nicht." in wrong.text
    fine = {
        "display_name": "Uta Neu",
        "login": "uta@versicherer.test",
        "email": "uta@versicherer.test",
        "group": "underwriters",
    }
    invited = client.post("/admin/users/new", data=fine, headers=admin.headers)
    assert "Benutzer angelegt; die Einladung ist versandt." in invited.text
    assert "Uta Neu" in client.get("/admin/users?q=uta", headers=admin.headers).text
    system = {
        "company_name": "Makler Nord GmbH",
        "tenant_id": "makler-nord",
        "contact_name": "Nora Nord",
        "email": "nora@nord.test",
        "login": "nora@nord.test",
    }
    created = client.post("/admin/broker-systems/new", data=system, headers=admin.headers)
    assert "Maklersystem angelegt; die Einladung ist versandt." in created.text
    assert "Makler Nord GmbH" in client.get("/admin/broker-systems", headers=admin.headers).text
    unconfirmed = {"action": "delete", "ids": ["makler-nord"], "reason": ""}
    answer = client.post("/admin/broker-systems/actions", data=unconfirmed, headers=admin.headers)
    assert "Zur Bestätigung die Kennung makler-nord" in answer.text
    confirmed = {**unconfirmed, "reason": "makler-nord"}
    answer = client.post("/admin/broker-systems/actions", data=confirmed, headers=admin.headers)
    assert "Erledigt." in answer.text
    assert "Makler Nord GmbH" not in client.get("/admin/broker-systems", headers=admin.headers).text


def test_a_broker_manages_only_the_users_they_created(kontor: Kontor, client: TestClient) -> None:
    admin = insurer_admin(kontor)
    makler = api_caller(kontor, "makler-a", kind=TenantKind.BROKER, group="vermittler")
    colleague = api_caller(
        kontor,
        "makler-a",
        kind=TenantKind.BROKER,
        group="vermittler",
        login="kollege@makler-a.test",
    )
    listed = client.get("/admin/users", headers=makler.headers)
    assert listed.status_code == 200
    assert "kollege@makler-a.test" not in listed.text  # created by nobody: out of reach
    assert (
        client.get(
            f"/admin/users/{colleague.principal.user_id}", headers=makler.headers
        ).status_code
        == 404
    )
    assert client.get("/admin/groups", headers=makler.headers).status_code == 403
    assert client.get("/admin/profiles", headers=admin.headers).status_code == 403


def test_the_operator_lists_and_changes_the_group_profiles(
    kontor: Kontor, client: TestClient
) -> None:
    operator = api_caller(kontor, "betrieb")
    listed = client.get("/admin/profiles", headers=operator.headers)
    assert listed.status_code == 200
    assert "<td>vermittler</td>" in listed.text
    page = client.get("/admin/profiles/vermittler", headers=operator.headers)
    assert 'value="app:portfolio_transfer:delete" checked' in page.text
    chosen = {"permission": ["tasks:read", "app:portfolio_transfer:use"]}
    saved = client.post("/admin/profiles/vermittler", data=chosen, headers=operator.headers)
    assert "Profil gespeichert." in saved.text
    assert 'value="app:portfolio_transfer:delete" checked' not in saved.text
    assert client.get("/admin/profiles/niemand", headers=operator.headers).status_code == 404
