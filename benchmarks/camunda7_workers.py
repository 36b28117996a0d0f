"""Instances/s that Camunda 7 external-task workers complete through Kontor's compatibility API.

A real ``kontor serve`` (SQLite in a temporary folder, or PostgreSQL with --database-url) gets a
process with one external task; N instances are started, then W workers written with the
official Python client (camunda-external-task-client-python3, its fetch-and-lock/complete loop,
unchanged) work them off. Measured: from the moment every worker has subscribed until no
instance runs any more. No peer runs here (Camunda 7 itself is a Java server). Prints JSON.
Usage:
    python benchmarks/camunda7_workers.py [--instances 300] [--workers 2] [--max-tasks 10]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx2 as httpx

KONTOR = [sys.executable, "-m", "kontor.cli"]
LOGIN, PASSWORD = "bench@example.org", "ein langes Passwort für den Benchmark"
MODEL = """<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="bench" targetNamespace="Examples">
  <process id="bench" isExecutable="true">
    <startEvent id="start"/>
    <sequenceFlow id="f1" sourceRef="start" targetRef="work"/>
    <serviceTask id="work" camunda:type="external" camunda:topic="bench-work"/>
    <sequenceFlow id="f2" sourceRef="work" targetRef="end"/>
    <endEvent id="end"/>
  </process>
</definitions>"""


def main() -> None:
    """Run the benchmark (or, with --worker, be one of its workers)."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--instances", type=int, default=300)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--max-tasks", type=int, default=10)
    parser.add_argument("--database-url", default=os.environ.get("KONTOR_BENCH_DATABASE_URL"))
    parser.add_argument("--worker", nargs=3, metavar=("BASE", "TOKEN", "ID"))
    args = parser.parse_args()
    if args.worker:
        work(*args.worker, max_tasks=args.max_tasks)
        return
    with tempfile.TemporaryDirectory() as folder:
        env = environment(Path(folder), args.database_url)
        prepare(env)
        port = free_port()
        server = subprocess.Popen([*KONTOR, "serve", "--port", str(port)], env=env,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
        try:
            base = f"http://127.0.0.1:{port}"
            wait_until_up(base)
            result = measure(base, env, args.instances, args.workers, args.max_tasks)
        finally:
            server.terminate()
            server.wait()
    result["database"] = "postgresql" if args.database_url else "sqlite"
    print(json.dumps(result, indent=2))


def work(base: str, token: str, worker_id: str, max_tasks: int) -> None:
    """A worker: the Python client's subscribe loop, completing every task with a variable."""
    from camunda.external_task.external_task import ExternalTask, TaskResult
    from camunda.external_task.external_task_worker import ExternalTaskWorker

    def handle(task: ExternalTask) -> TaskResult:
        return task.complete({"doneBy": worker_id})

    config = {"auth_basic": {"username": "bench", "password": token}, "maxTasks": max_tasks,
              "lockDuration": 60_000, "asyncResponseTimeout": 5_000, "sleepSeconds": 1}  # fmt: skip
    worker = ExternalTaskWorker(worker_id=worker_id, base_url=base, config=config)
    print("subscribed", flush=True)
    worker.subscribe("bench-work", handle)


def environment(folder: Path, database_url: str | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KONTOR_")}
    env.update(KONTOR_DATA_DIR=str(folder), KONTOR_SESSION_COOKIE_SECURE="false",
               KONTOR_LOG_LEVEL="WARNING")  # fmt: skip
    if database_url:
        env["KONTOR_DATABASE_URL"] = database_url
    return env


def prepare(env: dict[str, str]) -> None:
    """Migrate and create a tenant with one operator."""
    for command in (
        ["db", "upgrade"],
        ["tenant", "create", "bench", "--name", "Bench", "--kind", "operator"],
        ["user", "create", "--tenant", "bench", "--login", LOGIN, "--group", "operator_staff",
         "--password-stdin"],
    ):  # fmt: skip
        subprocess.run([*KONTOR, *command], env=env, input=PASSWORD, text=True, check=True,
                       capture_output=True)  # fmt: skip


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_until_up(base: str) -> None:
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        try:
            httpx.get(f"{base}/healthz", timeout=5)
            return
        except httpx.TransportError:
            time.sleep(0.2)
    raise SystemExit("kontor serve did not come up")


def token_for(base: str) -> str:
    """Log in and create an API token with the operator's permissions."""
    with httpx.Client(base_url=base, timeout=60) as browser:
        session = browser.post("/api/auth/login", json={"login": LOGIN, "password": PASSWORD})
        session.raise_for_status()
        permissions = browser.get("/api/auth/me").json()["permissions"]
        expires = (dt.datetime.now(dt.UTC) + dt.timedelta(days=1)).isoformat()
        created = browser.post(
            "/api/auth/me/tokens",
            json={"name": "bench", "permissions": permissions, "expires_at": expires},
            headers={"X-CSRF-Token": session.json()["csrf_token"]},
        )
        created.raise_for_status()
        token: str = created.json()["token"]
        return token


def start_worker(
    base: str, token: str, worker_id: str, env: dict[str, str], max_tasks: int
) -> subprocess.Popen[str]:
    """This script in worker mode, in a process of its own."""
    command = [sys.executable, __file__, "--max-tasks", str(max_tasks), "--worker",
               f"{base}/engine-rest", token, worker_id]  # fmt: skip
    return subprocess.Popen(
        command, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
    )


def measure(
    base: str, env: dict[str, str], instances: int, workers: int, max_tasks: int
) -> dict[str, object]:
    token = token_for(base)
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=f"{base}/engine-rest", headers=headers, timeout=60) as api:
        files = {"data": ("bench.bpmn", MODEL.encode(), "application/xml")}
        api.post("/deployment/create", files=files).raise_for_status()
        for _ in range(instances):
            api.post("/process-definition/key/bench/start", json={}).raise_for_status()
        started = [start_worker(base, token, f"w{n}", env, max_tasks) for n in range(workers)]
        try:
            for worker in started:
                assert worker.stdout is not None
                worker.stdout.readline()
            began = time.perf_counter()
            while api.get("/process-instance/count").json()["count"] > 0:
                time.sleep(0.05)
            seconds = time.perf_counter() - began
        finally:
            for worker in started:
                worker.terminate()
                worker.wait()
                if worker.stdout:
                    worker.stdout.close()
    return {
        "instances": instances,
        "workers": workers,
        "max_tasks": max_tasks,
        "seconds": round(seconds, 3),
        "instances_per_s": round(instances / seconds, 1),
    }


if __name__ == "__main__":
    main()
