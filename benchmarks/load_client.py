"""A light HTTP load client: one keep-alive connection of the standard library per client.

The load client shares the machine with what it measures, so it should cost little: a round
of five JSON requests costs this client about a third of what it costs httpx (measured with
``http_ceiling.py``, 2026-12-06).
"""

from __future__ import annotations

import http.client
import json
import socket
from typing import Any
from urllib.parse import urlencode, urlsplit


class LoadClient:
    """JSON requests over one kept-alive connection to ``base`` (``http://host:port``)."""

    def __init__(self, base: str, headers: dict[str, str] | None = None) -> None:
        address = urlsplit(base)
        self.connection = http.client.HTTPConnection(address.hostname or "", address.port)
        self.headers = {"Accept": "application/json", **(headers or {})}

    def get(self, path: str, params: dict[str, str] | None = None) -> Any:
        """GET ``path`` with ``params``; the answer's JSON."""
        return self._request("GET", f"{path}?{urlencode(params)}" if params else path, None)

    def post(self, path: str, body: Any = None) -> Any:
        """POST ``body`` as JSON to ``path``; the answer's JSON (None when it has none)."""
        return self._request("POST", path, json.dumps({} if body is None else body).encode())

    def _request(self, method: str, target: str, body: bytes | None) -> Any:
        headers = self.headers
        if body is not None:
            headers = {**headers, "Content-Type": "application/json"}
        self.connection.request(method, target, body=body, headers=headers)
        answer = self.connection.getresponse()
        content = answer.read()
        if answer.status >= 400:
            raise RuntimeError(f"{method} {target}: {answer.status} {content[:500]!r}")
        return json.loads(content) if content else None

    def close(self) -> None:
        """Close the connection."""
        self.connection.close()

    def __enter__(self) -> LoadClient:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


def free_port() -> int:
    """A TCP port on the loopback that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
