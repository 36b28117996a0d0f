"""Outbound calls reach public addresses only, unless private networks are allowed."""

from __future__ import annotations

import httpx2 as httpx
import pytest

from kontor.integration.outbound import (
    OutboundRefused,
    destination_guard,
    refuse_private_destination,
)
from kontor.settings import Environment, Settings


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:5432/",  # the database next door
        "http://localhost:15672/api/",  # the broker's management
        "http://169.254.169.254/latest/meta-data/",  # a cloud's metadata service
        "http://10.1.2.3/",
        "http://[::1]:8000/",
        "https://192.168.0.10/hook",
    ],
)
def test_a_private_or_local_destination_is_refused_naming_the_host(url: str) -> None:
    request = httpx.Request("POST", url)
    with pytest.raises(OutboundRefused, match="non-public address"):
        refuse_private_destination(request)


def test_a_public_address_passes() -> None:
    refuse_private_destination(httpx.Request("POST", "https://8.8.8.8/hook"))


def test_a_host_that_does_not_resolve_is_refused() -> None:
    request = httpx.Request("GET", "http://no-such-host.invalid/")
    with pytest.raises(OutboundRefused, match="does not resolve"):
        refuse_private_destination(request)


def test_private_networks_are_allowed_outside_production_unless_switched_off() -> None:
    assert Settings(environment=Environment.DEVELOPMENT).allows_private_outbound
    assert not Settings(
        environment=Environment.DEVELOPMENT, outbound_private_networks=False
    ).allows_private_outbound
    production = Settings(environment=Environment.PRODUCTION, secret_key="x" * 40)
    assert not production.allows_private_outbound
    assert destination_guard(allow_private=True) == []
    assert destination_guard(allow_private=False) == [refuse_private_destination]


def test_a_client_with_the_guard_never_connects_to_a_private_address() -> None:
    client = httpx.Client(event_hooks={"request": destination_guard(allow_private=False)})
    with client, pytest.raises(OutboundRefused):
        client.get("http://127.0.0.1:9/")  # the discard port: nothing must be sent at all
