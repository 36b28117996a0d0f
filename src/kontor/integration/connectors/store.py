"""Connector connections of a tenant: base settings and credentials, encrypted at rest."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import Connection, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from kontor.db.ids import time_ordered_id
from kontor.errors import Conflict, InvalidInput, NotFound
from kontor.integration.connectors.tables import connector_connections
from kontor.platform import SecretBox

NONE, BASIC, BEARER, OAUTH2 = "none", "basic", "bearer", "oauth2"
AUTH_KINDS = (NONE, BASIC, BEARER, OAUTH2)
SETTINGS = {NONE: (), BASIC: ("username",), BEARER: (), OAUTH2: ("token_url", "client_id")}
"""The settings each kind of authentication requires (``scope`` is optional for OAuth2)."""
SECRET_FIELD = {BASIC: "password", BEARER: "token", OAUTH2: "client_secret"}


@dataclass(frozen=True)
class ConnectionInfo:
    """A connection as the API shows it: no secret, only whether one is stored."""

    connection_id: str
    tenant_id: str
    name: str
    auth: str
    settings: dict[str, Any]
    has_secret: bool
    created_at: dt.datetime
    updated_at: dt.datetime


@dataclass(frozen=True)
class Credentials:
    """A connection with its decrypted secret, for the connector only."""

    connection_id: str
    name: str
    auth: str
    settings: Mapping[str, Any]
    secret: str | None = field(repr=False)
    version: str = ""


class ConnectionStore:
    """The connector connections of one tenant."""

    def __init__(self, connection: Connection, tenant_id: str, box: SecretBox) -> None:
        self._connection = connection
        self._tenant_id = tenant_id
        self._box = box

    def create(
        self,
        name: str,
        auth: str,
        settings: Mapping[str, Any],
        secret: str | None,
        now: dt.datetime,
    ) -> ConnectionInfo:
        """Store a connection; its secret is encrypted and never shown again."""
        _check(auth, settings, secret)
        connection_id = time_ordered_id()
        try:
            with self._connection.begin_nested():
                self._connection.execute(
                    insert(connector_connections).values(
                        connection_id=connection_id,
                        tenant_id=self._tenant_id,
                        name=name,
                        auth=auth,
                        settings=dict(settings),
                        secret_encrypted=None
                        if secret is None
                        else self._box.encrypt(secret, _context(connection_id)),
                        created_at=now,
                        updated_at=now,
                    )
                )
        except IntegrityError:
            raise Conflict(f"a connection named {name!r} exists", field="name") from None
        return self.get(connection_id)

    def all(self) -> list[ConnectionInfo]:
        """The tenant's connections by name."""
        rows = self._connection.execute(
            select(connector_connections)
            .where(connector_connections.c.tenant_id == self._tenant_id)
            .order_by(connector_connections.c.name)
        )
        return [_info(row) for row in rows]

    def get(self, connection_id: str) -> ConnectionInfo:
        """One connection of the tenant; NotFound for any other."""
        return _info(
            self._row(connector_connections.c.connection_id == connection_id, connection_id)
        )

    def delete(self, connection_id: str) -> None:
        """Delete a connection with its credentials."""
        self.get(connection_id)
        self._connection.execute(
            delete(connector_connections).where(
                connector_connections.c.tenant_id == self._tenant_id,
                connector_connections.c.connection_id == connection_id,
            )
        )

    def credentials(self, name: str) -> Credentials:
        """The connection called ``name`` with its secret decrypted."""
        row = self._row(connector_connections.c.name == name, name)
        secret = (
            None
            if row.secret_encrypted is None
            else self._box.decrypt(row.secret_encrypted, _context(row.connection_id))
        )
        return Credentials(
            row.connection_id, row.name, row.auth, dict(row.settings), secret,
            row.updated_at.isoformat(),
        )  # fmt: skip

    def _row(self, condition: Any, named: str) -> Any:
        row = self._connection.execute(
            select(connector_connections).where(
                connector_connections.c.tenant_id == self._tenant_id, condition
            )
        ).first()
        if row is None:
            raise NotFound(f"no connector connection {named!r}", connection=named)
        return row


def _check(auth: str, settings: Mapping[str, Any], secret: str | None) -> None:
    if auth not in AUTH_KINDS:
        raise InvalidInput(f"one of {', '.join(AUTH_KINDS)}", field="auth")
    for name in SETTINGS[auth]:
        if not isinstance(settings.get(name), str) or not settings[name]:
            raise InvalidInput(f"{auth} needs settings.{name}", field=f"settings.{name}")
    if auth == OAUTH2:
        try:
            parts = urlsplit(str(settings["token_url"]))
        except ValueError:  # e.g. an unclosed IPv6 bracket
            raise InvalidInput("no readable URL", field="settings.token_url") from None
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise InvalidInput("an http or https URL", field="settings.token_url")
    if auth in SECRET_FIELD and not secret:
        raise InvalidInput(f"{auth} needs a {SECRET_FIELD[auth]}", field="secret")
    if auth == NONE and secret:
        raise InvalidInput("a connection without authentication keeps no secret", field="secret")


def _info(row: Any) -> ConnectionInfo:
    return ConnectionInfo(
        row.connection_id, row.tenant_id, row.name, row.auth, dict(row.settings),
        row.secret_encrypted is not None, row.created_at, row.updated_at,
    )  # fmt: skip


def _context(connection_id: str) -> str:
    return f"connector-connection:{connection_id}"


def rotate_connection_secrets(connection: Connection, box: SecretBox) -> int:
    """Seal every connection's credential still under a retired key anew; how many."""
    table = connector_connections
    rows = connection.execute(
        select(table.c.connection_id, table.c.secret_encrypted).where(
            table.c.secret_encrypted.is_not(None)
        )
    ).all()
    return box.reseal_all(
        rows,
        _context,
        lambda key, fresh: connection.execute(
            update(table).where(table.c.connection_id == key).values(secret_encrypted=fresh)
        ),
    )
