"""A webhook receiver for tests: records what arrives, answers 503 while it is 'down'."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route


@dataclass(frozen=True)
class Received:
    """One request the receiver took in."""

    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    """Records every request to ``/hook``; answers 503 without recording while ``down``."""

    down: bool = False
    received: list[Received] = field(default_factory=list)
    refused: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def app(self) -> Starlette:
        """The ASGI app to serve."""

        async def hook(request: Request) -> Response:
            body = await request.body()
            with self._lock:
                if self.down:
                    self.refused += 1
                    return Response("unterwegs", status_code=503)
                self.received.append(Received(dict(request.headers), body))
            return Response(status_code=204)

        return Starlette(routes=[Route("/hook", hook, methods=["POST"])])
