"""Helpers for the abuse tier: raw HTTP over a socket, row counts, responsiveness probes."""

from __future__ import annotations

import json
import socket
from dataclasses import dataclass
from typing import Any

import httpx2 as httpx
from sqlalchemy import func, select

from kontor import db
from kontor.bootstrap import load_schema
from support.server import Server

PATIENCE = 60  # seconds: a bound for a hung server, never what decides an outcome
HOUSEKEEPING_TABLES = frozenset({"audit_seals"})
"""Written by a background loop on its own clock (the audit seal), not by any request."""


@dataclass(frozen=True)
class AbusedServer:
    """A running server, a client for it and the database it stores into."""

    server: Server
    client: httpx.Client
    database_url: str

    def row_counts(self) -> dict[str, int]:
        """How many rows each table a request can write holds right now; the audit log's entries
        as one count (the server's background sealing moves them from one table to the other)."""
        engine = db.create_database_engine(self.database_url)
        try:
            with engine.connect() as connection:
                counts = {
                    table.name: connection.execute(
                        select(func.count()).select_from(table)
                    ).scalar_one()
                    for table in load_schema().sorted_tables
                    if table.name not in HOUSEKEEPING_TABLES
                }
        finally:
            engine.dispose()
        counts["audit_entries"] += counts.pop("audit_unsealed")
        return counts

    def deploy(self, model: str) -> None:
        """Deploy a BPMN process or DMN decision model (told apart by its namespace); a model an
        earlier test of the module deployed already is answered as unchanged (200)."""
        path = "/api/rules/deployments" if "/DMN/" in model else "/api/process/definitions"
        deployed = self.client.post(
            path, content=model, headers={"content-type": "application/xml"}
        )
        assert deployed.status_code in (200, 201), deployed.text

    def assert_responsive(self) -> None:
        """``/healthz`` and an unrelated request that reads the database both answer."""
        assert self.client.get("/healthz").status_code == 200
        listed = self.client.get("/api/process/instances")
        assert listed.status_code == 200, listed.text

    def open_request(self, head: str, body_start: bytes) -> socket.socket:
        """A connection that sent ``head`` (request line and headers) and the body's start."""
        credentials = "".join(f"\n{name}: {value}" for name, value in self.server.headers.items())
        connection = socket.create_connection(("127.0.0.1", self.server.port), timeout=PATIENCE)
        request_head = (head + credentials).replace("\n", "\r\n").encode()
        connection.sendall(request_head + b"\r\n\r\n" + body_start)
        return connection


def read_response(connection: socket.socket) -> tuple[int, dict[str, str], Any]:
    """Status, headers and JSON body of the response on ``connection`` (read until closed)."""
    received = b""
    while b"\r\n\r\n" not in received or not _complete(received):
        chunk = connection.recv(65536)
        if not chunk:
            break
        received += chunk
    head, _, body = received.partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    headers = {
        name.strip().lower(): value.strip()
        for name, _, value in (line.partition(":") for line in header_lines)
    }
    return int(status_line.split()[1]), headers, json.loads(body) if body else None


def _complete(received: bytes) -> bool:
    head, _, body = received.partition(b"\r\n\r\n")
    for line in head.decode("latin-1").split("\r\n"):
        name, _, value = line.partition(":")
        if name.strip().lower() == "content-length":
            return len(body) >= int(value)
    return False
