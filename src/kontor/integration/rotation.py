"""Key rotation of the integration layer's stored credentials (``kontor secrets rotate``)."""

from __future__ import annotations

from sqlalchemy import Connection

from kontor.integration.bipro.accesses import rotate_portal_passwords
from kontor.integration.connectors.store import rotate_connection_secrets
from kontor.integration.webhooks.inbound import rotate_endpoint_secrets
from kontor.integration.webhooks.subscriptions import rotate_subscription_secrets
from kontor.platform import SecretBox


def rotate_integration_secrets(connection: Connection, box: SecretBox) -> dict[str, int]:
    """Seal every integration secret still under a retired key anew; how many, per kind."""
    return {
        "connector_credentials": rotate_connection_secrets(connection, box),
        "webhook_endpoint_secrets": rotate_endpoint_secrets(connection, box),
        "webhook_subscription_secrets": rotate_subscription_secrets(connection, box),
        "bipro_portal_passwords": rotate_portal_passwords(connection, box),
    }
