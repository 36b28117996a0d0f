"""The HTTP ceiling of this machine: closed-loop rounds against an app that does nothing.

The same shape as ``closed_loop.py`` — ``--api-workers`` uvicorn processes, ``--clients``
client threads of ``load_client.LoadClient`` in this process, rounds of five JSON requests
(a start, two work-list queries, a claim, a completion) — against a FastAPI app whose endpoints
answer at once, without a database. What a round costs here (the server's and the client's
CPU) is what every round of ``closed_loop.py`` costs before Kontor does anything. Prints JSON.
Usage:
    python benchmarks/http_ceiling.py [--api-workers 2] [--clients 8] [--seconds 10]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

from cpu_meter import CpuMeter, children
from fastapi import FastAPI, Request
from load_client import LoadClient, free_port

app = FastAPI()
ANSWER = {"task_id": "0" * 32, "state": "open", "name": "Prüfen", "items": []}


@app.post("/start")
@app.post("/tasks/{task_id}/{operation}")
async def command(request: Request) -> dict[str, Any]:
    """Read the JSON body and answer at once."""
    await request.json()
    return ANSWER


@app.get("/tasks")
async def work_list() -> dict[str, Any]:
    """Answer at once."""
    return ANSWER


def _round(api: LoadClient) -> None:
    api.post("/start")
    api.get("/tasks", params={"filter": '{"field": "process_instance_id"}'})
    api.get("/tasks", params={"filter": '{"field": "process_instance_id"}'})
    api.post("/tasks/1/claim")
    api.post("/tasks/1/complete")


def run(*, api_workers: int, clients: int, seconds: float) -> dict[str, Any]:
    """Closed-loop rounds against the app for ``seconds``; rounds/s and CPU per round."""
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "http_ceiling:app", "--port", str(port),
         "--workers", str(api_workers), "--log-level", "warning", "--no-access-log",
         "--app-dir", str(Path(__file__).parent)],
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(base)
        cpu = CpuMeter({"server": children(server.pid)}, {"client": os.getpid()})
        rounds = [0] * clients
        stop = time.monotonic() + seconds

        def client(number: int) -> None:
            with LoadClient(base) as api:
                while time.monotonic() < stop:
                    _round(api)
                    rounds[number] += 1

        threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
        cpu.start()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        cpu.stop()
    finally:
        server.terminate()
        server.wait(timeout=60)
    done = sum(rounds)
    return {
        "benchmark": "rounds of five JSON requests against a FastAPI app that answers at once",
        "api_processes": api_workers,
        "clients": clients,
        "rounds_per_second": round(done / seconds, 1),
        "cpu_ms_per_round": {name: round(v * 1000 / done, 2) for name, v in cpu.spent.items()},
        "machine_busy_share": round(cpu.spent["machine"] / (seconds * (os.cpu_count() or 1)), 2),
    }


def _wait_until_up(base: str) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with LoadClient(base) as probe:
                probe.get("/tasks")
            return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("uvicorn did not answer within 60 s")


def main() -> None:
    """Parse the arguments, run once, print JSON."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--api-workers", type=int, default=2)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=10)
    args = parser.parse_args()
    figures = run(api_workers=args.api_workers, clients=args.clients, seconds=args.seconds)
    print(json.dumps(figures, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
