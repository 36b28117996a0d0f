"""Camunda's error body (``{"type", "message"}``) with the status codes Camunda 7 answers.

Every compatibility route answers its failures this way, so that Camunda clients read them:
Kontor's own errors are translated by kind (not found 404, a clash with the state 400 as
Camunda's ``BadUserRequestException``, a missing permission 403, invalid input 400).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from kontor.api.body_routes import StrictJsonRoute, UploadRoute
from kontor.errors import Conflict, InvalidInput, KontorError, NotFound, PermissionDenied

log = logging.getLogger(__name__)

REALM = 'Basic realm="Kontor"'


class CamundaError(Exception):
    """A failure answered in Camunda's shape: its exception type name and a status."""

    type_name = "RestException"
    status = 500

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidRequest(CamundaError):
    """A request Camunda's REST layer refuses (bad parameter, unconvertible variable)."""

    type_name = "InvalidRequestException"
    status = 400


class RestNotFound(CamundaError):
    """A resource the REST layer looked up and did not find (Camunda answers 404 here)."""

    type_name = "InvalidRequestException"
    status = 404


class BadUserRequest(CamundaError):
    """A request that does not fit the engine's state (wrong worker, nothing to correlate)."""

    type_name = "BadUserRequestException"
    status = 400


class NotSupported(CamundaError):
    """A Camunda feature Kontor does not offer (named in the message); never silently ignored."""

    type_name = "InvalidRequestException"
    status = 400


def camunda_body(type_name: str, message: str) -> dict[str, Any]:
    """Camunda's error body."""
    return {"type": type_name, "message": message}


def answer(status: int, type_name: str, message: str, **headers: str) -> JSONResponse:
    """A Camunda error response."""
    return JSONResponse(camunda_body(type_name, message), status_code=status, headers=headers)


def translated(error: Exception) -> JSONResponse | None:
    """``error`` as Camunda answers it; None for errors the application maps itself."""
    if isinstance(error, CamundaError):
        return answer(error.status, error.type_name, error.message)
    if isinstance(error, KontorError):
        return _kontor(error)
    if isinstance(error, RequestValidationError):
        return answer(400, "InvalidRequestException", _validation_message(error))
    if isinstance(error, HTTPException):
        if error.status_code == 401:
            return answer(401, "AuthenticationException", str(error.detail),
                          **{"WWW-Authenticate": REALM})  # fmt: skip
        kind = "AuthorizationException" if error.status_code == 403 else "RestException"
        return answer(error.status_code, kind, str(error.detail))
    return None


def _kontor(error: KontorError) -> JSONResponse:
    if isinstance(error, NotFound):
        return answer(404, "NotFoundException", error.message)
    if isinstance(error, PermissionDenied):
        return answer(403, "AuthorizationException", error.message)
    if isinstance(error, Conflict):
        if error.retry_at_once:
            return answer(500, "OptimisticLockingException", error.message)
        return answer(400, "BadUserRequestException", error.message)
    if isinstance(error, InvalidInput) or error.status in (400, 422):
        return answer(400, "InvalidRequestException", error.message)
    return answer(error.status, "RestException", error.message)


def _validation_message(error: RequestValidationError) -> str:
    parts = []
    for problem in error.errors()[:5]:
        place = ".".join(str(p) for p in problem["loc"] if p != "body")
        parts.append(f"{place}: {problem['msg']}" if place else problem["msg"])
    return "Invalid request: " + "; ".join(parts)


class CamundaRoute(StrictJsonRoute):
    """A compatibility route: strict JSON body handling, failures in Camunda's shape."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        """The route's handler, its failures translated."""
        return _translating(super().get_route_handler())


class CamundaUploadRoute(UploadRoute):
    """A compatibility route taking files (deployments), failures in Camunda's shape."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        """The route's handler, its failures translated."""
        return _translating(super().get_route_handler())


def _translating(
    handle: Callable[[Request], Coroutine[Any, Any, Response]],
) -> Callable[[Request], Coroutine[Any, Any, Response]]:
    async def handle_translating(request: Request) -> Response:
        try:
            return await handle(request)
        except Exception as error:
            response = translated(error)
            if response is None:
                raise
            return response

    return handle_translating
