"""Schedules and webhooks in the administration: listed per tenant, paused, resumed and run now;
subscriptions switched off and on with an audit entry; another tenant's are not found."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from kontor.bootstrap import Kontor
from kontor.platform import ADMINISTRATORS, UNDERWRITERS, TenantKind
from kontor.platform.audit import every_entry
from support.backends import BACKENDS
from support.identity import Caller, api_caller
from support.kontor_app import app_client, kontor_on

AUDIT_LOG = every_entry()  # chained and unsealed entries

pytestmark = pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
HOURLY = {"name": "Stündlicher Abgleich", "cron": "0 * * * *", "command_type": "process.start",
          "command_payload": {"process_key": "Abgleich"}}  # fmt: skip
HOOK = {"url": "https://example.org/hook", "event_types": ["case.created"],
        "description": "Makler-CRM"}  # fmt: skip


@pytest.fixture
def kontor(engine: Engine) -> Kontor:
    return kontor_on(engine)


@pytest.fixture
def client(kontor: Kontor) -> Iterator[TestClient]:
    with app_client(kontor, pages=True) as test_client:
        yield test_client


def admin_of(kontor: Kontor, tenant: str = "versicherer") -> Caller:
    return api_caller(kontor, tenant, kind=TenantKind.INSURER, group=ADMINISTRATORS,
                      login=f"admin@{tenant}.test")  # fmt: skip


def test_schedules_are_paused_resumed_and_run_from_the_table(
    kontor: Kontor, client: TestClient
) -> None:
    admin = admin_of(kontor)
    created = client.post("/api/schedules", json=HOURLY, headers=admin.headers)
    assert created.status_code == 201, created.text
    schedule_id = created.json()["schedule_id"]
    listed = client.get("/admin/schedules", headers=admin.headers)
    assert listed.status_code == 200
    assert "Stündlicher Abgleich" in listed.text
    assert "0 * * * *" in listed.text
    for action in ("run", "pause", "resume"):  # the context menu offers each
        assert f'data-action="{action}"' in listed.text or f'value="{action}"' in listed.text

    paused = client.post("/admin/schedules/actions", data={"action": "pause", "ids": [schedule_id]},
                         headers=admin.headers)  # fmt: skip
    assert "Erledigt." in paused.text
    shown = client.get(f"/api/schedules/{schedule_id}", headers=admin.headers).json()
    assert shown["paused"] is True
    client.post("/admin/schedules/actions", data={"action": "resume", "ids": [schedule_id]},
                headers=admin.headers)  # fmt: skip
    assert (
        client.get(f"/api/schedules/{schedule_id}", headers=admin.headers).json()["paused"] is False
    )
    ran = client.post("/admin/schedules/actions", data={"action": "run", "ids": [schedule_id]},
                      headers=admin.headers)  # fmt: skip
    assert "Erledigt." in ran.text
    runs = client.get(f"/api/schedules/{schedule_id}/runs", headers=admin.headers).json()
    assert [run["trigger"] for run in runs] == ["manual"]

    other = admin_of(kontor, "andere-ag")
    pause = {"action": "pause", "ids": [schedule_id]}
    foreign = client.post("/admin/schedules/actions", data=pause, headers=other.headers)
    assert "Erledigt." not in foreign.text
    assert (
        client.get(f"/api/schedules/{schedule_id}", headers=admin.headers).json()["paused"] is False
    )
    assert "Stündlicher Abgleich" not in client.get("/admin/schedules", headers=other.headers).text


def test_webhook_subscriptions_are_switched_off_and_on_with_an_audit_entry(
    kontor: Kontor, client: TestClient
) -> None:
    admin = admin_of(kontor)
    created = client.post("/api/webhooks/subscriptions", json=HOOK, headers=admin.headers)
    assert created.status_code == 201, created.text
    subscription_id = created.json()["subscription_id"]
    listed = client.get("/admin/webhooks", headers=admin.headers)
    assert "https://example.org/hook" in listed.text
    assert "Makler-CRM" in listed.text
    assert created.json()["secret"] not in listed.text

    off = {"action": "disable", "ids": [subscription_id]}
    assert (
        "Erledigt." in client.post("/admin/webhooks/actions", data=off, headers=admin.headers).text
    )
    shown = client.get(f"/api/webhooks/subscriptions/{subscription_id}", headers=admin.headers)
    assert shown.json()["enabled"] is False
    assert "von Hand abgeschaltet" in client.get("/admin/webhooks", headers=admin.headers).text
    on = {"action": "enable", "ids": [subscription_id]}
    client.post("/admin/webhooks/actions", data=on, headers=admin.headers)
    with kontor.engine.connect() as connection:
        actions = connection.scalars(
            select(AUDIT_LOG.c.action).where(AUDIT_LOG.c.entity_id == subscription_id)
            .order_by(AUDIT_LOG.c.entry_id)
        ).all()  # fmt: skip
    assert actions == [
        "integration.webhook.subscribe", "integration.webhook.disable",
        "integration.webhook.enable",
    ]  # fmt: skip

    underwriter = api_caller(kontor, "versicherer", kind=TenantKind.INSURER, group=UNDERWRITERS,
                             login="uw@versicherer.test")  # fmt: skip
    assert client.get("/admin/webhooks", headers=underwriter.headers).status_code == 403
