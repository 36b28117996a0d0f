"""A tenant's BiPRO inbox for isolation tests: a portal access and a shipment with a document."""

from __future__ import annotations

from fastapi.testclient import TestClient

from kontor.bootstrap import Kontor
from kontor.integration.bipro import demo_shipments
from kontor.integration.bipro.inbox import InboxStore
from support.identity import Caller


def bipro_world(kontor: Kontor, client: TestClient, b: Caller) -> dict[str, str]:
    """B's portal access (never polled) and an inbox shipment with one document."""
    body = {
        "name": "B-Portal", "insurer": "B-Versicherung", "sts_url": "http://127.0.0.1:9/sts",
        "transfer_url": "http://127.0.0.1:9/transfer", "username": "b", "password": "geheim-b",
    }  # fmt: skip
    access = client.post("/api/bipro/accesses", json=body, headers=b.headers)
    assert access.status_code == 201, access.text
    access_id = access.json()["access_id"]
    with kontor.bus.unit_of_work() as uow:
        inbox_id = InboxStore(uow.connection, b.principal.tenant_id).add(
            access_id, demo_shipments()[0], uow.clock.now()
        )
        uow.commit()
    [document] = client.get(f"/api/bipro/inbox/{inbox_id}", headers=b.headers).json()["documents"]
    return {"access_id": access_id, "inbox_id": inbox_id, "document_id": document["document_id"]}
