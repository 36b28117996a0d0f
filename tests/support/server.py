"""A real ``kontor serve`` in a subprocess on a free port, for the e2e and abuse tiers."""

from __future__ import annotations

import datetime as dt
import os
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx2 as httpx
import pytest

from support.backends import POSTGRES_URL
from support.installed import (
    KONTOR,
    OPERATOR_LOGIN,
    OPERATOR_PASSWORD,
    create_installed_postgres_database,
    drop_postgres_database,
    install_operator,
    install_sqlite,
    is_installed,
    sqlite_file,
)
from support.messaging import WAIT_BOUND_SECONDS


@dataclass(frozen=True)
class Server:
    """A running server: its base URL, process, environment and how a caller authenticates."""

    base: str
    process: subprocess.Popen[bytes]
    env: dict[str, str]
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def port(self) -> int:
        """The TCP port it listens on."""
        return int(self.base.rpartition(":")[2])

    def client(self, timeout: float = 60) -> httpx.Client:
        """An HTTP client for this server, sending the caller's credentials."""
        return httpx.Client(base_url=self.base, headers=self.headers, timeout=timeout)


ALWAYS = "Mo-So 00:00-24:00"  # a run window that never closes, whatever hour the suite runs at


def on_test_clock(clock_file: Path) -> dict[str, str]:
    """The settings of a server whose time is the text of ``clock_file`` (moved by the test)."""
    return {"KONTOR_ENVIRONMENT": "test", "KONTOR_SECRET_KEY": "a-secret-for-clocked-tests",
            "KONTOR_TEST_CLOCK_FILE": str(clock_file)}  # fmt: skip


def kontor_env(data_dir: Path, **extra: str) -> dict[str, str]:
    """The environment without the caller's KONTOR_ settings, data in ``data_dir``.

    Plain http on 127.0.0.1 is the one place where the session cookie may go without HTTPS.
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith("KONTOR_")}
    return {
        **env, "KONTOR_DATA_DIR": str(data_dir), "KONTOR_SESSION_COOKIE_SECURE": "false", **extra
    }  # fmt: skip


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def install(env: dict[str, str]) -> None:
    """Give the server of ``env`` an installed database (migrated, with the operator).

    A fresh SQLite file is a copy of the template installed on the command line; a database
    installed here before (a restart) is left as it is; any other is installed on the command
    line.
    """
    if is_installed(env):
        return
    file = sqlite_file(env)
    if file is not None and not file.exists():
        install_sqlite(env)
        return
    install_operator(env, maybe_installed=True)


def operator_token(base: str) -> dict[str, str]:
    """Log in as the operator and create an API token with all of their permissions."""
    with httpx.Client(base_url=base, timeout=WAIT_BOUND_SECONDS) as browser:
        login = {"login": OPERATOR_LOGIN, "password": OPERATOR_PASSWORD}
        session = browser.post("/api/auth/login", json=login)
        assert session.status_code == 200, session.text
        permissions = browser.get("/api/auth/me").json()["permissions"]
        expires = (dt.datetime.now(dt.UTC) + dt.timedelta(days=1)).isoformat()
        token = browser.post(
            "/api/auth/me/tokens",
            json={"name": "tests", "permissions": permissions, "expires_at": expires},
            headers={"X-CSRF-Token": session.json()["csrf_token"]},
        )
        assert token.status_code == 201, token.text
    return {"Authorization": f"Bearer {token.json()['token']}"}


def _serve(env: dict[str, str], *args: str) -> tuple[subprocess.Popen[bytes], str] | None:
    """Start ``kontor serve`` on a free port; None if another process took the port first.

    Its log goes to ``server-<port>.log`` in the data folder: a pipe nobody reads would stop
    the server once the pipe is full.
    """
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log = Path(env["KONTOR_DATA_DIR"]) / f"server-{port}.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("wb") as log_file:
        process = subprocess.Popen(
            [*KONTOR, "serve", "--port", str(port), *args],
            env=env,  # with no public URL set, its e-mails' links lead to the port it serves
            stdout=subprocess.DEVNULL,
            stderr=log_file,
        )
    deadline = time.monotonic() + WAIT_BOUND_SECONDS
    with httpx.Client(timeout=5) as probe:  # one client: a new one per try costs a TLS setup
        while True:
            try:
                probe.get(f"{base}/healthz")
                return process, base
            except httpx.TransportError:
                pass
            if process.poll() is not None:
                error = log.read_text(errors="replace")
                if "address already in use" in error.lower():
                    return None
                raise AssertionError(f"kontor serve exited: {error}")
            if time.monotonic() > deadline:
                process.kill()
                process.wait()
                raise AssertionError(
                    f"kontor serve did not answer within {WAIT_BOUND_SECONDS:.0f} s"
                )
            time.sleep(0.1)  # polling for the server to come up, not deciding an outcome


@contextmanager
def running_server(env: dict[str, str], *args: str) -> Iterator[Server]:
    """Install (or keep) the database, serve (with ``args`` for ``kontor serve``), sign in;
    terminate and reap at the end."""
    install(env)
    started = None
    for _attempt in range(5):  # the free port may be taken between the probe and the bind
        started = _serve(env, *args)
        if started:
            break
    assert started, "no free port found in five attempts"
    process, base = started
    try:
        yield Server(base, process, env, operator_token(base))
    finally:
        if process.poll() is None:
            process.terminate()
            process.wait(timeout=WAIT_BOUND_SECONDS)


@contextmanager
def database_env(data_dir: Path, backend: str, **settings: str) -> Iterator[dict[str, str]]:
    """The server environment on a fresh SQLite file or an installed PostgreSQL database of its
    own (dropped afterwards)."""
    if backend == "sqlite":
        yield kontor_env(data_dir, **settings)
        return
    if not POSTGRES_URL:
        pytest.skip("PostgreSQL tests need KONTOR_TEST_POSTGRES_URL (CI sets it)")
    url = create_installed_postgres_database()
    try:
        yield kontor_env(data_dir, KONTOR_DATABASE_URL=url, **settings)
    finally:
        drop_postgres_database(url)
