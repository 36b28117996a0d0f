"""HTTP end to end: a closed-loop client against ``kontor serve --workers N`` and ``kontor worker``
×M on PostgreSQL and RabbitMQ, all on this machine's loopback.

Each client starts an instance of a small claim model (start → service task run by an in-process
handler in the workers → user task → end), waits until the instance's task is in the work list,
claims and completes it over the API and starts the next. After a warm-up the run counts the
instances whose task was completed in the measured window, then waits until the workers have
ended every instance. Prints JSON: instances/s end to end, start latency p50/p95/p99, a whole
round's p95, CPU milliseconds per instance of the API processes, the workers, PostgreSQL,
RabbitMQ (when they run on this machine), the load client and the whole machine, how busy the
machine was. The clients are ``load_client.LoadClient`` threads in this process. Usage:
    python benchmarks/closed_loop.py [--api-workers 2] [--workers 2] [--clients 8] [--seconds 30]
        [--postgres URL] [--amqp URL]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx2 as httpx
from cpu_meter import CpuMeter, children, server_roots
from load_client import LoadClient, free_port
from scratch_schemas import drop_broker_names, postgres_schema
from sqlalchemy import func, select

from kontor import db
from kontor.process.store.tables import process_instances

KONTOR = [sys.executable, "-m", "kontor.cli"]
LOGIN, PASSWORD = "bench@example.org", "Closed-loop-benchmark-2026!"
POLL_SECONDS = 0.02  # how often a client asks whether its user task is open
MODEL = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:zeebe="http://camunda.org/schema/zeebe/1.0"
  xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="loop" targetNamespace="http://kontor.bench">
  <bpmn:process id="ClosedLoop" isExecutable="true">
    <bpmn:startEvent id="Start"/>
    <bpmn:sequenceFlow id="toScore" sourceRef="Start" targetRef="Score"/>
    <bpmn:serviceTask id="Score">
      <bpmn:extensionElements><zeebe:taskDefinition type="bench.score"/></bpmn:extensionElements>
    </bpmn:serviceTask>
    <bpmn:sequenceFlow id="toReview" sourceRef="Score" targetRef="Review"/>
    <bpmn:userTask id="Review" name="Prüfen" camunda:candidateGroups="administrators"/>
    <bpmn:sequenceFlow id="toEnd" sourceRef="Review" targetRef="End"/>
    <bpmn:endEvent id="End"/>
  </bpmn:process>
</bpmn:definitions>
"""


def _environment(database_url: str, amqp_url: str, data_dir: Path) -> dict[str, str]:
    suffix = uuid.uuid4().hex[:8]
    plain = {k: v for k, v in os.environ.items() if not k.startswith("KONTOR_")}
    return {
        **plain,
        "KONTOR_ENVIRONMENT": "test",
        "KONTOR_SECRET_KEY": "closed-loop-benchmark-secret-key",
        "KONTOR_DATA_DIR": str(data_dir),
        "KONTOR_DATABASE_URL": database_url,
        "KONTOR_BROKER_URL": amqp_url,
        "KONTOR_BROKER_EXCHANGE": f"kontor.bench.{suffix}",
        "KONTOR_BROKER_QUEUE": f"kontor.bench.{suffix}",
        "KONTOR_SESSION_COOKIE_SECURE": "false",
        "KONTOR_LOG_LEVEL": "WARNING",
        "KONTOR_PROCESS_TASK_HANDLER_MODULES": '["bench_handlers"]',
        # the caller's source tree too (old and new code measured by turns)
        "PYTHONPATH": os.pathsep.join(
            filter(None, [str(Path(__file__).parent), os.environ.get("PYTHONPATH")])
        ),
    }


def _install(env: dict[str, str]) -> None:
    subprocess.run([*KONTOR, "db", "upgrade"], env=env, check=True, capture_output=True)
    for command in (
        ["tenant", "create", "versicherer", "--name", "Versicherer", "--kind", "insurer"],
        ["user", "create", "--tenant", "versicherer", "--login", LOGIN,
         "--group", "administrators", "--password-stdin"],
    ):  # fmt: skip
        subprocess.run(
            [*KONTOR, *command], env=env, input=PASSWORD, text=True, check=True,
            capture_output=True,
        )  # fmt: skip


@contextmanager
def _platform(
    env: dict[str, str], api_workers: int, workers: int
) -> Iterator[tuple[str, CpuMeter]]:
    """The server processes and the workers, up and answering; stopped with SIGTERM after."""
    port = free_port()
    logs = Path(env["KONTOR_DATA_DIR"])
    processes = [
        subprocess.Popen(
            [*KONTOR, "serve", "--port", str(port), "--workers", str(api_workers)],
            env=env, stdout=subprocess.DEVNULL, stderr=(logs / "serve.log").open("wb"),
        ),
        *(
            subprocess.Popen(
                [*KONTOR, "worker"], env=env, stdout=subprocess.DEVNULL,
                stderr=(logs / f"worker-{n}.log").open("wb"),
            )
            for n in range(workers)
        ),
    ]  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(base, processes[0], logs / "serve.log")
        yield (
            base,
            CpuMeter(
                {
                    "api": children(processes[0].pid),
                    "workers": [process.pid for process in processes[1:]],
                    "postgresql": server_roots("postgres"),
                    "rabbitmq": server_roots("beam.smp"),
                },
                {"client": os.getpid()},
            ),
        )
    finally:
        for process in processes:
            process.send_signal(signal.SIGTERM)
        for process in processes:
            process.wait(timeout=120)


def _wait_until_up(base: str, server: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"kontor serve ended: {log.read_text(errors='replace')[-2000:]}")
        try:
            if httpx.get(f"{base}/readyz", timeout=5).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise SystemExit("kontor serve did not become ready within 120 s")


def _token(base: str) -> dict[str, str]:
    with httpx.Client(base_url=base, timeout=30) as browser:
        session = browser.post("/api/auth/login", json={"login": LOGIN, "password": PASSWORD})
        session.raise_for_status()
        permissions = browser.get("/api/auth/me").json()["permissions"]
        expires = (dt.datetime.now(dt.UTC) + dt.timedelta(days=1)).isoformat()
        token = browser.post(
            "/api/auth/me/tokens",
            json={"name": "closed loop", "permissions": permissions, "expires_at": expires},
            headers={"X-CSRF-Token": session.json()["csrf_token"]},
        )
        token.raise_for_status()
    return {"Authorization": f"Bearer {token.json()['token']}"}


class Loop:
    """The clients' shared record: rounds finished in the window and their latencies."""

    def __init__(self, base: str, headers: dict[str, str]) -> None:
        self.base, self.headers = base, headers
        self.measuring = False
        self.stopped = threading.Event()
        self.rounds: list[tuple[float, float]] = []  # (start latency, whole round) in seconds
        self.started: list[str] = []
        self._lock = threading.Lock()

    def client(self) -> None:
        """Start, wait for the user task, complete it; again until stopped."""
        with LoadClient(self.base, self.headers) as api:
            while not self.stopped.is_set():
                began = time.perf_counter()
                instance_id = api.post("/api/process/definitions/ClosedLoop/start")["instance_id"]
                start_latency = time.perf_counter() - began
                with self._lock:
                    self.started.append(instance_id)
                task_id = _open_task(api, instance_id)
                for operation in ("claim", "complete"):  # as a clerk takes it, then finishes it
                    api.post(f"/api/tasks/{task_id}/{operation}")
                if self.measuring:
                    with self._lock:
                        self.rounds.append((start_latency, time.perf_counter() - began))


def _open_task(api: LoadClient, instance_id: str) -> str:
    """The id of the instance's task in the work list, once the workers have run the service
    task and the task system has taken the user task on."""
    condition = {"field": "process_instance_id", "op": "eq", "value": instance_id}
    query = {"filter": json.dumps(condition)}
    while True:
        if items := api.get("/api/tasks", params=query)["items"]:
            task_id: str = items[0]["task_id"]
            return task_id
        time.sleep(POLL_SECONDS)


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return round(ordered[max(0, int(len(ordered) * share) - 1)] * 1000, 1)


def _ended(database_url: str, count: int) -> None:
    """Wait until ``count`` instances have ended (the workers apply the last completions)."""
    engine = db.create_database_engine(database_url)
    query = select(func.count()).where(process_instances.c.status == "completed")
    deadline = time.monotonic() + 300
    try:
        while time.monotonic() < deadline:
            with engine.connect() as connection:
                if connection.execute(query).scalar_one() >= count:
                    return
            time.sleep(0.2)
    finally:
        engine.dispose()
    raise SystemExit(f"not every one of {count} instances ended within 300 s")


def run(
    postgres: str, amqp: str, *, api_workers: int, workers: int, clients: int, seconds: float,
    warmup: float = 5.0,
) -> dict[str, Any]:  # fmt: skip
    """Drive the platform for ``warmup`` + ``seconds`` with ``clients`` closed loops."""
    with (
        postgres_schema(postgres) as (database_url, _),
        tempfile.TemporaryDirectory() as data_dir,
    ):
        env = _environment(database_url, amqp, Path(data_dir))
        _install(env)
        with _platform(env, api_workers, workers) as (base, cpu):
            headers = _token(base)
            files = {"file": ("loop.bpmn", MODEL.encode(), "text/xml")}
            deployed = httpx.post(f"{base}/api/process/definitions", files=files, headers=headers)
            deployed.raise_for_status()
            loop = Loop(base, headers)
            threads = [threading.Thread(target=loop.client) for _ in range(clients)]
            for thread in threads:
                thread.start()
            time.sleep(warmup)
            loop.measuring = True
            cpu.start()
            time.sleep(seconds)
            cpu.stop()
            loop.measuring = False
            loop.stopped.set()
            for thread in threads:
                thread.join()
            _ended(database_url, len(loop.started))
        drop_broker_names(amqp, env["KONTOR_BROKER_QUEUE"])
    starts = [start for start, _ in loop.rounds]
    return {
        "api_processes": api_workers,
        "worker_processes": workers,
        "clients": clients,
        "seconds": seconds,
        "instances_per_second": round(len(loop.rounds) / seconds, 1),
        "start_latency_ms": {
            "p50": _percentile(starts, 0.50),
            "p95": _percentile(starts, 0.95),
            "p99": _percentile(starts, 0.99),
        },
        "round_ms_p95": _percentile([whole for _, whole in loop.rounds], 0.95),
        "instances_ended": len(loop.started),
        **_cpu_figures(cpu.spent, len(loop.rounds), seconds),
    }


def _cpu_figures(spent: dict[str, float], instances: int, seconds: float) -> dict[str, Any]:
    """CPU milliseconds per instance of each part and of the machine, how busy the machine
    was, and the rate at which this cost per instance would keep every core busy."""
    parts = {name: value for name, value in spent.items() if name != "machine"}
    per_instance = {
        **parts,
        "other": spent["machine"] - sum(parts.values()),  # the kernel, other programs
        "machine": spent["machine"],
    }
    cores = os.cpu_count() or 1
    busy = spent["machine"] / (seconds * cores)
    all_busy = round(instances / seconds / busy, 1) if busy else None
    return {
        "cpu_ms_per_instance": {
            name: round(value * 1000 / max(1, instances), 1) for name, value in per_instance.items()
        },
        "machine_busy_share": round(busy, 2),
        "instances_per_second_all_cores_busy": all_busy,
    }


def main() -> None:
    """Parse the arguments, run once, print JSON."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--api-workers", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--postgres", default=os.environ.get("KONTOR_TEST_POSTGRES_URL"))
    parser.add_argument("--amqp", default=os.environ.get("KONTOR_TEST_AMQP_URL"))
    args = parser.parse_args()
    if not args.postgres or not args.amqp:
        raise SystemExit("needs --postgres and --amqp (or KONTOR_TEST_POSTGRES_URL/_AMQP_URL)")
    figures = run(
        args.postgres, args.amqp, api_workers=args.api_workers, workers=args.workers,
        clients=args.clients, seconds=args.seconds,
    )  # fmt: skip
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
