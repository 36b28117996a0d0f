"""Page permissions and security headers: pages declare permissions like API routes do.

A page whose caller is not signed in answers with a redirect to ``/login``; a signed-in caller
without the page's permission sees a German "not allowed" page (403).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import Depends, Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from kontor.api.security import PrincipalProvider, Requires
from kontor.platform import Principal

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'self'; "
    "object-src 'none'"
)
SECURITY_HEADERS = (
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"x-frame-options", b"DENY"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
)


class SignInRequired(Exception):
    """The page needs a signed-in caller; the browser goes to the login page."""

    def __init__(self, next_url: str) -> None:
        super().__init__(next_url)
        self.next_url = next_url


class PageForbidden(Exception):
    """The signed-in caller lacks the page's permission."""

    def __init__(self, permission: str) -> None:
        super().__init__(permission)
        self.permission = permission


class PageRequires(Requires):
    """A page's permission: signed-out callers are sent to ``/login``, others need it."""

    def __call__(self, request: Request) -> Principal:  # type: ignore[override]
        provider: PrincipalProvider = request.app.state.principal_provider
        principal = provider(request)
        if principal is None:
            target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            raise SignInRequired(target)
        assert self.permission is not None
        if not principal.has(self.permission):
            raise PageForbidden(self.permission)
        return principal

    def __repr__(self) -> str:
        return f"PageRequires({self.permission!r})"


def page_requires(permission: str) -> Any:
    """Dependency for a page that needs ``permission``; gives the caller's ``Principal``."""
    return Depends(PageRequires(permission))


def login_url(next_url: str) -> str:
    """The login page that returns to ``next_url`` afterwards."""
    return "/login?next=" + quote(next_url, safe="/")


def safe_next(next_url: str | None) -> str:
    """``next_url`` if it stays on this site, else the start page."""
    if next_url and next_url.startswith("/") and not next_url.startswith("//"):
        return next_url
    return "/"


class SecurityHeadersMiddleware:
    """Add the browser security headers (a CSP without inline scripts) to every page."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or str(scope.get("path", "")).startswith("/docs"):
            await self.app(scope, receive, send)  # Swagger UI brings its own inline script
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {key.lower() for key, _ in headers}
                headers += [(k, v) for k, v in SECURITY_HEADERS if k not in present]
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)
