"""BiPRO: the transport client (STS, transfer service 430), a provider mock, the document inbox."""

from kontor.integration.bipro.client import BiproClient, ClientPolicy, Portal, TokenCache
from kontor.integration.bipro.errors import (
    BiproError,
    BiproFault,
    BiproStatusError,
    BiproTransportError,
    Meldung,
)
from kontor.integration.bipro.mock import ProviderMock, demo_shipments, provider_mock
from kontor.integration.bipro.transfer import BusinessEvent, Document, Shipment, ShipmentSummary

__all__ = [
    "BiproClient",
    "BiproError",
    "BiproFault",
    "BiproStatusError",
    "BiproTransportError",
    "BusinessEvent",
    "ClientPolicy",
    "Document",
    "Meldung",
    "Portal",
    "ProviderMock",
    "Shipment",
    "ShipmentSummary",
    "TokenCache",
    "demo_shipments",
    "provider_mock",
]
