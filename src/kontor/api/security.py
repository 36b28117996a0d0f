"""Route permissions: every route declares one (or declares itself public)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Request
from fastapi.security import APIKeyCookie, HTTPAuthorizationCredentials, HTTPBearer

from kontor.platform import Principal

PrincipalProvider = Callable[[Request], Principal | None]
AUTHORIZED = "kontor.principal"
"""Scope key of the principal a route authorized before it read the request body."""

# Declared for the OpenAPI description (the "Authorize" button of /docs); the principal
# provider reads the credentials itself.
BEARER = HTTPBearer(auto_error=False, description="A personal API token: kontor_pat_…")
SESSION = APIKeyCookie(
    name="kontor_session", auto_error=False, description="The session cookie set at login"
)


class Requires:
    """A dependency declaring the permission a route needs; it yields the caller's principal."""

    def __init__(self, permission: str | None) -> None:
        self.permission = permission

    def __call__(
        self,
        request: Request,
        bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(BEARER)] = None,
        session: Annotated[str | None, Depends(SESSION)] = None,
    ) -> Principal | None:
        del bearer, session  # documented only; see BEARER
        if self.permission is None:
            return None
        authorized: Principal | None = request.scope.get(AUTHORIZED)
        return authorized if authorized is not None else self.authorize(request)

    def authorize(self, request: Request) -> Principal | None:
        """The caller if they hold the permission (401 without credentials, else 403).

        The principal is kept in the request's scope, so the route's dependency reuses it.
        """
        if self.permission is None:
            return None
        provider: PrincipalProvider = request.app.state.principal_provider
        principal = provider(request)
        if principal is None:
            raise HTTPException(
                401, "authentication required", headers={"WWW-Authenticate": "Bearer"}
            )
        principal.require(self.permission)
        request.scope[AUTHORIZED] = principal
        return principal

    def __repr__(self) -> str:
        return f"Requires({self.permission!r})"


class _Public(Requires):
    """The declaration of a public route: no credentials read, none documented."""

    def __call__(self, request: Request) -> None:  # type: ignore[override]
        del request


PUBLIC = _Public(None)
"""Declares a route that anyone may call (health probes, metrics)."""


def requires(permission: str) -> Any:
    """Dependency for a route that needs ``permission``; gives the caller's ``Principal``."""
    return Depends(Requires(permission))


def declared_requirement(dependencies: list[Any]) -> Requires | None:
    """The permission declaration among a route's dependencies (``Dependant.dependencies``)."""
    for dependency in dependencies:
        if isinstance(dependency.call, Requires):
            return dependency.call
    return None


def public() -> Any:
    """Dependency declaring a public route."""
    return Depends(PUBLIC)
