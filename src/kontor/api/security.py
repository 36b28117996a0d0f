"""Route permissions: every route declares one (or declares itself public)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import Depends, HTTPException, Request

from kontor.platform import Principal

PrincipalProvider = Callable[[Request], Principal | None]


class Requires:
    """A dependency declaring the permission a route needs; it yields the caller's principal."""

    def __init__(self, permission: str | None) -> None:
        self.permission = permission

    def __call__(self, request: Request) -> Principal | None:
        if self.permission is None:
            return None
        provider: PrincipalProvider = request.app.state.principal_provider
        principal = provider(request)
        if principal is None:
            raise HTTPException(
                401, "authentication required", headers={"WWW-Authenticate": "Bearer"}
            )
        principal.require(self.permission)
        return principal

    def __repr__(self) -> str:
        return f"Requires({self.permission!r})"


PUBLIC = Requires(None)
"""Declares a route that anyone may call (health probes, metrics)."""


def requires(permission: str) -> Any:
    """Dependency for a route that needs ``permission``; gives the caller's ``Principal``."""
    return Depends(Requires(permission))


def public() -> Any:
    """Dependency declaring a public route."""
    return Depends(PUBLIC)
