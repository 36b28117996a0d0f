"""Scheduler: many schedules due in the same second, fired by several ``kontor worker``s.

Creates ``--schedules`` schedules (each starting a one-step process) whose next firing is the
same second, ``--lead`` seconds ahead, then starts ``--workers`` real ``kontor worker``
processes on PostgreSQL and waits until every schedule fired. Lateness of a firing is from its
due time until it was claimed and its command was in the outbox (the work itself runs after;
its end is reported separately). Needs KONTOR_TEST_POSTGRES_URL. Prints JSON. Usage:
    python benchmarks/scheduler.py [--schedules 10000] [--workers 3] [--poll 0.1]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from scratch_schemas import postgres_schema
from sqlalchemy import Engine, Text, func, literal, literal_column, select, update

from kontor import db
from kontor.bootstrap import bootstrap, load_schema
from kontor.integration.scheduler import CreateSchedule, FireSchedule, schedule_runs
from kontor.integration.scheduler import schedules as schedule_table
from kontor.messaging import scheduled_messages
from kontor.process import DeployProcess
from kontor.process.store.tables import process_instances
from kontor.settings import Environment, Settings

SECRET = "a-real-secret-for-benchmarks"
BERLIN = ZoneInfo("Europe/Berlin")
PING = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d"
  targetNamespace="http://t">
  <bpmn:process id="Ping" isExecutable="true">
    <bpmn:startEvent id="S"/><bpmn:endEvent id="E"/>
    <bpmn:sequenceFlow id="f" sourceRef="S" targetRef="E"/>
  </bpmn:process>
</bpmn:definitions>"""


def _count(engine: Engine, query: Any) -> int:
    with engine.connect() as connection:
        return int(connection.execute(query).scalar_one())


def _percentile(values: list[int], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] / 1000


def run(
    url: str, schedules: int, workers: int, poll: float, lead: float, log_dir: Path
) -> dict[str, Any]:
    """Create the schedules, start the workers, wait for every firing; the figures."""
    settings = Settings(environment=Environment.TEST, secret_key=SECRET, database_url=url)
    load_schema()
    engine = db.create_database_engine(url)
    db.upgrade(engine)
    kontor = bootstrap(settings, engine=engine)
    kontor.bus.handle(DeployProcess(tenant_id="bench", bpmn_xml=PING))
    env = {
        **os.environ, "KONTOR_ENVIRONMENT": "test", "KONTOR_SECRET_KEY": SECRET,
        "KONTOR_DATABASE_URL": url, "KONTOR_DISPATCHER_POLL_SECONDS": str(poll),
        "KONTOR_LOG_LEVEL": "INFO", "KONTOR_PORTFOLIO_TRANSFER_RUNS": "false",
    }  # fmt: skip
    far = dt.datetime.now(dt.UTC) + dt.timedelta(days=2)
    wall = far.astimezone(BERLIN)
    cron = f"{wall.second} {wall.minute} {wall.hour} {wall.day} {wall.month} *"
    started = time.perf_counter()
    for offset in range(0, schedules, 500):
        kontor.bus.handle_all([
            CreateSchedule(
                tenant_id="bench", name=f"S{n:06d}", cron=cron, command_type="process.start",
                command_payload={"process_key": "Ping"}, misfire_grace_seconds=3600,
            )
            for n in range(offset, min(offset + 500, schedules))
        ])  # fmt: skip
    created = time.perf_counter() - started
    log = log_dir / "workers.log"
    with log.open("w") as sink:
        pool = [
            subprocess.Popen(
                [sys.executable, "-m", "kontor.cli", "worker"], env=env, stdout=sink, stderr=sink
            )
            for _ in range(workers)
        ]
    while log.read_text().count("worker started") < workers:  # up before the clock runs
        if any(worker.poll() is not None for worker in pool):
            raise SystemExit(f"a worker ended early: {log}")
        time.sleep(0.2)
    # Creating 10,000 schedules takes minutes on a busy machine; rather than guess how long,
    # they were created due in two days and are now all moved to the same second shortly ahead.
    due = (dt.datetime.now(dt.UTC) + dt.timedelta(seconds=lead)).replace(microsecond=0)
    with engine.begin() as connection:
        connection.execute(update(schedule_table).values(next_due_at=due))
        connection.execute(
            update(scheduled_messages)
            .where(scheduled_messages.c.type_name == FireSchedule.type_name)
            .values(
                due_at=due,
                payload=func.jsonb_set(
                    scheduled_messages.c.payload,
                    literal_column("'{due_at}'::text[]"),
                    func.to_jsonb(literal(due.isoformat(), Text)),
                ),
            )
        )
    try:
        runs_done = handled_at = None
        while handled_at is None:
            time.sleep(0.2)
            if any(worker.poll() is not None for worker in pool):
                raise SystemExit("a worker ended early")
            if runs_done is None and _count(engine, select(func.count()).select_from(
                schedule_runs)) >= schedules:  # fmt: skip
                runs_done = dt.datetime.now(dt.UTC)
            if runs_done is not None and _count(engine, select(func.count()).select_from(
                process_instances)) >= schedules:  # fmt: skip
                handled_at = dt.datetime.now(dt.UTC)
    finally:
        for worker in pool:
            worker.terminate()
        for worker in pool:
            worker.wait()
    with engine.connect() as connection:
        rows = connection.execute(select(schedule_runs.c.schedule_id, schedule_runs.c.lateness_ms))
        lateness = {}
        total = 0
        for schedule_id, late in rows:
            total += 1
            lateness[schedule_id] = late
    engine.dispose()
    late_ms = list(lateness.values())
    return {
        "schedules": schedules, "workers": workers, "worker_poll_seconds": poll,
        "created_per_second": round(schedules / created),
        "runs_recorded": total, "schedules_fired": len(lateness),
        "all_fired_once": total == schedules == len(lateness),
        "lateness_p50_s": _percentile(late_ms, 0.50),
        "lateness_p99_s": _percentile(late_ms, 0.99),
        "lateness_max_s": max(late_ms) / 1000,
        "lateness_mean_s": round(statistics.mean(late_ms) / 1000, 3),
        "work_done_after_due_s": round((handled_at - due).total_seconds(), 1),
    }  # fmt: skip


def main() -> None:
    """Run the benchmark and print JSON."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--schedules", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--poll", type=float, default=0.1, help="KONTOR_DISPATCHER_POLL_SECONDS")
    parser.add_argument("--lead", type=float, default=None, help="seconds until they are due")
    args = parser.parse_args()
    pg = os.environ.get("KONTOR_TEST_POSTGRES_URL")
    if not pg:
        raise SystemExit("needs KONTOR_TEST_POSTGRES_URL")
    lead = args.lead if args.lead is not None else 5.0
    with postgres_schema(pg) as (url, _), tempfile.TemporaryDirectory() as scratch:
        result = run(url, args.schedules, args.workers, args.poll, lead, Path(scratch))
    print(json.dumps({"benchmark": "scheduler", "cpu_count": os.cpu_count(), **result}, indent=2))


if __name__ == "__main__":
    main()
