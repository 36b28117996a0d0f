"""Who calls: a session cookie or a bearer API token, resolved to a principal on each request.

Cookie-authenticated requests that change state must also send the session's CSRF token in the
``X-CSRF-Token`` header (it is derived from the session secret, so nothing more is stored);
bearer tokens are not sent by browsers on their own and need no such proof.
"""

from __future__ import annotations

import hashlib
import hmac

from fastapi import HTTPException, Request, Response

from kontor.api.security import PrincipalProvider
from kontor.api.wiring import kontor_of
from kontor.platform import Principal
from kontor.settings import Settings

SESSION_COOKIE = "kontor_session"
CSRF_COOKIE = "kontor_csrf"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def csrf_token(settings: Settings, session_secret: str) -> str:
    """The CSRF token that belongs to a session."""
    key = settings.secret_key.get_secret_value().encode()
    return hmac.new(key, b"csrf:" + session_secret.encode(), hashlib.sha256).hexdigest()


def principal_provider(settings: Settings) -> PrincipalProvider:
    """Resolve the caller from ``Authorization: Bearer`` or the session cookie; None if neither."""

    def provide(request: Request) -> Principal | None:
        authorization = request.headers.get("authorization")
        cookie = request.cookies.get(SESSION_COOKIE)
        if not authorization and not cookie:
            return None
        kontor = kontor_of(request)
        if authorization:
            scheme, _, secret = authorization.partition(" ")
            if scheme.lower() != "bearer" or not secret.strip():
                return None
            return kontor.authenticator.token_principal(kontor.engine, kontor.clock, secret.strip())
        assert cookie is not None
        _check_csrf(request, settings, cookie)
        return kontor.authenticator.session_principal(kontor.engine, kontor.clock, cookie)

    return provide


def _check_csrf(request: Request, settings: Settings, cookie: str) -> None:
    if request.method in SAFE_METHODS:
        return
    sent = request.headers.get(CSRF_HEADER, "")
    if not hmac.compare_digest(sent, csrf_token(settings, cookie)):
        raise HTTPException(
            403, f"a request with the session cookie needs the {CSRF_HEADER} header"
        )


def set_session_cookies(response: Response, settings: Settings, secret: str) -> str:
    """Put a new session on ``response``: the HttpOnly session cookie and the CSRF cookie."""
    max_age = settings.session_absolute_hours * 3600
    token = csrf_token(settings, secret)
    common = {"secure": settings.session_cookie_secure, "samesite": "strict", "path": "/"}
    response.set_cookie(SESSION_COOKIE, secret, max_age=max_age, httponly=True, **common)  # type: ignore[arg-type]
    # readable by the page's script, which echoes it in the X-CSRF-Token header
    response.set_cookie(CSRF_COOKIE, token, max_age=max_age, httponly=False, **common)  # type: ignore[arg-type]
    return token


def clear_session_cookies(response: Response, settings: Settings) -> None:
    """Remove the session and CSRF cookies from the browser."""
    for name in (SESSION_COOKIE, CSRF_COOKIE):
        response.delete_cookie(
            name, path="/", secure=settings.session_cookie_secure, samesite="strict"
        )
