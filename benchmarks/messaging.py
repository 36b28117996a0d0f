"""Messaging throughput: events/s committed and handled, with commit→handler latency.

Runs (SQLite, in-process) always and (PostgreSQL, RabbitMQ) when KONTOR_TEST_POSTGRES_URL and
KONTOR_TEST_AMQP_URL are set. Prints JSON. Usage:
    python benchmarks/messaging.py [--events 20000] [--batch 1 --batch 100]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import threading
import time
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from typing import Any

from scratch_schemas import postgres_schema
from sqlalchemy import Column, Integer, MetaData, String, Table, insert

from kontor import db
from kontor.bootstrap import Kontor, bootstrap, load_schema
from kontor.db.fast import FastStatement
from kontor.messaging import Event, HandlerRegistry, UnitOfWork, correlation
from kontor.settings import Settings

bench_metadata = MetaData()
handled_table = Table(
    "bench_handled",
    bench_metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("message_id", String(36), nullable=False),
)


class PremiumCalculated(Event, type_name="bench.premium_calculated"):
    """A small, typical event."""

    policy_number: str
    premium_cents: int


# A handler on a hot path writes as Kontor's own handlers do: a statement built once, queued
# to go with the transaction's next statement or its commit (one round trip for the batch).
RECORD_HANDLED = FastStatement(insert(handled_table))


class Probe:
    """Records commit and handling times per message."""

    def __init__(self, expected: int) -> None:
        self.committed_at: dict[str, float] = {}
        self.latencies: list[float] = []
        self.expected = expected
        self.done = threading.Event()
        self._lock = threading.Lock()

    def handler(self, event: PremiumCalculated, uow: UnitOfWork) -> None:
        RECORD_HANDLED.execute_later(uow.connection, [{"message_id": event.message_id}])
        now = time.perf_counter()
        with self._lock:
            self.latencies.append(now - self.committed_at.get(event.message_id, now))
            if len(self.latencies) >= self.expected:
                self.done.set()


def _wire(settings: Settings, probe: Probe) -> Kontor:
    registry = HandlerRegistry()
    registry.subscribe(PremiumCalculated, probe.handler, name="bench.record")
    load_schema()
    engine = db.create_database_engine(settings.effective_database_url)
    db.upgrade(engine)
    bench_metadata.create_all(engine)
    return bootstrap(settings, engine=engine, registry=registry)


def unit_key(offset: int, shared: bool) -> AbstractContextManager[None]:
    """The correlation a unit of work's events carry: one per unit, as a command's events share
    its correlation (``shared``: one ordering key, one partition queue), or none, so every event
    has a key of its own (spread over the partition queues)."""
    return correlation(f"unit-{offset}") if shared else nullcontext()


def run(
    settings: Settings, events: int, batch: int, label: str, shared_keys: bool = True
) -> dict[str, Any]:
    """Commit ``events`` in units of ``batch`` and wait until all were handled."""
    probe = Probe(events)
    kontor = _wire(settings, probe)
    kontor.start(consume=True, pump=False)
    started = time.perf_counter()
    for offset in range(0, events, batch):
        with unit_key(offset, shared_keys):
            messages = [
                PremiumCalculated(
                    tenant_id="bench", policy_number=f"VS{offset + i:08d}", premium_cents=12345
                )
                for i in range(min(batch, events - offset))
            ]
        with kontor.bus.unit_of_work() as uow:
            uow.emit(*messages)
            stamp = time.perf_counter()
            for message in messages:
                probe.committed_at[message.message_id] = stamp
            uow.commit()
    if not probe.done.wait(timeout=600):
        raise SystemExit(f"{label}: only {len(probe.latencies)} of {events} handled")
    elapsed = time.perf_counter() - started
    kontor.stop()
    latencies = sorted(probe.latencies)
    return {
        "backend": label,
        "events": events,
        "events_per_unit_of_work": batch,
        "events_per_second": round(events / elapsed),
        "latency_ms_p50": round(statistics.median(latencies) * 1000, 2),
        "latency_ms_p99": round(latencies[int(len(latencies) * 0.99) - 1] * 1000, 2),
    }


def main() -> None:
    """Run the benchmark and print JSON."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--batch", type=int, action="append")
    args = parser.parse_args()
    results = []
    for batch in args.batch or [1, 100]:
        with tempfile.TemporaryDirectory() as scratch:
            sqlite = Settings(database_url=f"sqlite:///{Path(scratch) / 'bench.db'}")
            results.append(run(sqlite, args.events, batch, "sqlite+inprocess"))
        pg = os.environ.get("KONTOR_TEST_POSTGRES_URL")
        amqp = os.environ.get("KONTOR_TEST_AMQP_URL")
        if pg and amqp:
            with postgres_schema(pg) as (url, schema):
                names = f"kontor.bench.{schema}"
                settings = Settings(
                    database_url=url, broker_url=amqp, broker_exchange=names,
                    broker_queue=names, dispatcher_poll_seconds=0.05,
                )  # fmt: skip
                results.append(run(settings, args.events, batch, "postgresql+rabbitmq"))
    print(
        json.dumps(
            {"benchmark": "messaging", "cpu_count": os.cpu_count(), "results": results}, indent=2
        )
    )


if __name__ == "__main__":
    main()
