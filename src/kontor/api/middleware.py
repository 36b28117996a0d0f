"""ASGI middleware: request and correlation ids, metrics, and an answer when the server stops."""

from __future__ import annotations

import asyncio
import re
import time
import uuid

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from kontor.api.problems import problem
from kontor.messaging import correlation
from kontor.observability import request_id_var

REQUEST_ID_HEADER = "x-request-id"
CORRELATION_ID_HEADER = "x-correlation-id"
_SAFE_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key == name:
            text = value.decode("latin-1")
            return text if _SAFE_ID.match(text) else None
    return None


class TracingMiddleware:
    """Give every request a request id and correlation id (taken from headers when valid)."""

    def __init__(self, app: ASGIApp, registry: CollectorRegistry) -> None:
        self.app = app
        self.requests = Counter(
            "kontor_http_requests_total",
            "HTTP requests",
            ["method", "route", "status"],
            registry=registry,
        )
        self.in_progress = Gauge(
            "kontor_http_requests_in_progress",
            "HTTP requests being answered",
            registry=registry,
            multiprocess_mode="livesum",  # several server processes: their sum
        )
        self.duration = Histogram(
            "kontor_http_request_seconds",
            "HTTP request duration",
            ["method", "route"],
            registry=registry,
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = _header(scope, REQUEST_ID_HEADER.encode()) or str(uuid.uuid4())
        correlation_id = _header(scope, CORRELATION_ID_HEADER.encode()) or request_id
        status = 500

        async def send_with_ids(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = list(message.get("headers", []))
                headers.append((REQUEST_ID_HEADER.encode(), request_id.encode()))
                headers.append((CORRELATION_ID_HEADER.encode(), correlation_id.encode()))
                message["headers"] = headers
            await send(message)

        token = request_id_var.set(request_id)
        started = time.perf_counter()
        self.in_progress.inc()
        try:
            with correlation(correlation_id):
                await self.app(scope, receive, send_with_ids)
        finally:
            self.in_progress.dec()
            request_id_var.reset(token)
            route = scope.get("route")
            path = getattr(route, "path", "unmatched")
            self.requests.labels(scope["method"], path, str(status)).inc()
            self.duration.labels(scope["method"], path).observe(time.perf_counter() - started)


class StoppingMiddleware:
    """Answer 503 to a request the server cancels when it stops (uvicorn would answer 500).

    uvicorn cancels the requests still running when the graceful shutdown timeout ends; their
    transactions roll back, so the client may safely send the request again.
    """

    def __init__(self, app: ASGIApp, retry_after_seconds: int) -> None:
        self.app = app
        self.retry_after = str(retry_after_seconds)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def send_noting_start(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, send_noting_start)
        except asyncio.CancelledError:
            if started:
                raise
            stopping = problem(
                503,
                "Service unavailable",
                "the server stopped before the request was done; nothing of it was stored, "
                "send it again",
                "kontor.stopping",
            )
            stopping.headers["Retry-After"] = self.retry_after
            await stopping(scope, receive, send)
