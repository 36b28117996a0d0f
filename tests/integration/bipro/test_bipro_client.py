"""The BiPRO client against the shipped provider mock over real HTTP: tokens, list, get, ack."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from kontor.integration.bipro import (
    BiproClient,
    BiproFault,
    BiproStatusError,
    BiproTransportError,
    ClientPolicy,
    Portal,
    ProviderMock,
    TokenCache,
    demo_shipments,
    provider_mock,
)
from kontor.integration.bipro.xml import TRANSFER
from support.http_servers import serving

POLICY = ClientPolicy(timeout_seconds=30, allow_private=True)


@pytest.fixture
def mock() -> ProviderMock:
    return provider_mock({"makler-1": "geheim"}, demo_shipments())


@pytest.fixture
def base(mock: ProviderMock) -> Iterator[str]:
    with serving(mock.app()) as url:
        yield url


@pytest.fixture
def client_of(base: str) -> Iterator[Callable[..., BiproClient]]:
    """Clients of the served mock, closed after the test."""
    made: list[BiproClient] = []

    def make(password: str = "geheim", **options: Any) -> BiproClient:
        portal = Portal(f"{base}/sts", f"{base}/transfer", "makler-1", password)
        made.append(BiproClient(portal, POLICY, **options))
        return made[-1]

    yield make
    for client in made:
        client.close()


def test_lists_fetches_and_acknowledges_shipments(
    client_of: Callable[..., BiproClient], mock: ProviderMock
) -> None:
    client = client_of()
    listed = client.list_shipments()
    assert [s.shipment_id for s in listed] == ["L-2026-0001", "L-2026-0002", "L-2026-0003"]
    assert listed[0].category == "110000"
    shipment = client.get_shipment("L-2026-0001")
    assert shipment.events[0].kind == "Policierung"
    assert shipment.events[0].contract_number == "VS-100200300"
    [document] = shipment.documents
    assert document.name == "Police_VS-100200300.pdf"
    assert document.content.startswith(b"%PDF")
    client.acknowledge_shipment("L-2026-0001")
    assert [s.shipment_id for s in client.list_shipments()] == ["L-2026-0002", "L-2026-0003"]
    assert mock.tokens_issued == 1  # one token served every call


def test_a_token_is_reused_until_shortly_before_it_expires_then_renewed(
    client_of: Callable[..., BiproClient], mock: ProviderMock
) -> None:
    now = [dt.datetime.now(dt.UTC)]
    tokens = TokenCache()
    client = client_of(tokens=tokens, token_key="a", now=lambda: now[0])
    first = client.token()
    client.list_shipments()
    assert client_of(tokens=tokens, token_key="a").token() == first  # kept across clients
    now[0] = first.expires_at - dt.timedelta(seconds=30)  # within the renewal margin
    assert len(client.list_shipments()) == 3
    assert (mock.tokens_issued, mock.tokens_renewed) == (1, 1)
    renewed = client.token()
    assert renewed.identifier == first.identifier
    assert renewed.expires_at > first.expires_at


def test_a_token_past_its_expiry_or_not_renewed_is_issued_anew(
    client_of: Callable[..., BiproClient], mock: ProviderMock
) -> None:
    now = [dt.datetime.now(dt.UTC)]
    client = client_of(now=lambda: now[0])
    first = client.token()
    now[0] = first.expires_at + dt.timedelta(seconds=1)  # expired: no renewal is tried
    second = client.token()
    assert second.identifier != first.identifier
    mock.expire_tokens()  # the provider forgot it: renewal refused, a new one issued
    now[0] = second.expires_at - dt.timedelta(seconds=30)
    third = client.token()
    assert third.identifier not in (first.identifier, second.identifier)
    assert (mock.tokens_issued, mock.tokens_renewed) == (3, 0)
    assert len(client.list_shipments()) == 3


def test_a_token_the_provider_no_longer_knows_is_issued_anew_once(
    client_of: Callable[..., BiproClient], mock: ProviderMock
) -> None:
    client = client_of()
    client.list_shipments()
    mock.expire_tokens()
    assert len(client.list_shipments()) == 3
    assert mock.tokens_issued == 2


def test_wrong_credentials_are_a_fault_naming_the_cause(
    client_of: Callable[..., BiproClient],
) -> None:
    with pytest.raises(BiproFault) as refused:
        client_of(password="falsch").list_shipments()
    assert refused.value.code == "FailedAuthentication"
    assert "Passwort falsch" in str(refused.value)


def test_a_status_message_becomes_an_error_with_its_meldung(
    client_of: Callable[..., BiproClient],
) -> None:
    with pytest.raises(BiproStatusError) as refused:
        client_of().get_shipment("L-0")
    assert refused.value.status == "NOK"
    [meldung] = refused.value.meldungen
    assert meldung.meldung_id == "00100"
    assert "getShipment" in str(refused.value)
    assert "L-0 nicht vorhanden" in str(refused.value)


LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>
<lolz>&lol2;</lolz>"""


def test_a_provider_answering_entity_expansion_is_refused() -> None:
    async def hostile(request: Request) -> Response:
        return Response(LAUGHS, media_type="text/xml")

    app = Starlette(routes=[Route("/sts", hostile, methods=["POST"])])
    with serving(app) as base:
        portal = Portal(f"{base}/sts", f"{base}/transfer", "makler-1", "geheim")
        with BiproClient(portal, POLICY) as client, pytest.raises(BiproTransportError) as refused:
            client.token()
    assert "DOCTYPE" in str(refused.value)


def test_without_private_networks_a_loopback_provider_is_not_called(
    base: str, mock: ProviderMock
) -> None:
    portal = Portal(f"{base}/sts", f"{base}/transfer", "makler-1", "geheim")
    public_only = ClientPolicy(allow_private=False)
    with BiproClient(portal, public_only) as client, pytest.raises(BiproTransportError) as refused:
        client.list_shipments()
    assert "non-public address" in str(refused.value)
    assert mock.calls == []


def test_an_operation_the_provider_does_not_offer_is_a_status_error(
    client_of: Callable[..., BiproClient],
) -> None:
    with pytest.raises(BiproStatusError) as refused:
        client_of().call(TRANSFER, "getAbrechnung")
    assert [m.meldung_id for m in refused.value.meldungen] == ["00300"]
