"""Where Kontor's outbound HTTP (webhooks, the REST connector) may connect.

A tenant chooses the URLs, so without a guard one could make Kontor call the database, the
broker or a cloud metadata service on its own network (server-side request forgery). Unless
private networks are allowed, every request is checked before it is sent: its host must resolve
to public addresses only (not loopback, private, link-local, shared or reserved).
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable

import httpx2 as httpx


class OutboundRefused(httpx.RequestError):
    """The request's host resolves to an address outbound calls may not reach."""


def destination_guard(allow_private: bool) -> list[Callable[[httpx.Request], None]]:
    """The request hooks of an outbound client: none if private networks are allowed."""
    return [] if allow_private else [refuse_private_destination]


def refuse_private_destination(request: httpx.Request) -> None:
    """Raise ``OutboundRefused`` unless every address of the request's host is public."""
    host = request.url.host
    port = request.url.port or (443 if request.url.scheme == "https" else 80)
    try:
        addresses = {
            str(info[4][0]) for info in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        }
    except (socket.gaierror, UnicodeError):
        raise OutboundRefused(f"host {host!r} does not resolve", request=request) from None
    for address in addresses:
        if not ipaddress.ip_address(address.split("%", 1)[0]).is_global:
            raise OutboundRefused(
                f"host {host!r} resolves to a non-public address ({address}); "
                "outbound calls reach public addresses only (KONTOR_OUTBOUND_PRIVATE_NETWORKS)",
                request=request,
            )
