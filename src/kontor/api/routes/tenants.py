"""Tenants: the caller's own, and creation by platform administrators."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from kontor.api.body_routes import StrictJsonRoute
from kontor.api.security import requires
from kontor.api.wiring import kontor_of
from kontor.platform import Principal, Tenant, TenantStore

router = APIRouter(prefix="/api/tenants", tags=["platform"], route_class=StrictJsonRoute)


class TenantOut(BaseModel):
    """A tenant."""

    tenant_id: str
    name: str
    created_at: dt.datetime

    @classmethod
    def of(cls, tenant: Tenant) -> TenantOut:
        """The response body for ``tenant``."""
        return cls(tenant_id=tenant.tenant_id, name=tenant.name, created_at=tenant.created_at)


class TenantIn(BaseModel):
    """A tenant to create."""

    tenant_id: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,63}$")
    name: str = Field(min_length=1, max_length=200)


@router.get("/current")
def current_tenant(
    request: Request, caller: Annotated[Principal, requires("tenants:read")]
) -> TenantOut:
    """The caller's tenant."""
    with kontor_of(request).bus.reading() as uow:
        return TenantOut.of(TenantStore(uow.connection).get(caller.tenant_id))


@router.post("", status_code=201)
def create_tenant(
    body: TenantIn, request: Request, caller: Annotated[Principal, requires("platform:tenants")]
) -> TenantOut:
    """Create a tenant (platform administrators only)."""
    del caller  # the permission is the whole check: tenants are not tenant-scoped
    bus = kontor_of(request).bus
    with bus.unit_of_work() as uow:
        tenant = TenantStore(uow.connection).add(body.tenant_id, body.name, bus.clock.now())
        uow.commit()
    return TenantOut.of(tenant)
