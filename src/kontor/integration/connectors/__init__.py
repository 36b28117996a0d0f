"""REST connectors: the ``http`` service task and the tenant's connections it logs in with."""

from kontor.integration.connectors.auth import TokenCache, TokenRefused
from kontor.integration.connectors.http_task import (
    TASK_TYPE,
    ConnectorFailed,
    ConnectorPolicy,
    HttpConnector,
    HttpStatusError,
)
from kontor.integration.connectors.store import (
    AUTH_KINDS,
    ConnectionInfo,
    ConnectionStore,
    Credentials,
)

__all__ = [
    "AUTH_KINDS",
    "TASK_TYPE",
    "ConnectionInfo",
    "ConnectionStore",
    "ConnectorFailed",
    "ConnectorPolicy",
    "Credentials",
    "HttpConnector",
    "HttpStatusError",
    "TokenCache",
    "TokenRefused",
]
