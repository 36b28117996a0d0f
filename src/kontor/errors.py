"""Base error types; each component derives its own with a stable code."""

from __future__ import annotations

from typing import Any


class KontorError(Exception):
    """A failure a caller can act on; the API maps it to problem+json with ``status``."""

    code = "kontor.error"
    status = 400
    title = "Bad request"
    retry_at_once = False
    """Whether the command that failed may succeed when run again now (a concurrent change won)."""

    def __init__(self, message: str, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        self.details = details


class InvalidInput(KontorError):
    """Input that is well-formed but not acceptable (names what and where in ``details``)."""

    code = "kontor.invalid_input"
    status = 422
    title = "Invalid input"


class NotFound(KontorError):
    """A resource that does not exist for the caller's tenant."""

    code = "kontor.not_found"
    status = 404
    title = "Not found"


class Conflict(KontorError):
    """A request that clashes with the current state."""

    code = "kontor.conflict"
    status = 409
    title = "Conflict"


class PermissionDenied(KontorError):
    """The caller lacks the permission an operation declares."""

    code = "kontor.permission_denied"
    status = 403
    title = "Forbidden"
