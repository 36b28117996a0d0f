"""CPU per API request, by kind: what one start, work-list query, claim or complete costs the
server processes and the workers, one request at a time on an otherwise idle platform.

The platform is the one of ``closed_loop.py`` (``kontor serve --workers 2`` and one ``kontor
worker`` on PostgreSQL + RabbitMQ, the same model). Each kind runs ``--requests`` times in a
row after a warm-up; printed per request: CPU milliseconds of the API processes, of the
worker (what the request caused there: the service task, the task's creation, the completion's
step), of PostgreSQL, RabbitMQ, the client and the whole machine, and the client's wall time.
Usage:
    python benchmarks/api_requests.py [--requests 300] [--postgres URL] [--amqp URL]
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx2 as httpx
from closed_loop import MODEL, _environment, _install, _open_task, _platform, _token
from cpu_meter import CpuMeter
from load_client import LoadClient
from scratch_schemas import drop_broker_names, postgres_schema

WARM_UP = 50
SETTLE_SECONDS = 3.0  # the workers finish what the last requests caused before the next kind


def _measure(cpu: CpuMeter, count: int, request: Callable[[int], Any]) -> dict[str, float]:
    cpu.start()
    began = time.perf_counter()
    for n in range(count):
        request(n)
    wall = time.perf_counter() - began
    time.sleep(SETTLE_SECONDS)  # counted: the workers' share of the requests
    cpu.stop()
    return {
        **{f"{name}_cpu_ms": round(spent * 1000 / count, 2) for name, spent in cpu.spent.items()},
        "wall_ms": round(wall * 1000 / count, 2),
    }


def _working(api: LoadClient, tasks: list[str], operation: str) -> Callable[[int], Any]:
    return lambda n: api.post(f"/api/tasks/{tasks[n]}/{operation}")


def run(postgres: str, amqp: str, requests: int) -> dict[str, Any]:
    """Each request kind ``requests`` times; CPU and wall time per request."""
    with postgres_schema(postgres) as (url, _), tempfile.TemporaryDirectory() as data_dir:
        env = _environment(url, amqp, Path(data_dir))
        _install(env)
        with _platform(env, 2, 1) as (base, cpu):
            headers = _token(base)
            files = {"file": ("loop.bpmn", MODEL.encode(), "text/xml")}
            deployed = httpx.post(f"{base}/api/process/definitions", files=files, headers=headers)
            deployed.raise_for_status()
            api = LoadClient(base, headers)
            nothing = {"filter": json.dumps({"field": "process_instance_id", "op": "eq",
                                             "value": "none"})}  # fmt: skip

            def start(_: int) -> str:
                return str(api.post("/api/process/definitions/ClosedLoop/start")["instance_id"])

            for n in range(WARM_UP):
                api.get("/api/tasks", params=nothing)
                _open_task(api, start(n))
            time.sleep(SETTLE_SECONDS)
            figures: dict[str, Any] = {"requests": requests}
            started: list[str] = []
            figures["start"] = _measure(cpu, requests, lambda n: started.append(start(n)))
            tasks: list[str] = []
            figures["work_list_with_the_task"] = _measure(
                cpu, requests, lambda n: tasks.append(_open_task(api, started[n]))
            )
            figures["work_list_empty"] = _measure(
                cpu, requests, lambda _: api.get("/api/tasks", params=nothing)
            )
            for operation in ("claim", "complete"):
                figures[operation] = _measure(cpu, requests, _working(api, tasks, operation))
            figures["healthz"] = _measure(cpu, requests, lambda _: api.get("/healthz"))
            api.close()
        drop_broker_names(amqp, env["KONTOR_BROKER_QUEUE"])
    return figures


def main() -> None:
    """Parse the arguments, run, print JSON."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432/test")
    parser.add_argument("--amqp", default="amqp://guest:guest@127.0.0.1:5672/")
    arguments = parser.parse_args()
    print(json.dumps(run(arguments.postgres, arguments.amqp, arguments.requests), indent=2))


if __name__ == "__main__":
    main()
