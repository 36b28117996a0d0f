"""The real ``kontor`` command: migrate, serve over HTTP, show config, refuse bad settings."""

from __future__ import annotations

import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx2 as httpx
import pytest

from support.models import WAIT
from support.server import (
    KONTOR,
    OPERATOR_LOGIN,
    OPERATOR_PASSWORD,
    database_env,
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
        started = [client.post(START_WAIT, json={}) for _ in range(20)]
        assert [answer.status_code for answer in started] == [201] * 20
        assert client.get("/api/process/instances").json()["total"] == 20
        workers = _server_processes(server.process.pid)
        assert len(workers) == 2
        server.process.send_signal(signal.SIGTERM)
        assert server.process.wait(timeout=60) == 0
        assert not any(Path(f"/proc/{pid}").exists() for pid in workers)


def test_several_server_processes_are_refused_on_sqlite(tmp_path: Path) -> None:
    result = subprocess.run(
        [*KONTOR, "serve", "--workers", "2"],
        env=kontor_env(tmp_path),
        capture_output=True,
        text=True,
    )
    assert result.returncode == 2
    assert "--workers needs PostgreSQL" in result.stderr
