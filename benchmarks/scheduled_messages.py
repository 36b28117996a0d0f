"""Durable timers: scheduled messages per second, and due ones fired and handled per second.

Schedules ``--timers`` events (in units of work of ``--batch``), moves the clock past their due
time and lets one or two workers fire them (each row claimed once, moved to the outbox and
delivered in-process). Runs SQLite always and PostgreSQL when KONTOR_TEST_POSTGRES_URL is set.
Prints JSON. Usage:
    python benchmarks/scheduled_messages.py [--timers 5000] [--batch 100]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from scratch_schemas import postgres_schema
from sqlalchemy import Column, Integer, MetaData, String, Table, func, insert, select

from kontor import db
from kontor.bootstrap import Kontor, bootstrap, load_schema
from kontor.messaging import (
    Event,
    FakeClock,
    HandlerRegistry,
    Schedule,
    ScheduledDelivery,
    UnitOfWork,
)
from kontor.settings import Settings

bench_metadata = MetaData()
fired_table = Table(
    "bench_fired",
    bench_metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("message_id", String(36), nullable=False),
)
RECORD = insert(fired_table)
START = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


class DeadlineDue(Event, type_name="bench.deadline_due"):
    """A small timer event, like a task deadline."""

    task_id: str


def record(event: DeadlineDue, uow: UnitOfWork) -> None:
    """The handler: one row per fired timer."""
    uow.connection.execute(RECORD, {"message_id": event.message_id})


def _wire(settings: Settings, clock: FakeClock) -> Kontor:
    registry = HandlerRegistry()
    registry.subscribe(DeadlineDue, record, name="bench.record")
    load_schema()
    engine = db.create_database_engine(settings.effective_database_url)
    db.upgrade(engine)
    bench_metadata.create_all(engine)
    return bootstrap(settings, engine=engine, registry=registry, clock=clock)


def run(settings: Settings, timers: int, batch: int, workers: int, label: str) -> dict[str, Any]:
    """Schedule ``timers``, make them due and fire them with ``workers`` racing."""
    clock = FakeClock(START)
    kontor = _wire(settings, clock)
    started = time.perf_counter()
    for offset in range(0, timers, batch):
        with kontor.bus.unit_of_work() as uow:
            schedule = Schedule.of(uow)
            for n in range(offset, min(offset + batch, timers)):
                event = DeadlineDue(tenant_id="bench", task_id=f"T{n:08d}")
                schedule.at(START + dt.timedelta(hours=1), event, key=f"task:T{n:08d}:completion")
            uow.commit()
    scheduled = time.perf_counter() - started
    clock.advance(dt.timedelta(hours=1))
    firing = [ScheduledDelivery(kontor.bus, owner=f"w{n}") for n in range(workers)]
    counts = [0] * workers
    threads = [
        threading.Thread(target=lambda n=n: counts.__setitem__(n, firing[n].fire_until_idle(10**6)))
        for n in range(workers)
    ]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    fired = time.perf_counter() - started
    with kontor.engine.connect() as connection:
        handled = connection.execute(select(func.count()).select_from(fired_table)).scalar_one()
    kontor.stop()
    if handled != timers or sum(counts) != timers:
        raise SystemExit(f"{label}: {handled} handled, {sum(counts)} fired of {timers}")
    return {
        "backend": label,
        "timers": timers,
        "workers": workers,
        "scheduled_per_second": round(timers / scheduled),
        "fired_and_handled_per_second": round(timers / fired),
    }


def main() -> None:
    """Run the benchmark and print JSON."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--timers", type=int, default=5_000)
    parser.add_argument("--batch", type=int, default=100)
    args = parser.parse_args()
    results = []
    for workers in (1, 2):
        with tempfile.TemporaryDirectory() as scratch:
            sqlite = Settings(database_url=f"sqlite:///{Path(scratch) / 'bench.db'}")
            results.append(run(sqlite, args.timers, args.batch, workers, "sqlite"))
        pg = os.environ.get("KONTOR_TEST_POSTGRES_URL")
        if pg:
            with postgres_schema(pg) as (url, _):
                settings = Settings(database_url=url)
                results.append(run(settings, args.timers, args.batch, workers, "postgresql"))
    print(
        json.dumps(
            {"benchmark": "scheduled_messages", "cpu_count": os.cpu_count(), "results": results},
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
