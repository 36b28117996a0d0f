"""BiPRO inbox: shipments per second one poll takes in from the shipped provider mock.

The provider mock (uvicorn in a thread of this process) holds N shipments, each with one
document of K KiB and one business event. One poll of one portal access issues a token, lists
the shipments, fetches each, stores it (document as a blob, the event as a row, the owner's
notification) in its own transaction and acknowledges it after the commit. SQLite always,
PostgreSQL too when KONTOR_TEST_POSTGRES_URL is set. Prints JSON. Usage:
    python benchmarks/bipro_poll.py [--shipments 200] [--document-kib 20]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from scratch_schemas import postgres_schema
from served import served

from kontor import db
from kontor.bootstrap import Kontor, bootstrap, load_schema
from kontor.integration.bipro import (
    BusinessEvent,
    Document,
    Shipment,
    provider_mock,
)
from kontor.integration.bipro.accesses import AccessDraft
from kontor.messaging import FakeClock
from kontor.settings import Environment, Settings

TENANT = "bench"
LOGIN, PASSWORD = "makler", "bench-password"


def shipments(count: int, kib: int) -> list[Shipment]:
    at = dt.datetime(2026, 12, 1, tzinfo=dt.UTC)
    content = os.urandom(kib * 1024)
    return [
        Shipment(
            f"L-{n:06d}", "110000", at,
            (BusinessEvent("Policierung", f"VS-{n:09d}", "Neuer Vertrag"),),
            (Document(f"Police_{n}.pdf", "application/pdf", content),),
        )
        for n in range(count)
    ]  # fmt: skip


def wired(url: str) -> Kontor:
    load_schema()
    engine = db.create_database_engine(url)
    db.upgrade(engine)
    settings = Settings(environment=Environment.TEST, secret_key="a-benchmark-secret-key")
    return bootstrap(settings, engine=engine, clock=FakeClock())


def run(kontor: Kontor, base: str, count: int) -> dict[str, Any]:
    assert kontor.integration is not None
    assert kontor.integration.bipro is not None
    inbox = kontor.integration.bipro
    draft = AccessDraft("Bench", "Bench AG", f"{base}/sts", f"{base}/transfer", LOGIN, PASSWORD)
    with kontor.bus.unit_of_work() as uow:
        access = inbox.create(uow, TENANT, draft, "owner")
        uow.commit()
    started = time.perf_counter()
    result = inbox.poller.poll(TENANT, access.access_id)
    seconds = time.perf_counter() - started
    assert len(result.imported) == count, len(result.imported)
    return {"shipments": count, "seconds": round(seconds, 2),
            "shipments_per_s": round(count / seconds, 1)}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--shipments", type=int, default=200)
    parser.add_argument("--document-kib", type=int, default=20)
    args = parser.parse_args()
    results: dict[str, Any] = {"document_kib": args.document_kib}
    with ExitStack() as stack:
        folder = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        stores = {"sqlite": f"sqlite:///{folder / 'bench.db'}"}
        postgres = os.environ.get("KONTOR_TEST_POSTGRES_URL")
        if postgres:
            stores["postgresql"] = stack.enter_context(postgres_schema(postgres))[0]
        for name, url in stores.items():
            mock = provider_mock({LOGIN: PASSWORD}, shipments(args.shipments, args.document_kib))
            with served(mock.app(), lifespan="off") as base:
                kontor = wired(url)
                try:
                    results[name] = run(kontor, base, args.shipments)
                finally:
                    kontor.stop()
            assert mock.pending(LOGIN) == []
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
