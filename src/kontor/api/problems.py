"""Errors as problem+json (RFC 9457)."""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Awaitable, Callable
from typing import Any

import psycopg
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError
from starlette.exceptions import HTTPException

from kontor.db import is_contention, is_unstorable_text
from kontor.errors import KontorError
from kontor.observability import request_id_var

log = logging.getLogger(__name__)

PROBLEM_JSON = "application/problem+json"


def problem(status: int, title: str, detail: str, code: str, **extra: Any) -> JSONResponse:
    """A problem+json response carrying the request id for support."""
    body: dict[str, Any] = {
        "type": f"urn:kontor:problem:{code}",
        "title": title,
        "status": status,
        "detail": detail,
        "code": code,
        **extra,
    }
    request_id = request_id_var.get()
    if request_id:
        body["request_id"] = request_id
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON)


async def _kontor_error(_request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, KontorError)
    return problem(error.status, error.title, error.message, error.code, **error.details)


async def _validation_error(_request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, RequestValidationError)
    errors = [
        {"location": ".".join(str(p) for p in e["loc"]), "message": e["msg"], "type": e["type"]}
        for e in error.errors()
    ]
    return problem(
        422,
        "Invalid request",
        "the request does not match its schema",
        "kontor.invalid_request",
        errors=errors,
    )


async def _http_error(_request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, HTTPException)
    response = problem(
        error.status_code,
        _reason(error.status_code),
        str(error.detail),
        f"http.{error.status_code}",
    )
    if error.headers:
        response.headers.update(error.headers)
    return response


async def _unexpected_error(_request: Request, error: Exception) -> JSONResponse:
    log.exception("unhandled error", exc_info=error)
    return problem(
        500, "Internal error", "an unexpected error occurred; see the server log", "kontor.internal"
    )


def _database_error(
    retry_after_seconds: int,
) -> Callable[[Request, Exception], Awaitable[JSONResponse]]:
    async def answer(request: Request, error: Exception) -> JSONResponse:
        if is_unstorable_text(error):  # a NUL in a path or query parameter
            return problem(
                422,
                "Unprocessable content",
                "text may not contain the NUL character",
                "kontor.invalid_text",
            )
        if not is_contention(error):
            return await _unexpected_error(request, error)
        # The database already waited its lock timeout; the client should come back later.
        log.warning("database busy: answered 503 (%s)", type(error).__name__)
        response = problem(
            503,
            "Service unavailable",
            "the database is busy with other work; retry the request later",
            "kontor.database_busy",
        )
        response.headers["Retry-After"] = str(retry_after_seconds)
        return response

    return answer


def _reason(status: int) -> str:
    from http import HTTPStatus

    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def install_problem_handlers(app: FastAPI, *, retry_after_seconds: int = 2) -> None:
    """Map Kontor errors, validation, HTTP and busy-database errors to problem+json."""
    app.add_exception_handler(KontorError, _kontor_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(HTTPException, _http_error)
    # Errors of the drivers too: fast statements run on raw DBAPI cursors.
    for database_error in (DBAPIError, sqlite3.OperationalError, psycopg.OperationalError):
        app.add_exception_handler(database_error, _database_error(retry_after_seconds))
    app.add_exception_handler(Exception, _unexpected_error)
