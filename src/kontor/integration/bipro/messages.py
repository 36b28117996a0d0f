"""Commands and events of the BiPRO document inbox."""

from __future__ import annotations

from kontor.messaging import Command, Event


class PollPortalAccess(Command, type_name="bipro.poll_portal_access"):
    """Poll one portal access for new shipments (what its schedule sends every two hours)."""

    access_id: str


class ShipmentReceived(Event, type_name="bipro.shipment_received"):
    """A new shipment arrived in the inbox of a portal access."""

    access_id: str
    access_name: str
    insurer: str
    inbox_id: str
    shipment_id: str
    category: str
    owner_id: str
    documents: int
    business_events: int
