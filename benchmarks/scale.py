"""Scale-out benchmark on PostgreSQL (and RabbitMQ): each figure beside the raw-commit ceiling.

Usage:
    KONTOR_TEST_POSTGRES_URL=postgresql://postgres@127.0.0.1:5432/test \\
    KONTOR_TEST_AMQP_URL=amqp://guest:guest@127.0.0.1:5672/ \\
    python benchmarks/scale.py [--parts ceiling,drivers,messaging] [--drivers 4]
        [--instances 400] [--postgres URL] [--amqp URL]

Parts (``--parts``, all by default, run in this order):

- ``ceiling``: the raw-commit ceiling of this machine and server. 1, 4 and 8 processes (and
  ``--drivers`` processes), each on one psycopg connection committing one small insert per
  transaction into a scratch table for ``--ceiling-seconds``; commits/s.
- ``drivers``: the claim-triage loop of ``engine_vs_spiff.py`` (start, user task, complete,
  two inline service tasks, end) in 1 and in ``--drivers`` spawned processes against one shared
  throwaway schema, per mode (``per_command``, ``bulk``), all started together at a barrier;
  completed instances / wall time from the barrier to the last driver's finish.
- ``messaging``: PostgreSQL + RabbitMQ: events/s with ``--batch`` events per unit of work (a
  flood), once with outbox relay and consumer in one process (``messaging.py``'s ``run``) and
  once with the consumer in a process of its own (as ``kontor worker`` runs it), and
  commit→handler latency of single events (one per unit of work) sent at a steady
  ``--single-rate``, well below saturation.

- ``http``: ``closed_loop.py``: ``--api-workers`` server processes (``kontor serve
  --workers``) and ``--workers`` ``kontor worker`` processes on PostgreSQL + RabbitMQ, driven
  over loopback by ``--clients`` closed loops (start, wait for the task, claim, complete);
  instances/s end to end, start latency and CPU per instance of each part (API, workers,
  PostgreSQL, RabbitMQ, the client, the machine); beside it ``http_ceiling.py``: the same
  rounds against an app that answers at once.

Figures swing with other work on the machine; the load average is printed beside them. Prints
one JSON document on stdout.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import math
import multiprocessing
import os
import queue
import re
import threading
import time
import traceback
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from multiprocessing.process import BaseProcess
from multiprocessing.synchronize import Barrier
from typing import Any

import closed_loop
import http_ceiling
import psycopg
from engine_vs_spiff import (
    BATCH,
    FEEL_MODEL,
    MODES,
    _completed,
    _completion,
    amount,
    claim_kontor,
)
from messaging import RECORD_HANDLED, PremiumCalculated, Probe, _wire, unit_key
from messaging import run as run_messaging
from scratch_schemas import drop_broker_names, postgres_schema
from sqlalchemy import Engine, event

from kontor import db
from kontor.bootstrap import Kontor, load_schema
from kontor.messaging import UnitOfWork
from kontor.process import (
    CompleteUserTask,
    DeployProcess,
    StartProcess,
)
from kontor.settings import Settings

PARTS = ("ceiling", "drivers", "http", "messaging")
DRIVER_MODES = ("per_command", "bulk")
GOALS = {
    "drivers": "≥ 400 instances/s with 4 driver processes",
    "http": "≥ 150 instances/s end to end, p95 start latency < 50 ms",
    "messaging_batched": "≥ 3,000 events/s",
    "messaging_single": "p99 commit→handler < 100 ms",
}
BARRIER_SECONDS = 300.0  # a worker that is not ready by then breaks the barrier for all
RESULT_SECONDS = 900.0
SAMPLES = 5  # error and log messages kept verbatim per process

Worker = Callable[..., dict[str, Any]]


# -- running processes together -------------------------------------------------------------------
def together(worker: Worker, jobs: Sequence[tuple[Any, ...]]) -> list[dict[str, Any]]:
    """Run ``worker(*job, barrier)`` in one spawned process per job; their results in order.

    Each worker prepares, waits at the shared barrier, and reports ``started`` and ``finished``
    as ``time.monotonic()`` readings (one system-wide clock on Linux, so comparable across
    processes). A worker that failed reports ``error`` (its traceback) instead.
    """
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(len(jobs))
    results = context.Queue()
    processes = [
        context.Process(target=_guarded, args=(worker, job, barrier, results, index))
        for index, job in enumerate(jobs)
    ]
    for process in processes:
        process.start()
    try:
        reported = _collect(processes, barrier, results)
    finally:
        for process in processes:
            process.join(timeout=60)
            if process.is_alive():
                process.terminate()
    return [reported[index] for index in range(len(processes))]


def _collect(
    processes: Sequence[BaseProcess], barrier: Barrier, results: Any
) -> dict[int, dict[str, Any]]:
    """Each process's result; one that ended without one (e.g. failed at import) is an error."""
    reported: dict[int, dict[str, Any]] = {}
    deadline = time.monotonic() + RESULT_SECONDS
    while len(reported) < len(processes):
        if time.monotonic() > deadline:
            raise TimeoutError(f"{len(processes) - len(reported)} processes did not report")
        with contextlib.suppress(queue.Empty):
            index, result = results.get(timeout=1.0)
            reported[index] = result
            continue
        ended = [i for i, p in enumerate(processes) if i not in reported and p.exitcode is not None]
        if not ended:
            continue
        with contextlib.suppress(queue.Empty):  # what they sent before ending is there by now
            while True:
                index, result = results.get(timeout=0.5)
                reported[index] = result
        for index in ended:
            if index not in reported:
                exitcode = processes[index].exitcode
                reported[index] = {
                    "error": f"ended with exit code {exitcode}, no result (see stderr)"
                }
                barrier.abort()  # the others stop waiting for it
    return reported


def _guarded(
    worker: Worker, job: tuple[Any, ...], barrier: Barrier, results: Any, index: int
) -> None:
    try:
        results.put((index, worker(*job, barrier)))
    except BaseException:
        barrier.abort()  # the others stop waiting instead of hanging
        results.put((index, {"error": traceback.format_exc()}))


def wall_seconds(results: Sequence[dict[str, Any]]) -> float:
    """Seconds from the first worker leaving the barrier to the last one finishing."""
    ran = [result for result in results if "error" not in result]
    started: float = min(r["started"] for r in ran)
    finished: float = max(r["finished"] for r in ran)
    return finished - started


def _errors(results: Sequence[dict[str, Any]]) -> list[str]:
    return [result["error"] for result in results if "error" in result]


# -- PostgreSQL helpers ----------------------------------------------------------------------------
def conninfo(url: str) -> str:
    """The URL for psycopg itself: without SQLAlchemy's ``+driver`` in the scheme."""
    return re.sub(r"^(postgres(?:ql)?)\+\w+://", r"\1://", url)


def database_counters(url: str) -> dict[str, int]:
    """Commits, rollbacks and deadlocks of the whole database so far (pg_stat_database)."""
    with psycopg.connect(conninfo(url), autocommit=True) as connection:
        row = connection.execute(
            "SELECT xact_commit, xact_rollback, deadlocks FROM pg_stat_database"
            " WHERE datname = current_database()"
        ).fetchone()
    assert row is not None
    return {"commits": row[0], "rollbacks": row[1], "deadlocks": row[2]}


def _counter_delta(before: dict[str, int], after: dict[str, int]) -> dict[str, int]:
    return {name: after[name] - before[name] for name in before}


def percentile(ordered: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile of an ascending sequence."""
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


# -- part 1: the raw-commit ceiling ------------------------------------------------------------
def ceiling(url: str, connections: Sequence[int], seconds: float) -> dict[str, Any]:
    """Commits/s of one-row insert transactions on 1, 4, 8, … connections (one per process)."""
    figures: dict[str, Any] = {}
    with postgres_schema(url) as (scoped, _schema):
        with psycopg.connect(conninfo(scoped), autocommit=True) as connection:
            connection.execute(
                "CREATE TABLE scale_commits"
                " (id bigserial PRIMARY KEY, writer integer NOT NULL, payload text NOT NULL)"
            )
        for count in connections:
            results = together(_commit_worker, [(scoped, n, seconds) for n in range(count)])
            if errors := _errors(results):
                figures[str(count)] = {"connections": count, "errors": errors}
                continue
            commits = sum(result["commits"] for result in results)
            wall = wall_seconds(results)
            figures[str(count)] = {
                "connections": count,
                "commits": commits,
                "seconds": round(wall, 3),
                "commits_per_s": round(commits / wall),
            }
    return figures


def _commit_worker(url: str, writer: int, seconds: float, barrier: Barrier) -> dict[str, Any]:
    with psycopg.connect(conninfo(url)) as connection:
        insert = "INSERT INTO scale_commits (writer, payload) VALUES (%s, %s)"
        connection.execute(insert, (writer, "warm-up"))
        connection.commit()
        barrier.wait(timeout=BARRIER_SECONDS)
        started = time.monotonic()
        deadline = started + seconds
        commits = 0
        while time.monotonic() < deadline:
            connection.execute(insert, (writer, "claim VS00012345 premium 123.45"))
            connection.commit()
            commits += 1
        return {"started": started, "finished": time.monotonic(), "commits": commits}


def beside(ceilings: dict[str, Any] | None, connections: int) -> dict[str, Any] | None:
    """The ceiling measured with ``connections`` connections in this run (None: not run)."""
    if ceilings is None or str(connections) not in ceilings:
        return None
    figures = ceilings[str(connections)]
    return {"connections": connections, "commits_per_s": figures.get("commits_per_s")}


# -- part 2: driver processes ------------------------------------------------------------------
class _Failures:
    """Commands that failed in a driver: counted by kind, a few kept verbatim."""

    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()
        self.samples: list[str] = []

    def add(self, where: str, error: BaseException | str) -> None:
        kind = f"{where}: {error if isinstance(error, str) else type(error).__name__}"
        self.counts[kind] += 1
        if len(self.samples) < SAMPLES:
            self.samples.append(f"{kind}: {str(error)[:300]}")


class _LogCounter(logging.Handler):
    """Counts log records (Kontor's from INFO, e.g. commands run again after a conflict)."""

    def __init__(self) -> None:
        super().__init__()
        self.counts: Counter[str] = Counter()
        self.samples: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        """Count the record by logger, level and message template."""
        self.counts[f"{record.name} {record.levelname}: {record.msg}"] += 1
        if len(self.samples) < SAMPLES:
            self.samples.append(f"{record.name} {record.levelname}: {record.getMessage()[:300]}")

    @classmethod
    def attached(cls) -> _LogCounter:
        """A counter on the root logger; Kontor's loggers report from INFO on."""
        counter = cls()
        logging.getLogger().addHandler(counter)
        logging.getLogger().setLevel(logging.WARNING)
        logging.getLogger("kontor").setLevel(logging.INFO)
        return counter


def _driver(url: str, mode: str, instances: int, barrier: Barrier) -> dict[str, Any]:
    log = _LogCounter.attached()
    load_schema()
    engine = db.create_database_engine(url)
    transactions = transaction_counter(engine)
    kontor, tasks = claim_kontor(engine, url, mode)
    failures = _Failures()
    barrier.wait(timeout=BARRIER_SECONDS)
    started, cpu_started = time.monotonic(), time.process_time()
    for first in range(0, instances, BATCH):
        numbers = range(first, min(first + BATCH, instances))
        starts = [
            StartProcess(
                tenant_id="bench", process_key="ClaimTriage", variables={"amount": amount(n)}
            )
            for n in numbers
        ]
        if mode == "bulk":
            _bulk_batch(kontor, tasks, starts, failures)
        else:
            _per_command_batch(kontor, tasks, starts, failures)
        kontor.process_jobs.run_until_idle()
    finished, cpu_seconds = time.monotonic(), time.process_time() - cpu_started
    kontor.stop()
    return {
        "started": started,
        "finished": finished,
        "cpu_seconds": cpu_seconds,
        "transactions": dict(transactions),
        "failures": dict(failures.counts),
        "failure_samples": failures.samples,
        "log_records": dict(log.counts),
        "log_samples": log.samples,
    }


def transaction_counter(engine: Engine) -> Counter[str]:
    """Commits and rollbacks on ``engine``'s connections, counted as they happen."""
    counts: Counter[str] = Counter()
    event.listen(engine, "commit", lambda _connection: counts.update(["commits"]))
    event.listen(engine, "rollback", lambda _connection: counts.update(["rollbacks"]))
    return counts


def _bulk_batch(
    kontor: Kontor, tasks: dict[str, str], starts: list[StartProcess], failures: _Failures
) -> None:
    """Starts in one transaction, completions published as one batch of TaskCompleted events."""
    try:
        results = kontor.bus.handle_all(starts)
    except Exception as error:
        failures.add("start batch", error)
        return
    ids = []
    for result in results:
        if isinstance(result, BaseException):
            failures.add("start", result)
        else:
            ids.append(result)
    completions = []
    for instance_id in ids:
        if instance_id in tasks:
            completions.append(_completion(instance_id, tasks.pop(instance_id)))
        else:
            failures.add("start", "no UserTaskActivated delivered")
    try:
        kontor.bus.publish(*completions)
    except Exception as error:
        failures.add("complete batch", error)


def _per_command_batch(
    kontor: Kontor, tasks: dict[str, str], starts: list[StartProcess], failures: _Failures
) -> None:
    """Every start and every completion its own transaction (``bus.handle``)."""
    ids = []
    for start in starts:
        try:
            ids.append(kontor.bus.handle(start))
        except Exception as error:
            failures.add("start", error)
    for instance_id in ids:
        if instance_id not in tasks:
            failures.add("start", "no UserTaskActivated delivered")
            continue
        command = CompleteUserTask(
            tenant_id="bench", instance_id=instance_id, task_id=tasks.pop(instance_id),
            variables={"approved": True},
        )  # fmt: skip
        try:
            kontor.bus.handle(command)
        except Exception as error:
            failures.add("complete", error)


def drivers(
    url: str, mode: str, count: int, instances: int, ceilings: dict[str, Any] | None
) -> dict[str, Any]:
    """``count`` driver processes on one fresh shared schema; completed instances per second."""
    with postgres_schema(url) as (scoped, schema):
        engine, kontor = _deployed(scoped, mode)
        named = f"{scoped}&application_name={schema}"  # the drivers' sessions, for sampling
        before = database_counters(url)
        with sessions_sampled(url, schema) as samples:
            results = together(_driver, [(named, mode, instances)] * count)
        time.sleep(0.5)  # the drivers' server processes report their statistics as they end
        database = _counter_delta(before, database_counters(url))
        completed, backlog = _completed(engine), kontor.dispatcher.backlog()
        kontor.stop()
    if errors := _errors(results):
        return {"drivers": count, "errors": errors}
    return {
        "drivers": count,
        "instances": count * instances,
        "completed": completed,
        **_rates(results, completed),
        "raw_commit_ceiling": beside(ceilings, count),
        "driver_transactions": _transactions(results, completed),
        "database_wide": {
            **database,
            "note": "pg_stat_database of the whole database during the run: other sessions "
            "(and autocommitted reads) count too",
        },
        "driver_sessions": _session_shares(samples, results),
        "delivery_backlog": backlog,
        "failures": _merged(results, "failures"),
        "failure_samples": [s for r in results for s in r["failure_samples"]][:SAMPLES],
        "log_records": _merged(results, "log_records"),
        "log_samples": [s for r in results for s in r["log_samples"]][:SAMPLES],
    }


def _deployed(url: str, mode: str) -> tuple[Engine, Kontor]:
    """A migrated schema with the claim-triage model deployed once, before the drivers start."""
    load_schema()
    engine = db.create_database_engine(url)
    db.upgrade(engine)
    kontor, _tasks = claim_kontor(engine, url, mode)
    kontor.bus.handle(DeployProcess(tenant_id="bench", bpmn_xml=FEEL_MODEL.read_text()))
    return engine, kontor


def _rates(results: Sequence[dict[str, Any]], completed: int) -> dict[str, Any]:
    wall = wall_seconds(results)
    cpu_seconds = sum(result["cpu_seconds"] for result in results)
    return {
        "seconds": round(wall, 3),
        "instances_per_s": round(completed / wall, 1),
        "driver_seconds": [round(r["finished"] - r["started"], 3) for r in results],
        "driver_cpu_seconds": round(cpu_seconds, 3),
        "driver_cores_busy": round(cpu_seconds / wall, 2),
        "instances_per_driver_cpu_s": round(completed / cpu_seconds, 1),
    }


def _transactions(results: Sequence[dict[str, Any]], completed: int) -> dict[str, Any]:
    transactions = _merged(results, "transactions")
    commits = transactions.get("commits", 0)
    return {
        "commits": commits,
        "rollbacks": transactions.get("rollbacks", 0),
        "commits_per_s": round(commits / wall_seconds(results)),
        "commits_per_completed_instance": round(commits / max(completed, 1), 2),
    }


@contextmanager
def sessions_sampled(url: str, application_name: str) -> Iterator[list[tuple[float, str]]]:
    """Sample the named sessions' state and wait event every 50 ms while the block runs."""
    samples: list[tuple[float, str]] = []
    stop = threading.Event()
    thread = threading.Thread(
        target=_sample_sessions, args=(url, application_name, stop, samples), daemon=True
    )
    thread.start()
    try:
        yield samples
    finally:
        stop.set()
        thread.join()


def _sample_sessions(
    url: str, application_name: str, stop: threading.Event, samples: list[tuple[float, str]]
) -> None:
    query = (
        "SELECT state, wait_event_type || ':' || wait_event FROM pg_stat_activity"
        " WHERE application_name = %s"
    )
    with psycopg.connect(conninfo(url), autocommit=True) as connection:
        while not stop.wait(0.05):
            now = time.monotonic()
            for state, wait in connection.execute(query, (application_name,)).fetchall():
                samples.append((now, f"{state}: {wait}" if wait else str(state)))


def _session_shares(
    samples: Sequence[tuple[float, str]], results: Sequence[dict[str, Any]]
) -> dict[str, Any]:
    """Shares of the sessions' samples between the barrier and the last finish, by kind."""
    started = min(result["started"] for result in results)
    finished = max(result["finished"] for result in results)
    kinds = Counter(kind for at, kind in samples if started <= at <= finished)
    total = sum(kinds.values())
    return {
        "samples": total,
        "share_by_state_and_wait_event": {
            kind: round(number / total, 3) for kind, number in kinds.most_common()
        },
        "note": "pg_stat_activity every 50 ms; 'idle' sessions wait for their driver (Python "
        "work or pooled connections), 'active' ones for the server",
    }


def _merged(results: Sequence[dict[str, Any]], key: str) -> dict[str, int]:
    total: Counter[str] = Counter()
    for result in results:
        total.update(result[key])
    return dict(total)


def driver_figures(
    url: str, count: int, instances: int, ceilings: dict[str, Any] | None
) -> dict[str, Any]:
    """Per mode: 1 driver and ``count`` drivers in this run, with the scaling between them."""
    figures: dict[str, Any] = {
        "benchmark": "claim triage (engine_vs_spiff.py's loop) in driver processes, one schema",
        "instances_per_driver": instances,
        "goal": GOALS["drivers"],
    }
    for mode in DRIVER_MODES:
        one = drivers(url, mode, 1, instances, ceilings)
        many = drivers(url, mode, count, instances, ceilings) if count != 1 else one
        figures[mode] = {
            "mode": MODES[mode],
            "1_driver": one,
            f"{count}_drivers": many,
            "scaling": _ratio(many, one),
        }
    return figures


def _ratio(many: dict[str, Any], one: dict[str, Any]) -> float | None:
    if "instances_per_s" not in many or "instances_per_s" not in one:
        return None
    scaling: float = many["instances_per_s"] / one["instances_per_s"]
    return round(scaling, 2)


# -- part 3: messaging over PostgreSQL and RabbitMQ ----------------------------------------------
class _HandledAt(Probe):
    """Records when each message reached its handler; latencies are worked out afterwards."""

    def __init__(self, expected: int) -> None:
        super().__init__(expected)
        self.handled_at: dict[str, float] = {}

    def handler(self, event: PremiumCalculated, uow: UnitOfWork) -> None:
        """Record the event as ``messaging.Probe`` does and note the first time it arrived."""
        RECORD_HANDLED.execute_later(uow.connection, [{"message_id": event.message_id}])
        now = time.perf_counter()
        with self._lock:
            self.handled_at.setdefault(event.message_id, now)
            if len(self.handled_at) >= self.expected:
                self.done.set()


def single_events(settings: Settings, events: int, rate: float, warmup: int) -> dict[str, Any]:
    """Send single events (one per unit of work) at ``rate``/s; commit→handler latency."""
    probe = _HandledAt(events)
    kontor = _wire(settings, probe)
    kontor.start(consume=True, pump=False)
    called: dict[str, float] = {}
    returned: dict[str, float] = {}
    interval = 1.0 / rate
    started = next_at = time.perf_counter()
    for number in range(events):
        pause = next_at - time.perf_counter()
        if pause > 0:
            time.sleep(pause)
        next_at = max(next_at + interval, time.perf_counter())  # late: no catch-up burst
        message = PremiumCalculated(
            tenant_id="bench", policy_number=f"VS{number:08d}", premium_cents=12345
        )
        with kontor.bus.unit_of_work() as uow:
            uow.emit(message)
            called[message.message_id] = time.perf_counter()
            uow.commit()
            returned[message.message_id] = time.perf_counter()
    sending = time.perf_counter() - started
    handled = probe.done.wait(timeout=120)
    kontor.stop()
    if not handled:
        return {"error": f"only {len(probe.handled_at)} of {events} single events handled"}
    measured = list(returned)[warmup:]
    after_commit = sorted(probe.handled_at[m] - returned[m] for m in measured)
    from_call = sorted(probe.handled_at[m] - called[m] for m in measured)
    return {
        "events": events,
        "events_per_unit_of_work": 1,
        "target_rate_per_s": rate,
        "sent_rate_per_s": round(events / sending, 1),
        "warmup_events_not_measured": warmup,
        "latency_ms_p50": _ms(percentile(after_commit, 0.5)),
        "latency_ms_p95": _ms(percentile(after_commit, 0.95)),
        "latency_ms_p99": _ms(percentile(after_commit, 0.99)),
        "latency_ms_max": _ms(after_commit[-1]),
        "latency_from_commit_call_ms_p99": _ms(percentile(from_call, 0.99)),
        "latency": "from uow.commit() returning to the handler being called; the "
        "from_commit_call figure counts from uow.commit() being called (as messaging.py does)",
    }


def split_flood(settings: Settings, events: int, batch: int) -> dict[str, Any]:
    """A flood with the consumer in a process of its own, as ``kontor worker`` runs it.

    The producer process commits ``events`` in units of ``batch`` and relays them (as ``kontor
    serve`` does); the consumer process consumes, runs the handler in batched transactions and
    relays too (both share the outbox). Events/s from the barrier until the last event's handler
    row is there (the producer looks every 20 ms).
    """
    _wire(settings, Probe(events)).engine.dispose()  # migrated once, before both start
    config = settings.model_dump()
    results = together(
        _flood_process, [("produce", config, events, batch), ("consume", config, events, batch)]
    )
    if errors := _errors(results):
        return {"error": errors}
    seconds = wall_seconds(results)
    return {
        "events": events,
        "events_per_unit_of_work": batch,
        "events_per_second": round(events / seconds),
        "seconds": round(seconds, 2),
    }


def _flood_process(
    role: str, config: dict[str, Any], events: int, batch: int, barrier: Barrier
) -> dict[str, Any]:
    settings = Settings(**config)
    kontor = _wire(settings, Probe(events))
    kontor.start(consume=role == "consume", pump=False)
    try:
        barrier.wait(BARRIER_SECONDS)
        started = time.monotonic()
        if role == "produce":
            for offset in range(0, events, batch):
                count = min(batch, events - offset)
                with unit_key(offset, shared=True), kontor.bus.unit_of_work() as uow:
                    uow.emit(
                        *(
                            PremiumCalculated(
                                tenant_id="bench", policy_number=f"VS{offset + i:08d}",
                                premium_cents=12345,
                            )
                            for i in range(count)
                        )
                    )  # fmt: skip
                    uow.commit()
        while _handled(kontor.engine) < events:
            time.sleep(0.02)
        return {"started": started, "finished": time.monotonic()}
    finally:
        kontor.stop()


def _handled(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(connection.exec_driver_sql("SELECT count(*) FROM bench_handled").scalar_one())


def _ms(seconds: float) -> float:
    return round(seconds * 1000, 2)


def with_broker(
    url: str, amqp: str, measure: Callable[[Settings], dict[str, Any]]
) -> dict[str, Any]:
    """Run ``measure`` on a fresh schema with an exchange and queue of its own (both dropped)."""
    with postgres_schema(url) as (scoped, schema):
        names = f"kontor.bench.{schema}"
        settings = Settings(
            database_url=scoped, broker_url=amqp, broker_exchange=names,
            broker_queue=names, dispatcher_poll_seconds=0.05,
        )  # fmt: skip
        try:
            return measure(settings)
        finally:
            drop_broker_names(amqp, names)


def messaging_figures(
    url: str, amqp: str, args: argparse.Namespace, ceilings: dict[str, Any] | None
) -> dict[str, Any]:
    """Batched events/s (a flood) and single-event latency at a steady rate."""
    label = "postgresql+rabbitmq"
    batched = with_broker(url, amqp, lambda s: run_messaging(s, args.events, args.batch, label))
    spread = with_broker(
        url, amqp, lambda s: run_messaging(s, args.events, args.batch, label, shared_keys=False)
    )
    split = with_broker(url, amqp, lambda s: split_flood(s, args.events, args.batch))
    single = with_broker(
        url, amqp, lambda s: single_events(s, args.single_events, args.single_rate, args.warmup)
    )
    ceiling_one = beside(ceilings, 1)
    return {
        "benchmark": "messaging: outbox relay to RabbitMQ, consumer in the same or its own process",
        "batched": {
            **batched,
            "goal": GOALS["messaging_batched"],
            "latency_note": "latencies of a flood (saturation), not the single-event figure",
            "raw_commit_ceiling": ceiling_one,
        },
        "batched_independent_events": {
            **spread,
            "note": "as batched, but every event with an ordering key of its own (no shared "
            "correlation): spread over the partition queues, in smaller packs",
            "raw_commit_ceiling": ceiling_one,
        },
        "batched_consumer_apart": {
            **split,
            "goal": GOALS["messaging_batched"],
            "note": "producer and relay in one process, consumer (and a second relay) in another",
            "raw_commit_ceiling": ceiling_one,
        },
        "single": {**single, "goal": GOALS["messaging_single"], "raw_commit_ceiling": ceiling_one},
    }


# -- main ----------------------------------------------------------------------------------------
def _parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--parts", default=",".join(PARTS), help="comma-separated: " + ",".join(PARTS)
    )
    parser.add_argument("--drivers", type=int, default=4)
    parser.add_argument("--instances", type=int, default=400, help="per driver process")
    parser.add_argument("--postgres", default=os.environ.get("KONTOR_TEST_POSTGRES_URL"))
    parser.add_argument("--amqp", default=os.environ.get("KONTOR_TEST_AMQP_URL"))
    parser.add_argument("--ceiling-seconds", type=float, default=3.0)
    parser.add_argument("--api-workers", type=int, default=2, help="kontor serve --workers")
    parser.add_argument("--workers", type=int, default=2, help="kontor worker processes")
    parser.add_argument("--clients", type=int, default=8, help="closed loops over HTTP")
    parser.add_argument("--http-seconds", type=float, default=30.0, help="measured window")
    parser.add_argument("--events", type=int, default=10_000, help="batched messaging events")
    parser.add_argument("--batch", type=int, default=100, help="events per unit of work")
    parser.add_argument("--single-events", type=int, default=1_500)
    parser.add_argument("--single-rate", type=float, default=200.0, help="single events/s")
    parser.add_argument("--warmup", type=int, default=50, help="single events not measured")
    args = parser.parse_args()
    args.parts = [part.strip() for part in args.parts.split(",") if part.strip()]
    if unknown := set(args.parts) - set(PARTS):
        parser.error(f"unknown parts: {', '.join(sorted(unknown))}")
    if not args.postgres:
        parser.error("--postgres or KONTOR_TEST_POSTGRES_URL is needed")
    if {"http", "messaging"} & set(args.parts) and not args.amqp:
        parser.error("the http and messaging parts need --amqp or KONTOR_TEST_AMQP_URL")
    return args


def main() -> None:
    """Run the chosen parts and print their figures as one JSON document."""
    args = _parse()
    started = time.perf_counter()
    figures: dict[str, Any] = {
        "benchmark": "scale: raw-commit ceiling, driver processes, HTTP end to end, messaging",
        "cpu_count": os.cpu_count(),
        "load_average_at_start": [round(load, 2) for load in os.getloadavg()],
        "parts": args.parts,
    }
    ceilings = None
    if "ceiling" in args.parts:
        connections = sorted({1, 4, 8, args.drivers})
        ceilings = ceiling(args.postgres, connections, args.ceiling_seconds)
        figures["raw_commit_ceiling"] = {
            "benchmark": "one-row INSERT + COMMIT per transaction, one psycopg connection per "
            f"process, {args.ceiling_seconds} s from a barrier",
            "by_connections": ceilings,
        }
    if "drivers" in args.parts:
        figures["drivers"] = driver_figures(args.postgres, args.drivers, args.instances, ceilings)
    if "http" in args.parts:
        figures["http"] = {
            **closed_loop.run(
                args.postgres, args.amqp, api_workers=args.api_workers, workers=args.workers,
                clients=args.clients, seconds=args.http_seconds,
            ),
            "goal": GOALS["http"],
            "raw_commit_ceiling": beside(ceilings, 1),
            "http_ceiling": http_ceiling.run(
                api_workers=args.api_workers, clients=args.clients, seconds=10.0
            ),
        }  # fmt: skip
    if "messaging" in args.parts:
        figures["messaging"] = messaging_figures(args.postgres, args.amqp, args, ceilings)
    figures["load_average_at_end"] = [round(load, 2) for load in os.getloadavg()]
    figures["run_seconds"] = round(time.perf_counter() - started, 1)
    print(json.dumps(figures, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
