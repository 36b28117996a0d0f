"""The security token service (STS): WS-Trust ``Issue`` with a UsernameToken answered by a
SecurityContextToken, and the WS-Security header that presents the token to a service."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from lxml import etree

from kontor.integration.bipro.errors import BiproFault, BiproTransportError
from kontor.integration.bipro.xml import (
    PASSWORD_TEXT,
    SOAP,
    WSC,
    WSSE,
    WST,
    WSU,
    Element,
    envelope,
    q,
    sub,
    text_of,
)

ISSUE = f"{WST}/Issue"
RENEW = f"{WST}/Renew"
SCT = f"{WSC}/sct"
OPERATION = "RequestSecurityToken"


@dataclass(frozen=True)
class SecurityToken:
    """A SecurityContextToken the STS issued, valid until ``expires_at``."""

    identifier: str = field(repr=False)
    expires_at: dt.datetime

    def usable_at(self, now: dt.datetime, margin: dt.timedelta) -> bool:
        """Whether the token is still valid ``margin`` after ``now``."""
        return now + margin < self.expires_at


def issue_request(username: str, password: str) -> Element:
    """The envelope asking the STS for a token with username and password."""
    root, _ = _token_request(username, password, ISSUE)
    return root


def renew_request(username: str, password: str, token: SecurityToken) -> Element:
    """The envelope asking the STS to extend the lifetime of ``token``."""
    root, asked = _token_request(username, password, RENEW)
    target = sub(asked, WST, "RenewTarget")
    sub(sub(target, WSC, "SecurityContextToken"), WSC, "Identifier", token.identifier)
    return root


def _token_request(username: str, password: str, request_type: str) -> tuple[Element, Element]:
    security = etree.Element(q(WSSE, "Security"), nsmap={"wsse": WSSE})
    token = sub(security, WSSE, "UsernameToken")
    sub(token, WSSE, "Username", username)
    sub(token, WSSE, "Password", password).set("Type", PASSWORD_TEXT)
    root, body = envelope(security)
    asked = sub(body, WST, OPERATION)
    sub(asked, WST, "TokenType", SCT)
    sub(asked, WST, "RequestType", request_type)
    return root, asked


def read_issue_response(root: Element) -> SecurityToken:
    """The token of the STS's answer; a fault raises ``BiproFault``."""
    body = root.find(q(SOAP, "Body"))
    if root.tag != q(SOAP, "Envelope") or body is None:
        raise BiproTransportError("the STS answered no SOAP envelope", OPERATION)
    found = body.find(q(SOAP, "Fault"))
    if found is not None:
        code = text_of(found, "faultcode").rsplit(":", 1)[-1] or "Server"
        raise BiproFault(code, text_of(found, "faultstring") or "no faultstring", OPERATION)
    answer = body.find(f".//{q(WST, 'RequestSecurityTokenResponse')}")
    identifier = text_of(
        answer, "wst:RequestedSecurityToken/wsc:SecurityContextToken/wsc:Identifier"
    )
    expires = text_of(answer, "wst:Lifetime/wsu:Expires")
    if not identifier or not expires:
        raise BiproTransportError("the STS answered no token with a lifetime", OPERATION)
    try:
        expires_at = dt.datetime.fromisoformat(expires.replace("Z", "+00:00"))
    except ValueError:
        raise BiproTransportError(f"unreadable token expiry {expires!r}", OPERATION) from None
    if expires_at.tzinfo is None:
        expires_at = expires_at.replace(tzinfo=dt.UTC)
    return SecurityToken(identifier, expires_at)


def token_header(token: SecurityToken) -> Element:
    """The ``wsse:Security`` header presenting ``token`` to a service."""
    security = etree.Element(q(WSSE, "Security"), nsmap={"wsse": WSSE, "wsc": WSC})
    sub(sub(security, WSC, "SecurityContextToken"), WSC, "Identifier", token.identifier)
    return security


def credentials_of(root: Element) -> tuple[str, str]:
    """Username and password of an Issue request (the provider's side)."""
    token = root.find(f"{q(SOAP, 'Header')}/{q(WSSE, 'Security')}/{q(WSSE, 'UsernameToken')}")
    return text_of(token, "wsse:Username"), text_of(token, "wsse:Password")


def request_type_of(root: Element) -> tuple[str, str]:
    """The request type of a token request and the identifier it renews, if any (the
    provider's side)."""
    asked = root.find(f"{q(SOAP, 'Body')}/{q(WST, OPERATION)}")
    return (
        text_of(asked, "wst:RequestType"),
        text_of(asked, "wst:RenewTarget/wsc:SecurityContextToken/wsc:Identifier"),
    )


def issue_response(identifier: str, created: dt.datetime, expires: dt.datetime) -> Element:
    """The STS's answer carrying a SecurityContextToken (the provider's side)."""
    root, body = envelope()
    answer = sub(body, WST, "RequestSecurityTokenResponse")
    sub(answer, WST, "TokenType", SCT)
    held = sub(sub(answer, WST, "RequestedSecurityToken"), WSC, "SecurityContextToken")
    sub(held, WSC, "Identifier", identifier)
    lifetime = sub(answer, WST, "Lifetime")
    sub(lifetime, WSU, "Created", created.isoformat())
    sub(lifetime, WSU, "Expires", expires.isoformat())
    return root


def presented_token(root: Element) -> str:
    """The token identifier a service request presents, or '' (the provider's side)."""
    path = f"{q(SOAP, 'Header')}/{q(WSSE, 'Security')}/{q(WSC, 'SecurityContextToken')}"
    return text_of(root.find(path), "wsc:Identifier")
