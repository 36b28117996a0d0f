"""The real ``kontor`` command: migrate, serve over HTTP, show config, refuse bad settings."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx2 as httpx
import pytest

from support.messaging import WAIT_BOUND_SECONDS

KONTOR = [sys.executable, "-m", "kontor.cli"]


def _env(data_dir: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KONTOR_")}
    return {**env, "KONTOR_DATA_DIR": str(data_dir), **extra}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


OPERATOR_PASSWORD = "ein langes Passwort für den Betrieb"


def _serve(env: dict[str, str]) -> tuple[subprocess.Popen[bytes], str] | None:
    """Start ``kontor serve`` on a free port; None if another process took the port first."""
    port = _free_port()
    process = subprocess.Popen(
        [*KONTOR, "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + WAIT_BOUND_SECONDS
    while True:
        try:
            httpx.get(f"{base}/healthz", timeout=5)
            return process, base
        except httpx.TransportError:
            pass
        if process.poll() is not None:
            error = process.stderr.read().decode() if process.stderr else ""
            if process.stderr:
                process.stderr.close()
            if "address already in use" in error.lower():
                return None
            raise AssertionError(f"kontor serve exited: {error}")
        if time.monotonic() > deadline:
            process.kill()
            process.wait()
            raise AssertionError(f"kontor serve did not answer within {WAIT_BOUND_SECONDS:.0f} s")
        time.sleep(0.1)  # polling for the server to come up, not deciding an outcome


@pytest.fixture
def server(tmp_path: Path) -> Iterator[str]:
    # plain http on 127.0.0.1 is the one place where the cookie may go without HTTPS
    env = _env(tmp_path, KONTOR_SESSION_COOKIE_SECURE="false")
    subprocess.run([*KONTOR, "db", "upgrade"], env=env, check=True, capture_output=True)
    for command in (
        ["tenant", "create", "betrieb", "--name", "Betrieb", "--kind", "operator"],
        ["user", "create", "--tenant", "betrieb", "--login", "ops@example.org",
         "--group", "operator_staff", "--password-stdin"],
    ):  # fmt: skip
        subprocess.run(
            [*KONTOR, *command], env=env, input=OPERATOR_PASSWORD, text=True, check=True,
            capture_output=True,
        )  # fmt: skip
    started = None
    for _attempt in range(5):  # the free port may be taken between the probe and the bind
        started = _serve(env)
        if started:
            break
    assert started, "no free port found in five attempts"
    process, base = started
    try:
        yield base
    finally:
        process.terminate()
        process.wait(timeout=WAIT_BOUND_SECONDS)
        if process.stderr:
            process.stderr.close()


def test_served_platform_answers_health_readiness_and_api(server: str) -> None:
    assert httpx.get(f"{server}/healthz").status_code == 200
    assert httpx.get(f"{server}/readyz").json()["status"] == "ready"
    assert httpx.get(f"{server}/api/tenants/current").status_code == 401
    assert "kontor_http_requests_total" in httpx.get(f"{server}/metrics").text


def test_operator_created_on_the_command_line_logs_in(server: str) -> None:
    with httpx.Client(base_url=server) as browser:
        login = {"login": "ops@example.org", "password": OPERATOR_PASSWORD}
        logged_in = browser.post("/api/auth/login", json=login)
        assert logged_in.status_code == 200, logged_in.text
        assert browser.get("/api/tenants/current").json()["tenant_id"] == "betrieb"
        csrf = {"X-CSRF-Token": logged_in.json()["csrf_token"]}
        assert browser.post("/api/auth/logout").status_code == 403  # no CSRF token
        assert browser.post("/api/auth/logout", headers=csrf).status_code == 204
        assert browser.get("/api/tenants/current").status_code == 401


def test_development_refuses_to_listen_beyond_this_machine(tmp_path: Path) -> None:
    result = subprocess.run(
        [*KONTOR, "serve", "--host", "0.0.0.0"], env=_env(tmp_path), capture_output=True, text=True
    )
    assert result.returncode == 2
    assert "KONTOR_ENVIRONMENT=production" in result.stderr


def test_serve_refuses_an_unmigrated_database(tmp_path: Path) -> None:
    result = subprocess.run([*KONTOR, "serve"], env=_env(tmp_path), capture_output=True, text=True)
    assert result.returncode == 2
    assert "kontor db upgrade" in result.stderr


def test_config_show_masks_secrets(tmp_path: Path) -> None:
    env = _env(
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
    env = _env(tmp_path, KONTOR_ENVIRONMENT="production")
    result = subprocess.run([*KONTOR, "config", "show"], env=env, capture_output=True, text=True)
    assert result.returncode == 2
    assert "KONTOR_SECRET_KEY" in result.stderr


def test_version() -> None:
    result = subprocess.run([*KONTOR, "--version"], capture_output=True, text=True, check=True)
    assert result.stdout.startswith("kontor ")
