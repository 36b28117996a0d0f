"""A real ``kontor serve`` in a subprocess on a free port, for the e2e and abuse tiers."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx2 as httpx
import pytest

from support.backends import (
    POSTGRES_URL,
    create_postgres_schema,
    drop_postgres_schema,
    postgres_url_with_schema,
)

KONTOR = [sys.executable, "-m", "kontor.cli"]


@dataclass(frozen=True)
class Server:
    """A running server: its base URL, process, environment and how a caller authenticates."""

    base: str
    process: subprocess.Popen[bytes]
    env: dict[str, str]
    headers: dict[str, str] = field(default_factory=dict)  # the development principal: none

    @property
    def port(self) -> int:
        """The TCP port it listens on."""
        return int(self.base.rpartition(":")[2])

    def client(self, timeout: float = 60) -> httpx.Client:
        """An HTTP client for this server, sending the caller's credentials."""
        return httpx.Client(base_url=self.base, headers=self.headers, timeout=timeout)


def kontor_env(data_dir: Path, **extra: str) -> dict[str, str]:
    """The environment without the caller's KONTOR_ settings, data in ``data_dir``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("KONTOR_")}
    return {**env, "KONTOR_DATA_DIR": str(data_dir), **extra}


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def running_server(env: dict[str, str], start_within: float = 60) -> Iterator[Server]:
    """Migrate, serve, wait until ``/healthz`` answers; terminate and reap at the end."""
    subprocess.run([*KONTOR, "db", "upgrade"], env=env, check=True, capture_output=True)
    port = free_port()
    process = subprocess.Popen(
        [*KONTOR, "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + start_within
        while True:
            try:
                httpx.get(f"{base}/healthz", timeout=1)
                break
            except httpx.TransportError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError(
                        process.stderr.read().decode() if process.stderr else "server did not start"
                    ) from None
                time.sleep(0.1)
        yield Server(base, process, env)
    finally:
        if process.poll() is None:
            process.terminate()
            process.wait(timeout=60)
        if process.stderr:
            process.stderr.close()


@contextmanager
def database_env(data_dir: Path, backend: str, **settings: str) -> Iterator[dict[str, str]]:
    """The server environment on a fresh SQLite file or PostgreSQL schema (dropped afterwards)."""
    if backend == "sqlite":
        yield kontor_env(data_dir, **settings)
        return
    if not POSTGRES_URL:
        pytest.skip("PostgreSQL tests need KONTOR_TEST_POSTGRES_URL (CI sets it)")
    schema = create_postgres_schema()
    try:
        yield kontor_env(data_dir, KONTOR_DATABASE_URL=postgres_url_with_schema(schema), **settings)
    finally:
        drop_postgres_schema(schema)
