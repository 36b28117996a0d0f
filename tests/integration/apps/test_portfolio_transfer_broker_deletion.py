"""Deleting a broker system ends its underwriting cases at the insurer: nothing of its requests
stays visible or running there, background rounds run cleanly, and the audit log counts it."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from kontor.apps.portfolio_transfer import InstallPortfolioTransfer
from kontor.bootstrap import Kontor
from kontor.errors import Conflict
from kontor.messaging import UnitOfWork
from kontor.platform import DELETE_BROKER_SYSTEM
from kontor.platform.audit import AuditQuery
from support.backends import BACKENDS
from support.identity import Caller
from support.transfer import (
    BASE,
    INSURER,
    TransferWorld,
    household,
    insurer_with_broker,
    transfer_world,
)

CASE_PROCESS = "PortfolioTransferUnderwriting"

pytestmark = pytest.mark.parametrize("database_url", BACKENDS, indirect=True)


def notified_requests(client: TestClient, caller: Caller) -> set[str]:
    """The requests the caller's notifications are about."""
    answer = client.get("/api/notifications?limit=500", headers=caller.headers)
    return {n["data"]["request_id"] for n in answer.json() if "request_id" in n["data"]}


def test_deleting_a_broker_system_ends_its_cases_at_the_insurer(
    kontor: Kontor, client: TestClient
) -> None:
    world = transfer_world(kontor, client, "makler-b")
    calculated, waiting, forwarded = world.add(*(household(f"HR-{n}") for n in (1, 2, 3)))
    world.bulk("forward", [calculated, waiting, forwarded])
    world.bulk("set_interest", [calculated, waiting])
    other = TransferWorld(kontor, client, world.underwriter, world.admin,
                          insurer_with_broker(kontor, "makler-c"), "makler-c")  # fmt: skip
    kontor.bus.handle(InstallPortfolioTransfer(tenant_id="makler-c"))
    [kept] = other.add(household("HR-9"))
    other.act(kept, "forward")
    other.act(kept, "set_interest")
    world.run()  # the three cases calculated, waiting for the underwriter
    running = f"/api/process/instances?process_key={CASE_PROCESS}&status=active"
    assert client.get(running, headers=world.admin.headers).json()["total"] == 3
    assert notified_requests(client, world.underwriter) == {calculated, waiting, forwarded, kept}

    deleted = client.delete("/api/tenants/broker-systems/makler-b", headers=world.admin.headers)

    assert deleted.status_code == 200, deleted.text
    listed = client.get(f"{BASE}/requests", headers=world.underwriter.headers).json()
    assert [r["request_id"] for r in listed["items"]] == [kept]
    for request_id in (calculated, waiting, forwarded):
        assert world.seen_by(world.underwriter, request_id).status_code == 404
    still_running = client.get(running, headers=world.admin.headers).json()["items"]
    assert [i["business_key"] for i in still_running] == [kept]
    assert notified_requests(client, world.underwriter) == {kept}
    kontor.background_round()  # nothing of the deleted requests is left to fail on
    assert world.run() == {"calculations": 0, "applications": 0}
    with kontor.engine.connect() as connection:
        assert kontor.audit is not None
        query = AuditQuery(entity_type="tenant", entity_id="makler-b")
        [entry] = kontor.audit.entries(connection, INSURER, query)
    assert (entry.action, entry.actor) == (DELETE_BROKER_SYSTEM, world.admin.principal.user_id)
    ended = entry.difference["after"]["ended"]
    assert ended["portfolio_transfer_underwriting_cases"] == 2
    assert ended["portfolio_transfer_notifications"] > 0
    assert other.act(kept, "reject").status_code == 200  # the other broker's case goes on


def test_a_deletion_that_fails_leaves_every_case_running(
    kontor: Kontor, client: TestClient
) -> None:
    world = transfer_world(kontor, client, "makler-b")
    [request_id] = world.add(household("HR-1"))
    world.act(request_id, "forward")
    world.act(request_id, "set_interest")

    def refuse(uow: UnitOfWork, tenant_ids: list[str]) -> dict[str, int]:
        raise Conflict(f"{tenant_ids} still has open settlements")  # after the app's ending ran

    kontor.administration.end_on_deletion(refuse)
    deleted = client.delete("/api/tenants/broker-systems/makler-b", headers=world.admin.headers)

    assert deleted.status_code == 409
    assert world.exact(world.underwriter, request_id)["case_status"] == "Berechnung ausführen"
    running = f"/api/process/instances?process_key={CASE_PROCESS}&status=active"
    [instance] = client.get(running, headers=world.admin.headers).json()["items"]
    assert instance["business_key"] == request_id
    assert request_id in notified_requests(client, world.underwriter)
