"""REST connector connections of a tenant: where ``http`` tasks call and how they log in."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Request, Response
from pydantic import BaseModel, Field

from kontor.api.body_routes import StrictJsonRoute
from kontor.api.security import requires
from kontor.api.wiring import kontor_of
from kontor.bootstrap import Kontor
from kontor.errors import NotFound
from kontor.integration.connectors import ConnectionInfo, ConnectionStore
from kontor.platform import Principal, SecretBox

router = APIRouter(prefix="/api/connectors", tags=["connectors"], route_class=StrictJsonRoute)
Id = Annotated[str, Path(max_length=36)]


class ConnectionIn(BaseModel):
    """A new connection: its name (named by tasks), authentication, settings and secret."""

    name: str = Field(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9_.-]+$")
    auth: Literal["none", "basic", "bearer", "oauth2"] = "none"
    settings: dict[str, Annotated[str, Field(max_length=2000)]] = Field(default_factory=dict)
    secret: str | None = Field(default=None, min_length=1, max_length=1000)


class ConnectionOut(BaseModel):
    """A connection; its secret is never answered, only whether one is stored."""

    connection_id: str
    name: str
    auth: str
    settings: dict[str, Any]
    has_secret: bool
    created_at: dt.datetime
    updated_at: dt.datetime

    @classmethod
    def of(cls, info: ConnectionInfo) -> ConnectionOut:
        """The response body of ``info``."""
        return cls(**{name: getattr(info, name) for name in cls.model_fields})


def _box(kontor: Kontor) -> SecretBox:
    if kontor.integration is None:
        raise NotFound("connectors are not wired in this process")
    return kontor.integration.webhooks.box


@router.post("/connections", status_code=201)
def create_connection(
    body: ConnectionIn,
    request: Request,
    caller: Annotated[Principal, requires("connectors:manage")],
) -> ConnectionOut:
    """Store a connection; its secret is encrypted and never shown again."""
    kontor = kontor_of(request)
    with kontor.bus.unit_of_work() as uow:
        store = ConnectionStore(uow.connection, caller.tenant_id, _box(kontor))
        created = store.create(body.name, body.auth, body.settings, body.secret, uow.clock.now())
        uow.commit()
    return ConnectionOut.of(created)


@router.get("/connections")
def list_connections(
    request: Request, caller: Annotated[Principal, requires("connectors:read")]
) -> list[ConnectionOut]:
    """The tenant's connections."""
    kontor = kontor_of(request)
    with kontor.bus.reading() as uow:
        found = ConnectionStore(uow.connection, caller.tenant_id, _box(kontor)).all()
    return [ConnectionOut.of(c) for c in found]


@router.get("/connections/{connection_id}")
def show_connection(
    connection_id: Id, request: Request, caller: Annotated[Principal, requires("connectors:read")]
) -> ConnectionOut:
    """One connection of the tenant."""
    kontor = kontor_of(request)
    with kontor.bus.reading() as uow:
        return ConnectionOut.of(
            ConnectionStore(uow.connection, caller.tenant_id, _box(kontor)).get(connection_id)
        )


@router.delete("/connections/{connection_id}", status_code=204)
def delete_connection(
    connection_id: Id,
    request: Request,
    caller: Annotated[Principal, requires("connectors:manage")],
) -> Response:
    """Delete a connection with its credentials."""
    kontor = kontor_of(request)
    with kontor.bus.unit_of_work() as uow:
        ConnectionStore(uow.connection, caller.tenant_id, _box(kontor)).delete(connection_id)
        uow.commit()
    return Response(status_code=204)
