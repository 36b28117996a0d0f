"""Authentication as Camunda clients send it: HTTP Basic or a bearer token.

Either way the credential is a personal Kontor API token (with Basic it is the password; the
user name is not checked, the token names the user). The tenant and permissions are the token's.
Session cookies are not accepted here: Camunda clients do not send them, and a cookie-less API
needs no CSRF defence.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

from fastapi import Depends, HTTPException, Request

from kontor.api.security import AUTHORIZED, Requires
from kontor.api.wiring import kontor_of
from kontor.camunda7.errors import REALM
from kontor.platform import Principal


class CamundaRequires(Requires):
    """A route's permission, checked against the token of a Basic or Bearer authorization."""

    def authorize(self, request: Request) -> Principal | None:
        """The caller if their token holds the permission (401 without a valid token, else 403)."""
        if self.permission is None:
            return None
        secret = token_of(request.headers.get("authorization", ""))
        kontor = kontor_of(request)
        principal = (
            kontor.authenticator.token_principal(kontor.engine, kontor.clock, secret)
            if secret
            else None
        )
        if principal is None:
            raise HTTPException(
                401, "a valid Kontor API token is required (Basic password or Bearer)",
                headers={"WWW-Authenticate": REALM},
            )  # fmt: skip
        principal.require(self.permission)
        request.scope[AUTHORIZED] = principal
        return principal

    def __repr__(self) -> str:
        return f"CamundaRequires({self.permission!r})"


def token_of(authorization: str) -> str | None:
    """The API token of an ``Authorization`` header: a Bearer token or the Basic password."""
    scheme, _, credentials = authorization.strip().partition(" ")
    credentials = credentials.strip()
    if scheme.lower() == "bearer":
        return credentials or None
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(credentials, validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    _user, colon, password = decoded.partition(":")
    return password if colon and password else None


def requires(permission: str) -> Any:
    """Dependency for a compatibility route that needs ``permission``; gives the ``Principal``."""
    return Depends(CamundaRequires(permission))
