"""SIGTERM ends ``kontor serve`` and ``kontor worker`` in bounded time, with nothing half-stored."""

from __future__ import annotations

import re
import signal
import socket
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx2 as httpx
import pytest
from sqlalchemy import text

from kontor import db
from support.models import WAIT
from support.server import KONTOR, database_env, running_server

BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
EXIT_WITHIN = 60  # generous: a bound for a hung process, not a measure of speed
START = "/api/process/definitions/Wait/start"


@pytest.mark.parametrize("backend", BACKENDS)
def test_sigterm_stops_the_server_and_a_request_in_flight_leaves_nothing(
    tmp_path: Path, backend: str
) -> None:
    with database_env(tmp_path, backend) as env:
        env["KONTOR_SHUTDOWN_TIMEOUT_SECONDS"] = "2"
        with running_server(env) as server, server.client() as client:
            assert client.post("/api/process/definitions", content=WAIT).status_code == 201
            for _ in range(2):
                assert client.post(START, json={}).status_code == 201
            credentials = "".join(f"{name}: {value}\r\n" for name, value in server.headers.items())
            with socket.create_connection(("127.0.0.1", server.port)) as in_flight:
                # A start whose body never completes: in flight when the signal arrives.
                in_flight.sendall(
                    f"POST {START} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                    f'{credentials}Content-Length: 100\r\n\r\n{{"variables": {{'.encode()
                )
                assert client.get("/healthz").status_code == 200
                server.process.send_signal(signal.SIGTERM)
                assert server.process.wait(timeout=EXIT_WITHIN) == 0
        with running_server(env) as again, again.client() as client:
            assert client.get("/readyz").json()["status"] == "ready"
            assert client.get("/api/process/instances").json()["total"] == 2


@pytest.mark.parametrize("backend", BACKENDS)
def test_sigterm_stops_the_server_while_a_request_thread_waits_for_a_lock(
    tmp_path: Path, backend: str
) -> None:
    with database_env(tmp_path, backend) as env:
        env["KONTOR_SHUTDOWN_TIMEOUT_SECONDS"] = "1"
        env["KONTOR_DATABASE_BUSY_TIMEOUT_SECONDS"] = "600"  # the request would wait for ages
        url = env.get("KONTOR_DATABASE_URL") or f"sqlite:///{tmp_path / 'kontor.db'}"
        with running_server(env) as server, server.client() as client:
            assert client.post("/api/process/definitions", content=WAIT).status_code == 201
            holder = db.create_database_engine(url)
            try:
                with db.connect_for_writing(holder) as connection, connection.begin():
                    if holder.dialect.name == "postgresql":
                        connection.execute(text("LOCK TABLE process_instances IN EXCLUSIVE MODE"))
                    else:
                        connection.execute(text("SELECT 1"))  # BEGIN IMMEDIATE: the write lock
                    with ThreadPoolExecutor(1) as background:
                        stuck = background.submit(client.post, START, json={})
                        _wait_until_in_progress(client, 2)  # the stuck start and this probe
                        server.process.send_signal(signal.SIGTERM)
                        assert server.process.wait(timeout=EXIT_WITHIN) == 0
                        answer = stuck.result(timeout=EXIT_WITHIN)
            finally:
                holder.dispose()
        assert (answer.status_code, answer.json()["code"]) == (503, "kontor.stopping")
        assert answer.headers["retry-after"] == "2"
        with running_server(env) as again, again.client() as client:
            assert client.get("/api/process/instances").json()["total"] == 0


def _wait_until_in_progress(client: httpx.Client, requests: int) -> None:
    """Until the server's metrics count ``requests`` requests being answered."""
    deadline = time.monotonic() + EXIT_WITHIN
    gauge = re.compile(r"^kontor_http_requests_in_progress (\S+)$", re.MULTILINE)
    while True:
        found = gauge.search(client.get("/metrics").text)
        if found and float(found.group(1)) >= requests:
            return
        assert time.monotonic() < deadline, "the request never reached the server"
        time.sleep(0.05)  # polling for an event, not deciding an outcome


@pytest.mark.parametrize("backend", BACKENDS)
def test_sigterm_stops_the_worker(tmp_path: Path, backend: str) -> None:
    with database_env(tmp_path, backend) as env:
        subprocess.run([*KONTOR, "db", "upgrade"], env=env, check=True, capture_output=True)
        worker = subprocess.Popen(
            [*KONTOR, "worker"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        try:
            assert worker.stderr is not None
            for line in worker.stderr:  # the signal handlers are set once it says so
                if b"worker started" in line:
                    break
            worker.send_signal(signal.SIGTERM)
            assert worker.wait(timeout=EXIT_WITHIN) == 0
            assert b"worker stopped" in worker.stderr.read()
        finally:
            if worker.poll() is None:
                worker.kill()
                worker.wait()
            if worker.stderr:
                worker.stderr.close()
