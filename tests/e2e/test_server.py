"""The real ``kontor`` command: migrate, serve over HTTP, show config, refuse bad settings."""

from __future__ import annotations

import signal
import sqlite3
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx2 as httpx
import pytest

from support.messaging import wait_for
from support.models import WAIT
from support.server import (
    KONTOR,
    OPERATOR_LOGIN,
    OPERATOR_PASSWORD,
    database_env,
    free_port,
    install,
    kontor_env,
    running_server,
)

START_WAIT = "/api/process/definitions/Wait/start"


@pytest.fixture
def server(tmp_path: Path) -> Iterator[str]:
    with running_server(kontor_env(tmp_path)) as running:
        yield running.base


def test_served_platform_answers_health_readiness_and_api(server: str) -> None:
    assert httpx.get(f"{server}/healthz").status_code == 200
    assert httpx.get(f"{server}/readyz").json()["status"] == "ready"
    assert httpx.get(f"{server}/api/tenants/current").status_code == 401
    assert "kontor_http_requests_total" in httpx.get(f"{server}/metrics").text


def test_operator_created_on_the_command_line_logs_in(server: str) -> None:
    with httpx.Client(base_url=server) as browser:
        login = {"login": OPERATOR_LOGIN, "password": OPERATOR_PASSWORD}
        logged_in = browser.post("/api/auth/login", json=login)
        assert logged_in.status_code == 200, logged_in.text
        assert browser.get("/api/tenants/current").json()["tenant_id"] == "betrieb"
        csrf = {"X-CSRF-Token": logged_in.json()["csrf_token"]}
        assert browser.post("/api/auth/logout").status_code == 403  # no CSRF token
        assert browser.post("/api/auth/logout", headers=csrf).status_code == 204
        assert browser.get("/api/tenants/current").status_code == 401


def test_the_demo_login_link_opens_the_port_served(tmp_path: Path) -> None:
    with running_server(kontor_env(tmp_path)) as running:
        port = running.base.rsplit(":", 1)[1]
        console = (tmp_path / f"server-{port}.log").read_text()
    assert "Demo tenants and users were created" in console
    assert f"Log in at {running.base}/login in a browser" in console


def test_development_refuses_to_listen_beyond_this_machine(tmp_path: Path) -> None:
    result = subprocess.run(
        [*KONTOR, "serve", "--host", "0.0.0.0"],
        env=kontor_env(tmp_path),
        capture_output=True,
        text=True,
    )
    assert result.returncode == 2
    assert "KONTOR_ENVIRONMENT=production" in result.stderr


def test_serve_refuses_an_unmigrated_database(tmp_path: Path) -> None:
    result = subprocess.run(
        [*KONTOR, "serve"], env=kontor_env(tmp_path), capture_output=True, text=True
    )
    assert result.returncode == 2
    assert "kontor db upgrade" in result.stderr


def test_a_database_migrated_by_a_newer_version_is_named_so(tmp_path: Path) -> None:
    env = kontor_env(tmp_path)
    install(env)
    with sqlite3.connect(tmp_path / "kontor.db") as connection:
        connection.execute("INSERT INTO alembic_version VALUES ('9999_from_the_future')")
    current = subprocess.run([*KONTOR, "db", "current"], env=env, capture_output=True, text=True)
    assert "(ahead: 9999_from_the_future is newer than this version of Kontor)" in current.stdout
    for command in (["serve"], ["worker"], ["user", "list", "--tenant", "betrieb"]):
        refused = subprocess.run([*KONTOR, *command], env=env, capture_output=True, text=True)
        assert refused.returncode == 2
        assert "migrated by a newer version of Kontor (revision 9999_from_the_future)" in (
            refused.stderr
        )


def test_config_show_masks_secrets(tmp_path: Path) -> None:
    env = kontor_env(
        tmp_path,
        KONTOR_SECRET_KEY="very-secret-value",
        KONTOR_DATABASE_URL="postgresql://kontor:hunter2@db/kontor",
    )
    result = subprocess.run(
        [*KONTOR, "config", "show"], env=env, capture_output=True, text=True, check=True
    )
    assert "very-secret-value" not in result.stdout
    assert "hunter2" not in result.stdout
    assert '"database_url": "postgresql://kontor:********@db/kontor"' in result.stdout


def test_production_refuses_the_default_secret(tmp_path: Path) -> None:
    env = kontor_env(tmp_path, KONTOR_ENVIRONMENT="production")
    result = subprocess.run([*KONTOR, "config", "show"], env=env, capture_output=True, text=True)
    assert result.returncode == 2
    assert "KONTOR_SECRET_KEY" in result.stderr


def test_version() -> None:
    result = subprocess.run([*KONTOR, "--version"], capture_output=True, text=True, check=True)
    assert result.stdout.startswith("kontor ")


def _server_processes(parent: int) -> list[int]:
    """The uvicorn worker processes ``parent`` started (Linux: read from /proc)."""
    children = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rpartition(")")[2].split()
            command = (stat.parent / "cmdline").read_bytes()
        except OSError:
            continue  # ended meanwhile
        if int(fields[1]) == parent and b"spawn_main" in command:
            children.append(int(stat.parent.name))
    return children


@pytest.mark.postgres
def test_several_server_processes_share_one_port_and_stop_together(tmp_path: Path) -> None:
    with (
        database_env(tmp_path, "postgres") as env,
        running_server(env, "--workers", "2") as server,
        server.client() as client,
    ):
        assert client.post("/api/process/definitions", content=WAIT).status_code == 201
        started = [  # a connection each, so the starts go to both processes
            httpx.post(f"{server.base}{START_WAIT}", json={}, headers=client.headers)
            for _ in range(20)
        ]
        assert [answer.status_code for answer in started] == [201] * 20
        assert client.get("/api/process/instances").json()["total"] == 20
        workers = _server_processes(server.process.pid)
        assert len(workers) == 2
        scraped = [httpx.get(f"{server.base}/metrics").text for _ in range(10)]
        assert {_starts_counted(text) for text in scraped} == {20.0}  # whichever process answers
        server.process.send_signal(signal.SIGTERM)
        assert server.process.wait(timeout=60) == 0
        assert not any(Path(f"/proc/{pid}").exists() for pid in workers)


def test_a_worker_answers_its_probes_and_refuses_a_taken_port(tmp_path: Path) -> None:
    env = kontor_env(tmp_path)
    install(env)
    port = free_port()
    with (tmp_path / "worker.log").open("wb") as log:
        worker = subprocess.Popen(
            [*KONTOR, "worker", "--probe-port", str(port)],
            env=env, stdout=subprocess.DEVNULL, stderr=log,
        )  # fmt: skip
    try:
        base = f"http://127.0.0.1:{port}"
        wait_for(lambda: _answers(f"{base}/healthz"), "the worker's probes")
        assert httpx.get(f"{base}/healthz").json()["status"] == "ok"
        ready = httpx.get(f"{base}/readyz")
        assert ready.json() == {
            "status": "ready",
            "checks": {"database": "ok", "broker": "ok", "jobs": "ok"},
        }
        metrics = httpx.get(f"{base}/metrics").text
        assert 'kontor_message_backlog{state="dead"} 0.0' in metrics
        assert httpx.get(f"{base}/docs").status_code == 404  # probes only, no API
        second = subprocess.run(
            [*KONTOR, "worker", "--probe-port", str(port)],
            env=env, capture_output=True, text=True, timeout=60,
        )  # fmt: skip
        assert second.returncode == 2
        assert f"the probes cannot listen on 127.0.0.1:{port}" in second.stderr
        worker.send_signal(signal.SIGTERM)
        assert worker.wait(timeout=60) == 0
    finally:
        if worker.poll() is None:
            worker.kill()


def _answers(url: str) -> bool:
    """Whether ``url`` answers yet (its process may still be starting)."""
    try:
        return httpx.get(url).is_success
    except httpx.TransportError:
        return False


def _starts_counted(metrics: str) -> float:
    """The started instances in the request counter of a ``/metrics`` text."""
    route = 'route="/api/process/definitions/{process_key}/start"'
    return sum(
        float(line.rsplit(" ", 1)[1])
        for line in metrics.splitlines()
        if line.startswith("kontor_http_requests_total{") and route in line
    )


def test_several_server_processes_are_refused_on_sqlite(tmp_path: Path) -> None:
    result = subprocess.run(
        [*KONTOR, "serve", "--workers", "2"],
        env=kontor_env(tmp_path),
        capture_output=True,
        text=True,
    )
    assert result.returncode == 2
    assert "--workers needs PostgreSQL" in result.stderr
