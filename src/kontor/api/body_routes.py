"""Route classes that read the request body within their limit and decode JSON strictly.

Every router uses :class:`StrictJsonRoute` (small JSON bodies) or :class:`UploadRoute` (files);
large files stream to disk through :class:`StreamingUploadRoute`.
The caller is authenticated and their permission checked first (401, 403), so nobody without
access learns anything from how their body is answered. Then the body is read before FastAPI
sees it: a declared ``Content-Length`` over the limit is refused before a byte is read, and a
body without one is counted while it streams in. JSON goes through the one strict decoder, so
FastAPI validates ``Decimal`` numbers and never a float.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any

from fastapi import Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect
from starlette.types import Message, Receive, Scope

from kontor.api.security import declared_requirement
from kontor.api.strict_json import NUL_REFUSED, JsonLimits, decode_json
from kontor.errors import KontorError
from kontor.settings import Settings


@dataclass(frozen=True)
class RequestLimits:
    """What one request may carry: body sizes per route class, JSON shape, stored variables."""

    max_body_bytes: int
    max_upload_bytes: int
    json: JsonLimits
    max_variables_bytes: int


def request_limits(settings: Settings) -> RequestLimits:
    """What one request may carry, from ``settings``."""
    return RequestLimits(
        max_body_bytes=settings.api_max_body_bytes,
        max_upload_bytes=settings.api_max_upload_bytes,
        json=JsonLimits(settings.api_max_json_depth, settings.api_max_number_digits),
        max_variables_bytes=settings.api_max_variables_bytes,
    )


class BodyTooLarge(KontorError):
    """A request body larger than its route's limit (refused while it is being read)."""

    code = "kontor.body_too_large"
    status = 413
    title = "Content too large"

    def __init__(self, limit: int) -> None:
        super().__init__(
            f"the request body exceeds the limit of {limit} bytes for this route",
            limit_bytes=limit,
        )


class StrictJsonRoute(APIRoute):
    """A route taking a small JSON body (``KONTOR_API_MAX_BODY_BYTES``), decoded strictly."""

    def body_limit(self, limits: RequestLimits) -> int:
        """The most bytes this route reads from a request body."""
        return limits.max_body_bytes

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        """The route's handler, given a body read within the limit and decoded strictly."""
        handle = super().get_route_handler()
        requirement = declared_requirement(self.dependant.dependencies)
        needs_principal = requirement is not None and requirement.permission is not None

        async def read_then_handle(request: Request) -> Response:
            refused = _nul_in_url(request)
            if needs_principal and (_carries_body(request) or refused):
                assert requirement is not None
                await run_in_threadpool(requirement.authorize, request)  # 401/403 come first
            if refused:
                raise RequestValidationError(refused)
            limits: RequestLimits = request.app.state.request_limits
            limit = self.body_limit(limits)
            declared = _content_length(request)
            if declared is not None and declared > limit:
                raise BodyTooLarge(limit)  # answered before the body is read at all
            counting = Request(request.scope, _within(request.receive, limit))
            try:
                body = await counting.body()
            except ClientDisconnect:  # the client left mid-body: nobody reads an answer
                return Response(status_code=400)
            read = _ReadRequest(request.scope, request.receive, body, limits)
            if read.carries_json():
                await read.json()  # refusals answer 422 before FastAPI validates anything
            return await handle(read)

        return read_then_handle


class UploadRoute(StrictJsonRoute):
    """A route taking a file (``KONTOR_API_MAX_UPLOAD_BYTES``)."""

    def body_limit(self, limits: RequestLimits) -> int:
        """The most bytes this route reads from a request body."""
        return limits.max_upload_bytes


class StreamingUploadRoute(UploadRoute):
    """A route that streams its file itself (to disk, under its own limit) instead of reading
    the body up front; its handler must count what it reads (``kontor.api.streamed_uploads``)."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        """The route's handler, given the request with its body unread."""
        return APIRoute.get_route_handler(self)


class _ReadRequest(Request):
    """A request whose body was read already; its JSON is the strictly decoded one."""

    def __init__(self, scope: Scope, receive: Receive, body: bytes, limits: RequestLimits) -> None:
        super().__init__(scope, receive)
        self._body = body
        self._limits = limits

    def carries_json(self) -> bool:
        """Whether the body is declared as JSON (FastAPI decodes no other body as JSON)."""
        media_type = self.headers.get("content-type", "").partition(";")[0].strip().lower()
        is_json = media_type == "application/json" or (
            media_type.startswith("application/") and media_type.endswith("+json")
        )
        return is_json and bool(self._body)

    async def json(self) -> Any:
        """The body decoded by the strict decoder."""
        if not hasattr(self, "_json"):
            self._json = decode_json(self._body, self._limits.json)
        return self._json


def _nul_in_url(request: Request) -> list[dict[str, Any]]:
    """A refusal for each query or path parameter holding a NUL character (none can be stored)."""
    parameters = [("query", name, value) for name, value in request.query_params.multi_items()]
    parameters += [("path", name, str(value)) for name, value in request.path_params.items()]
    return [
        {"loc": (place, name), "msg": NUL_REFUSED, "type": "value_error"}
        for place, name, value in parameters
        if "\x00" in value or "\x00" in name
    ]


def _carries_body(request: Request) -> bool:
    """Whether the request announces a body (a request without one has nothing to refuse)."""
    length = request.headers.get("content-length")
    return "transfer-encoding" in request.headers or (length is not None and length != "0")


def _content_length(request: Request) -> int | None:
    try:
        return int(request.headers["content-length"])
    except (KeyError, ValueError):
        return None


def _within(receive: Receive, limit: int) -> Receive:
    """``receive`` refusing the body once more than ``limit`` bytes came in."""
    received = 0

    async def receive_within_limit() -> Message:
        nonlocal received
        message = await receive()
        if message["type"] == "http.request":
            received += len(message.get("body", b""))
            if received > limit:
                raise BodyTooLarge(limit)
        return message

    return receive_within_limit
