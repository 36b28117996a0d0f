"""Deleting a broker system: no row of it (or of its sub-brokers) is left in any table, other
tenants keep theirs, its logins end, and the audit log keeps only the fact, verifiably."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from kontor.bootstrap import Kontor, bootstrap
from kontor.messaging import FakeClock
from kontor.platform import ADMINISTRATORS, BROKERS, DELETE_BROKER_SYSTEM, TenantKind
from kontor.platform.audit import AuditQuery
from kontor.portfolio import copy_contract
from kontor.rules.deployment import HookPoint, HookRegistry
from kontor.settings import Environment, Settings
from kontor.web import create_app  # the whole app: /engine-rest too, as tenant_world uses it
from support.backends import BACKENDS
from support.cases import case_types
from support.identity import Caller, api_caller
from support.tenant_world import broker, rows_of, tenant_world

pytestmark = pytest.mark.parametrize("database_url", BACKENDS, indirect=True)

INSURER = "versicherer"


@pytest.fixture
def kontor(engine: Engine, tmp_path: Path) -> Kontor:
    settings = Settings(
        environment=Environment.TEST, secret_key="a-real-secret-for-tests", data_dir=tmp_path
    )
    hooks = HookRegistry([HookPoint("task.created", "a task was created")])
    return bootstrap(
        settings, engine=engine, clock=FakeClock(), hook_points=hooks, case_types=case_types()
    )


@pytest.fixture
def client(kontor: Kontor) -> Iterator[TestClient]:
    with TestClient(create_app(kontor.settings, kontor)) as test_client:
        yield test_client


@pytest.fixture
def administrator(kontor: Kontor) -> Caller:
    return api_caller(kontor, INSURER, kind=TenantKind.INSURER, group=ADMINISTRATORS)


def seal_audit_log(kontor: Kontor) -> None:
    assert kontor.audit is not None
    kontor.clock.advance(dt.timedelta(minutes=1))  # type: ignore[attr-defined]
    now = kontor.clock.now()
    kontor.audit.seal(kontor.engine, now, now)


def test_deleting_a_broker_system_leaves_no_row_of_it_in_any_table(
    kontor: Kontor, client: TestClient, engine: Engine, administrator: Caller
) -> None:
    makler = broker(kontor, "makler-b", INSURER)
    unter = broker(kontor, "makler-b-unter", "makler-b")
    other = broker(kontor, "makler-a", INSURER)
    worlds = {caller: tenant_world(kontor, client, caller) for caller in (makler, unter, other)}
    with kontor.bus.unit_of_work() as uow:  # a contract forwarded to the insurer
        contract_id = worlds[makler]["contract_id"]
        copy_contract(uow.connection, "makler-b", contract_id, INSURER, kontor.clock.now())
        uow.commit()
    seal_audit_log(kontor)
    gone = rows_of(engine, "makler-b")
    filled = {table for table, rows in gone.items() if rows}
    assert len(filled) >= 18, sorted(set(gone) - filled)  # everything a tenant makes today
    assert rows_of(engine, "makler-b-unter")["platform_users"]
    kept = {tenant: rows_of(engine, tenant) for tenant in ("makler-a", INSURER)}

    response = client.delete("/api/tenants/broker-systems/makler-b", headers=administrator.headers)

    assert response.status_code == 200, response.text
    assert response.json()["tenant_ids"] == ["makler-b", "makler-b-unter"]
    assert response.json()["deleted_rows"]["platform_users"] == 2
    for tenant in ("makler-b", "makler-b-unter"):
        assert {table: rows for table, rows in rows_of(engine, tenant).items() if rows} == {}
    assert rows_of(engine, "makler-a") == kept["makler-a"]
    # the files kept with their cases went too; the other broker's stay
    assert response.json()["ended"] == {"attachment_files": 2}
    folders = kontor.settings.data_dir / "attachments"
    assert sorted(p.name for p in folders.iterdir()) == ["makler-a"]
    insurer_now = rows_of(engine, INSURER)
    # the deleting tenant gains the audit entry, and its administrator's token notes its use
    deleted = {"makler-b", "makler-b-unter"}
    for table in set(insurer_now) - {"audit_unsealed", "platform_api_tokens"}:
        # what the deleted brokers forwarded went with them; what makler-a forwarded stays
        stays = [row for row in kept[INSURER][table] if not deleted & set(row)]
        assert insurer_now[table] == stays, table
    assert len(kept[INSURER]["portfolio_contracts"]) > len(insurer_now["portfolio_contracts"])
    for caller in (makler, unter):  # their tokens (and sessions) ended with their rows
        assert client.get("/api/tenants/current", headers=caller.headers).status_code == 401
    assert client.get("/api/tenants/current", headers=other.headers).status_code == 200


def test_the_audit_log_keeps_the_fact_and_every_other_chain_verifies(
    kontor: Kontor, client: TestClient, administrator: Caller
) -> None:
    assert kontor.audit is not None
    for tenant in ("makler-a", "makler-b"):
        tenant_world(kontor, client, broker(kontor, tenant, INSURER))
    seal_audit_log(kontor)

    client.delete("/api/tenants/broker-systems/makler-b", headers=administrator.headers)
    seal_audit_log(kontor)

    verification = kontor.audit.verify(kontor.engine, kontor.clock.now())
    assert verification.problem is None
    assert "makler-b" not in verification.tenants
    assert {"makler-a", INSURER} <= set(verification.tenants)
    with kontor.engine.connect() as connection:
        query = AuditQuery(entity_type="tenant", entity_id="makler-b")
        [entry] = kontor.audit.entries(connection, INSURER, query)
    assert (entry.action, entry.actor) == (DELETE_BROKER_SYSTEM, administrator.principal.user_id)
    assert entry.difference == {
        "before": {"tenant_ids": ["makler-b"]},
        "after": {
            "deleted_rows": entry.difference["after"]["deleted_rows"],
            "ended": {"attachment_files": 1},
        },
    }
    assert entry.difference["after"]["deleted_rows"]["platform_users"] == 1


def test_only_broker_systems_under_the_own_tenant_can_be_deleted(
    kontor: Kontor, client: TestClient, administrator: Caller
) -> None:
    makler = broker(kontor, "makler-b", INSURER)
    stranger = api_caller(
        kontor, "anderer-versicherer", kind=TenantKind.INSURER, group=ADMINISTRATORS
    )
    for tenant_id in ("makler-b", "nirgends", INSURER):
        url = f"/api/tenants/broker-systems/{tenant_id}"
        assert client.delete(url, headers=stranger.headers).status_code == 404, tenant_id
    # a broker system that may not hold sub-brokers may not delete broker systems either
    plain = api_caller(kontor, "makler-c", kind=TenantKind.BROKER, group=BROKERS)
    url = "/api/tenants/broker-systems/makler-b"
    assert client.delete(url, headers=plain.headers).status_code == 403
    assert client.get("/api/tenants/current", headers=makler.headers).status_code == 200
    assert client.delete(url, headers=administrator.headers).status_code == 200
    assert client.get("/api/tenants/current", headers=makler.headers).status_code == 401


def test_the_operator_deletes_any_broker_system_but_no_other_tenant(
    kontor: Kontor, client: TestClient, administrator: Caller
) -> None:
    operator = api_caller(kontor, "betrieb").headers
    broker(kontor, "makler-b", INSURER)
    assert client.delete(f"/api/tenants/{INSURER}", headers=operator).status_code == 404
    assert client.delete("/api/tenants/makler-b", headers=operator).status_code == 200
    assert client.delete("/api/tenants/makler-b", headers=operator).status_code == 404
    assert client.get("/api/tenants/current", headers=administrator.headers).status_code == 200
