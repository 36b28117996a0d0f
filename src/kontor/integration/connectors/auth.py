"""Authentication of connector calls: basic, bearer, and OAuth2 client credentials with a
token cache shared by every call of the process."""

from __future__ import annotations

import threading
import time
from collections.abc import Generator

import httpx2 as httpx

from kontor.errors import KontorError
from kontor.integration.connectors.store import BASIC, BEARER, OAUTH2, Credentials

EXPIRY_MARGIN_SECONDS = 30.0
"""A cached token is renewed this long before the authorization server says it expires."""
DEFAULT_TOKEN_SECONDS = 300.0


class TokenRefused(KontorError):
    """The OAuth2 token endpoint did not issue a token."""

    code = "connectors.token_refused"
    status = 502
    title = "Token refused"


class TokenCache:
    """OAuth2 access tokens by connection (and its version), until shortly before expiry."""

    def __init__(self) -> None:
        self._tokens: dict[tuple[str, str], tuple[str, float]] = {}
        self._lock = threading.Lock()
        self.issued = 0
        """How many tokens were fetched from token endpoints (for tests and metrics)."""

    def token(self, credentials: Credentials, client: httpx.Client) -> str:
        """A valid access token for ``credentials``, fetched only when none is cached."""
        key = (credentials.connection_id, credentials.version)
        with self._lock:
            cached = self._tokens.get(key)
            if cached is not None and cached[1] > time.monotonic():
                return cached[0]
        token, lifetime = _fetch(credentials, client)
        with self._lock:
            self._tokens[key] = (token, time.monotonic() + lifetime - EXPIRY_MARGIN_SECONDS)
            self.issued += 1
        return token

    def forget(self, credentials: Credentials) -> None:
        """Drop the cached token (the API refused it)."""
        with self._lock:
            self._tokens.pop((credentials.connection_id, credentials.version), None)


class ConnectionAuth(httpx.Auth):
    """Adds a connection's credentials to a request; renews an OAuth2 token once on 401."""

    def __init__(self, credentials: Credentials, cache: TokenCache, client: httpx.Client) -> None:
        self._credentials = credentials
        self._cache = cache
        self._client = client

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        """Send ``request`` with credentials; with OAuth2 retry once with a fresh token."""
        credentials = self._credentials
        if credentials.auth == BASIC:
            basic = httpx.BasicAuth(str(credentials.settings["username"]), credentials.secret or "")
            yield from basic.auth_flow(request)
            return
        if credentials.auth == BEARER:
            request.headers["Authorization"] = f"Bearer {credentials.secret}"
            yield request
            return
        if credentials.auth != OAUTH2:
            yield request
            return
        request.headers["Authorization"] = f"Bearer {self._cache.token(credentials, self._client)}"
        response = yield request
        if response.status_code == 401:
            self._cache.forget(credentials)
            request.headers["Authorization"] = (
                f"Bearer {self._cache.token(credentials, self._client)}"
            )
            yield request


def _fetch(credentials: Credentials, client: httpx.Client) -> tuple[str, float]:
    settings = credentials.settings
    form = {"grant_type": "client_credentials"}
    if settings.get("scope"):
        form["scope"] = str(settings["scope"])
    try:
        response = client.post(
            str(settings["token_url"]),
            data=form,
            auth=httpx.BasicAuth(str(settings["client_id"]), credentials.secret or ""),
        )
    except httpx.HTTPError as error:
        raise TokenRefused(f"token endpoint not reachable: {type(error).__name__}") from None
    if not response.is_success:
        raise TokenRefused(f"token endpoint answered {response.status_code}")
    try:
        answer = response.json()
        token = str(answer["access_token"])
        lifetime = float(answer.get("expires_in", DEFAULT_TOKEN_SECONDS))
    except (ValueError, KeyError, TypeError):
        raise TokenRefused("token endpoint answered without access_token") from None
    return token, max(lifetime, EXPIRY_MARGIN_SECONDS * 2)
