"""Outbound webhook deliveries per second to a local receiver.

Events of one tenant are queued for S subscriptions (the fan-out runs in the events'
transactions), then the sender delivers them: signed (Standard Webhooks), one attempt logged
per delivery, in order per subscription. The receiver is a bare ASGI app under uvicorn in a
thread of this process answering 204. As a yardstick the same number of plain httpx POSTs
(no signing, no database) go to the same receiver. SQLite always, PostgreSQL too when
KONTOR_TEST_POSTGRES_URL is set. Prints JSON. Usage:
    python benchmarks/webhooks.py [--events 1000] [--subscriptions 4]
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import httpx2 as httpx
import uvicorn
from scratch_schemas import postgres_schema

from kontor import db
from kontor.bootstrap import Kontor, bootstrap, load_schema
from kontor.integration.webhooks import SubscriptionDraft, SubscriptionStore
from kontor.messaging import FakeClock
from kontor.process import ProcessInstanceCompleted
from kontor.settings import Environment, Settings

TENANT = "bench"
BATCH = 100


class Counting:
    """A bare ASGI receiver: reads the body, answers 204, counts."""

    def __init__(self) -> None:
        self.count = 0

    async def __call__(
        self, scope: dict[str, Any], receive: Callable[..., Any], send: Callable[..., Any]
    ) -> None:
        if scope["type"] != "http":
            return
        more = True
        while more:
            message = await receive()
            more = message.get("more_body", False)
        self.count += 1
        await send({"type": "http.response.start", "status": 204, "headers": []})
        await send({"type": "http.response.body", "body": b""})


@contextmanager
def receiver() -> Iterator[tuple[Counting, str]]:
    app = Counting()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="off")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield app, f"http://127.0.0.1:{port}/hook"
    finally:
        server.should_exit = True
        thread.join()


def wired(url: str) -> Kontor:
    load_schema()
    engine = db.create_database_engine(url)
    db.upgrade(engine)
    settings = Settings(environment=Environment.TEST, secret_key="a-benchmark-secret-key")
    return bootstrap(settings, engine=engine, clock=FakeClock())


def run(kontor: Kontor, hook: str, events: int, subscriptions: int) -> dict[str, Any]:
    assert kontor.integration is not None
    webhooks = kontor.integration.webhooks
    with kontor.bus.unit_of_work() as uow:
        store = SubscriptionStore(uow.connection, TENANT, webhooks.box)
        for _ in range(subscriptions):
            draft = SubscriptionDraft(hook, ["process.instance_completed"], {})
            store.create(draft, webhooks.event_types, uow.clock.now())
        uow.commit()
    started = time.perf_counter()
    for first in range(0, events, BATCH):
        kontor.bus.publish(
            *(
                ProcessInstanceCompleted(
                    tenant_id=TENANT, instance_id=f"i-{n}", process_key="Bench", business_key=str(n)
                )
                for n in range(first, min(first + BATCH, events))
            )
        )
    queued_seconds = time.perf_counter() - started
    started = time.perf_counter()
    delivered = kontor.integration.sender.deliver_until_idle()
    delivery_seconds = time.perf_counter() - started
    deliveries = events * subscriptions
    assert delivered == deliveries, (delivered, deliveries)
    return {
        "events": events,
        "subscriptions": subscriptions,
        "deliveries": deliveries,
        "queued_per_s": round(deliveries / queued_seconds),
        "delivered_per_s": round(deliveries / delivery_seconds),
    }


def plain_posts(hook: str, count: int) -> int:
    body = json.dumps({"type": "process.instance_completed", "data": {"n": 1}}).encode()
    with httpx.Client() as client:
        started = time.perf_counter()
        for _ in range(count):
            client.post(hook, content=body, headers={"content-type": "application/json"})
        return round(count / (time.perf_counter() - started))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=1000)
    parser.add_argument("--subscriptions", type=int, default=4)
    args = parser.parse_args()
    results: dict[str, Any] = {}
    with receiver() as (app, hook), ExitStack() as stack:
        folder = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        stores = {"sqlite": f"sqlite:///{folder / 'bench.db'}"}
        postgres = os.environ.get("KONTOR_TEST_POSTGRES_URL")
        if postgres:
            stores["postgresql"] = stack.enter_context(postgres_schema(postgres))[0]
        for name, url in stores.items():
            kontor = wired(url)
            try:
                results[name] = run(kontor, hook, args.events, args.subscriptions)
            finally:
                kontor.stop()
        results["plain_httpx_posts_per_s"] = plain_posts(hook, args.events * args.subscriptions)
        results["received"] = app.count
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
