"""The BiPRO consumer: gets a token from the STS, reuses it until shortly before it expires,
then has it renewed (or, if the STS does not renew it, issued anew), and calls the transfer
service with it (list, get and acknowledge shipments).

Every request passes the outbound guard (no private addresses unless allowed). A token the
service refuses as expired or unknown (fault ``BadContextToken``) is issued anew once and the
call repeated.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import httpx2 as httpx

from kontor.integration.bipro.errors import BiproFault, BiproTransportError
from kontor.integration.bipro.frame import read_response, request
from kontor.integration.bipro.sts import (
    OPERATION as ISSUE_OPERATION,
)
from kontor.integration.bipro.sts import (
    SecurityToken,
    issue_request,
    read_issue_response,
    renew_request,
    token_header,
)
from kontor.integration.bipro.transfer import (
    ACKNOWLEDGE,
    GET,
    LIST,
    Shipment,
    ShipmentSummary,
    read_shipment,
    read_summaries,
    shipment_id_element,
)
from kontor.integration.bipro.xml import TRANSFER, Element, UnsafeXml, parse, serialize
from kontor.integration.outbound import destination_guard

REFUSED_TOKEN = "BadContextToken"  # noqa: S105 - a fault code
"""The WS-SecureConversation fault of a token the service does not (or no longer) accept."""


@dataclass(frozen=True)
class Portal:
    """Where a provider's STS and transfer service answer, and the consumer's login."""

    sts_url: str
    transfer_url: str
    username: str
    password: str = field(repr=False)


@dataclass(frozen=True)
class ClientPolicy:
    """Timeouts and limits of the BiPRO client."""

    timeout_seconds: float = 30.0
    max_response_bytes: int = 50 * 1024 * 1024
    token_margin: dt.timedelta = dt.timedelta(seconds=60)
    allow_private: bool = False


class TokenCache:
    """Tokens per portal access, reused across polls until shortly before they expire."""

    def __init__(self) -> None:
        self._tokens: dict[str, SecurityToken] = {}
        self._lock = threading.Lock()

    def get(self, key: str) -> SecurityToken | None:
        """The token kept for ``key``, if any."""
        with self._lock:
            return self._tokens.get(key)

    def put(self, key: str, token: SecurityToken) -> None:
        """Keep ``token`` for ``key``."""
        with self._lock:
            self._tokens[key] = token

    def drop(self, key: str) -> None:
        """Forget the token of ``key``."""
        with self._lock:
            self._tokens.pop(key, None)


def http_client(policy: ClientPolicy) -> httpx.Client:
    """An HTTP client for BiPRO calls: guarded destinations, no redirects."""
    return httpx.Client(
        timeout=policy.timeout_seconds,
        follow_redirects=False,
        event_hooks={"request": destination_guard(policy.allow_private)},
    )


class BiproClient:
    """A consumer of one portal's STS and transfer service."""

    def __init__(
        self,
        portal: Portal,
        policy: ClientPolicy,
        *,
        http: httpx.Client | None = None,
        tokens: TokenCache | None = None,
        token_key: str | None = None,
        now: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC),
    ) -> None:
        self.portal = portal
        self._owns_http = http is None
        self._http = http or http_client(policy)
        self._policy = policy
        self._tokens = tokens or TokenCache()
        self._key = token_key or f"{portal.sts_url}|{portal.username}"
        self._now = now
        self.tokens_issued = 0
        self.tokens_renewed = 0

    def close(self) -> None:
        """Close the HTTP connections, if this client opened them."""
        if self._owns_http:
            self._http.close()

    def __enter__(self) -> BiproClient:
        """The client itself; closed when the block ends."""
        return self

    def __exit__(self, *exc: object) -> None:
        """Close the client."""
        self.close()

    def token(self) -> SecurityToken:
        """A token valid for a while yet: the kept one, or a newly issued one."""
        kept = self._tokens.get(self._key)
        now = self._now()
        if kept is not None and kept.usable_at(now, self._policy.token_margin):
            return kept
        token = None
        if kept is not None and kept.usable_at(now, dt.timedelta(0)):
            token = self._renewed(kept)
        if token is None:
            envelope = issue_request(self.portal.username, self.portal.password)
            token = read_issue_response(self._post(self.portal.sts_url, envelope, ISSUE_OPERATION))
            self.tokens_issued += 1
        self._tokens.put(self._key, token)
        return token

    def _renewed(self, kept: SecurityToken) -> SecurityToken | None:
        """``kept`` with a new lifetime, or None if the STS does not renew it."""
        envelope = renew_request(self.portal.username, self.portal.password, kept)
        try:
            token = read_issue_response(self._post(self.portal.sts_url, envelope, ISSUE_OPERATION))
        except BiproFault:
            return None
        self.tokens_renewed += 1
        return token

    def list_shipments(self) -> list[ShipmentSummary]:
        """The shipments the provider holds ready (not yet acknowledged)."""
        return read_summaries(self.call(TRANSFER, LIST))

    def get_shipment(self, shipment_id: str) -> Shipment:
        """One shipment with its business events and documents."""
        return read_shipment(self.call(TRANSFER, GET, [shipment_id_element(shipment_id)]))

    def acknowledge_shipment(self, shipment_id: str) -> None:
        """Confirm receipt; the provider no longer lists the shipment."""
        self.call(TRANSFER, ACKNOWLEDGE, [shipment_id_element(shipment_id)])

    def call(self, namespace: str, operation: str, payload: Iterable[Element] = ()) -> Element:
        """Call ``operation`` of the service with ``payload`` (any norm's, in the message
        frame); the ``Response`` element. A refused token is issued anew once."""
        parts = list(payload)
        for attempt in (1, 2):
            envelope = request(namespace, operation, parts, token_header(self.token()))
            answer = self._post(self.portal.transfer_url, envelope, operation)
            try:
                return read_response(answer, namespace, operation)
            except BiproFault as fault:
                if fault.code != REFUSED_TOKEN or attempt == 2:
                    raise
                self._tokens.drop(self._key)
        raise AssertionError("unreachable")  # pragma: no cover

    def _post(self, url: str, envelope: Element, operation: str) -> Element:
        headers = {"content-type": "text/xml; charset=utf-8", "soapaction": f'"{operation}"'}
        try:
            with self._http.stream("POST", url, content=serialize(envelope), headers=headers) as r:
                body = self._read(r, operation)
        except httpx.HTTPError as error:
            raise BiproTransportError(f"{type(error).__name__}: {error}", operation) from None
        try:
            return parse(body)
        except UnsafeXml as error:
            raise BiproTransportError(
                f"HTTP {r.status_code}, unreadable answer: {error}", operation
            ) from None

    def _read(self, answer: httpx.Response, operation: str) -> bytes:
        limit = self._policy.max_response_bytes
        chunks, size = [], 0
        for chunk in answer.iter_bytes():
            size += len(chunk)
            if size > limit:
                raise BiproTransportError(f"the answer exceeds {limit} bytes", operation)
            chunks.append(chunk)
        body = b"".join(chunks)
        if answer.status_code >= 400 and b"Envelope" not in body[:2000]:
            raise BiproTransportError(f"HTTP {answer.status_code} without SOAP", operation)
        return body
