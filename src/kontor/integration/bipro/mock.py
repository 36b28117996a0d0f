"""A BiPRO provider mock shipped with Kontor: an STS and a transfer service over fixture
shipments, as a small ASGI app for tests and demos (``kontor bipro mock``).

``POST /sts`` issues SecurityContextTokens for the configured logins and renews them;
``POST /transfer`` lists, hands out and acknowledges each login's shipments. Its status
messages use these ids: ``00100`` shipment unknown, ``00200`` acknowledgement refused (a switch
for tests), ``00300`` request not understood.
"""

from __future__ import annotations

import datetime as dt
import secrets
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from kontor.integration.bipro.errors import BiproTransportError, Meldung
from kontor.integration.bipro.frame import ERROR, NOK, fault, request_of, response
from kontor.integration.bipro.sts import (
    RENEW,
    credentials_of,
    issue_response,
    presented_token,
    request_type_of,
)
from kontor.integration.bipro.transfer import (
    ACKNOWLEDGE,
    GET,
    LIST,
    BusinessEvent,
    Document,
    Shipment,
    requested_id,
    shipment_element,
    summary_element,
)
from kontor.integration.bipro.xml import TRANSFER, Element, UnsafeXml, parse, serialize

UNKNOWN_SHIPMENT, ACKNOWLEDGE_REFUSED, NOT_UNDERSTOOD = "00100", "00200", "00300"
MAX_REQUEST_BYTES = 1024 * 1024


@dataclass
class ProviderMock:
    """The provider's state: logins, shipments per login, issued tokens, acknowledgements."""

    logins: dict[str, str]
    token_seconds: int = 3600
    now: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC)
    refuse_acknowledge: bool = False
    tokens_issued: int = 0
    tokens_renewed: int = 0
    calls: list[str] = field(default_factory=list)
    _shipments: dict[str, dict[str, Shipment]] = field(default_factory=dict)
    _acknowledged: set[tuple[str, str]] = field(default_factory=set)
    _tokens: dict[str, tuple[str, dt.datetime]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, username: str, *shipments: Shipment) -> None:
        """Hold ``shipments`` ready for ``username``."""
        with self._lock:
            held = self._shipments.setdefault(username, {})
            for shipment in shipments:
                held[shipment.shipment_id] = shipment

    def pending(self, username: str) -> list[str]:
        """The ids of ``username``'s shipments not yet acknowledged."""
        with self._lock:
            return [
                shipment_id
                for shipment_id in self._shipments.get(username, {})
                if (username, shipment_id) not in self._acknowledged
            ]

    def expire_tokens(self) -> None:
        """Let every issued token expire now (as after a provider restart)."""
        with self._lock:
            self._tokens.clear()

    def app(self) -> Starlette:
        """The ASGI app serving the STS at ``/sts`` and the transfer service at ``/transfer``."""
        return Starlette(
            routes=[
                Route("/sts", self._sts, methods=["POST"]),
                Route("/transfer", self._transfer, methods=["POST"]),
            ]
        )

    async def _sts(self, request: Request) -> Response:
        root = await _envelope(request)
        if root is None:
            return _xml(fault("soapenv:Client", "no readable SOAP request"), 400)
        username, password = credentials_of(root)
        known = self.logins.get(username)
        if known is None or not secrets.compare_digest(known, password):
            return _xml(
                fault("wsse:FailedAuthentication", "Benutzername oder Passwort falsch"), 500
            )
        request_type, renewed = request_type_of(root)
        created = self.now()
        expires = created + dt.timedelta(seconds=self.token_seconds)
        if request_type == RENEW:
            if self._holder(renewed) != username:
                return _xml(fault("wst:UnableToRenew", "Token nicht verlängerbar"), 500)
            with self._lock:
                self._tokens[renewed] = (username, expires)
                self.tokens_renewed += 1
                self.calls.append("Renew")
            return _xml(issue_response(renewed, created, expires))
        identifier = f"bipro:{secrets.token_urlsafe(24)}"
        with self._lock:
            self._tokens[identifier] = (username, expires)
            self.tokens_issued += 1
            self.calls.append("Issue")
        return _xml(issue_response(identifier, created, expires))

    async def _transfer(self, request: Request) -> Response:
        root = await _envelope(request)
        if root is None:
            return _xml(fault("soapenv:Client", "no readable SOAP request"), 400)
        username = self._holder(presented_token(root))
        if username is None:
            return _xml(fault("wsc:BadContextToken", "Token unbekannt oder abgelaufen"), 500)
        try:
            operation, inner = request_of(root, TRANSFER)
        except BiproTransportError:
            told = Meldung(ERROR, NOT_UNDERSTOOD, "Anfrage nicht verstanden")
            return _xml(fault("soapenv:Client", "no transfer call", [told]), 500)
        with self._lock:
            self.calls.append(operation)
        return _xml(self._answer(username, operation, inner))

    def _holder(self, identifier: str) -> str | None:
        with self._lock:
            held = self._tokens.get(identifier)
        if held is None or held[1] <= self.now():
            return None
        return held[0]

    def _answer(self, username: str, operation: str, inner: Element) -> Element:
        if operation == LIST:
            pending = set(self.pending(username))
            listed = [s for i, s in self._shipments.get(username, {}).items() if i in pending]
            return response(TRANSFER, LIST, (summary_element(s.summary) for s in listed))
        shipment_id = requested_id(inner)
        shipment = self._shipments.get(username, {}).get(shipment_id)
        if operation not in (GET, ACKNOWLEDGE):
            told = Meldung(ERROR, NOT_UNDERSTOOD, f"Operation {operation} nicht angeboten")
            return response(TRANSFER, operation, status=NOK, meldungen=[told])
        if shipment is None or (username, shipment_id) in self._acknowledged:
            told = Meldung(ERROR, UNKNOWN_SHIPMENT, f"Lieferung {shipment_id} nicht vorhanden")
            return response(TRANSFER, operation, status=NOK, meldungen=[told])
        if operation == GET:
            return response(TRANSFER, GET, [shipment_element(shipment)])
        if self.refuse_acknowledge:
            told = Meldung(ERROR, ACKNOWLEDGE_REFUSED, "Quittierung derzeit nicht möglich")
            return response(TRANSFER, ACKNOWLEDGE, status=NOK, meldungen=[told])
        with self._lock:
            self._acknowledged.add((username, shipment_id))
        return response(TRANSFER, ACKNOWLEDGE)


async def _envelope(request: Request) -> Element | None:
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_REQUEST_BYTES:
            return None
    try:
        return parse(body)
    except UnsafeXml:
        return None


def _xml(root: Element, status_code: int = 200) -> Response:
    return Response(serialize(root), status_code, media_type="text/xml; charset=utf-8")


def demo_shipments(at: dt.datetime | None = None) -> list[Shipment]:
    """Fixture shipments: a policy document, a settlement (430.7) and a claim notice."""
    when = at or dt.datetime(2026, 11, 30, 6, 0, tzinfo=dt.UTC)
    settlement = (
        b'<?xml version="1.0" encoding="UTF-8"?>\n<Abrechnung><Vorgangsnummer>'
        b"Abrechnung 2026/11-00042</Vorgangsnummer><Posten><ArtID>01</ArtID>"
        b"<Betrag>100.50</Betrag></Posten></Abrechnung>\n"
    )
    return [
        Shipment(
            "L-2026-0001", "110000", when,
            (BusinessEvent("Policierung", "VS-100200300", "Neuer Vertrag policiert"),),
            (Document("Police_VS-100200300.pdf", "application/pdf", b"%PDF-1.4\n% Police\n"),),
        ),
        Shipment(
            "L-2026-0002", "300000", when + dt.timedelta(minutes=5),
            (BusinessEvent("Provisionsabrechnung", "", "Abrechnung November"),),
            (Document("Abrechnung_2026-11.xml", "application/xml", settlement),),
        ),
        Shipment(
            "L-2026-0003", "120000", when + dt.timedelta(minutes=10),
            (BusinessEvent("Schadenmeldung", "VS-100200301", "Sturmschaden gemeldet"),),
            (),
        ),
    ]  # fmt: skip


def provider_mock(
    logins: dict[str, str], shipments: Iterable[Shipment] = (), **options: object
) -> ProviderMock:
    """A mock whose every login holds ``shipments``."""
    mock = ProviderMock(logins, **options)  # type: ignore[arg-type]
    for username in logins:
        mock.add(username, *shipments)
    return mock
