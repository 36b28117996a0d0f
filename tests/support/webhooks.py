"""A webhook receiver for tests: records what arrives, answers 503 while it is 'down'."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from fastapi.testclient import TestClient
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from kontor.bootstrap import Kontor
from kontor.integration.webhooks.subscriptions import queue_deliveries
from kontor.process import ProcessInstanceCompleted
from support.identity import Caller


@dataclass(frozen=True)
class Received:
    """One request the receiver took in."""

    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    """Records every request to ``/hook``; answers 503 without recording while ``down``."""

    down: bool = False
    received: list[Received] = field(default_factory=list)
    refused: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def app(self) -> Starlette:
        """The ASGI app to serve."""

        async def hook(request: Request) -> Response:
            body = await request.body()
            with self._lock:
                if self.down:
                    self.refused += 1
                    return Response("unterwegs", status_code=503)
                self.received.append(Received(dict(request.headers), body))
            return Response(status_code=204)

        return Starlette(routes=[Route("/hook", hook, methods=["POST"])])


def webhook_world(kontor: Kontor, client: TestClient, b: Caller) -> dict[str, str]:
    """B's webhook subscription with one queued delivery, an inbound endpoint, a connection."""
    as_b = b.headers
    subscription = client.post(
        "/api/webhooks/subscriptions",
        json={"url": "http://127.0.0.1:9/hook", "event_types": ["process.instance_completed"]},
        headers=as_b,
    ).json()
    with kontor.bus.unit_of_work() as uow:
        event = ProcessInstanceCompleted(
            tenant_id=b.principal.tenant_id, instance_id="i-b", process_key="Order"
        )
        queue_deliveries(event, uow)
        uow.commit()
    subscription_id = subscription["subscription_id"]
    [delivery] = client.get(
        f"/api/webhooks/subscriptions/{subscription_id}/deliveries", headers=as_b
    ).json()
    endpoint = client.post(
        "/api/webhooks/endpoints",
        json={"name": "schaden", "action": "start_process", "mapping": '{process_key: "Order"}'},
        headers=as_b,
    ).json()
    connection = client.post(
        "/api/connectors/connections",
        json={"name": "crm", "auth": "bearer", "secret": "token-of-b"},
        headers=as_b,
    ).json()
    return {
        "subscription_id": subscription_id,
        "delivery_id": delivery["delivery_id"],
        "endpoint_id": endpoint["endpoint_id"],
        "connection_id": connection["connection_id"],
    }
