"""Tenants: the caller's own, broker systems, and tenants of every kind for the operator."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, Request
from pydantic import BaseModel, Field

from kontor.api.body_routes import StrictJsonRoute
from kontor.api.routes.auth import send_after_response
from kontor.api.routes.users import UserOut
from kontor.api.security import requires
from kontor.api.wiring import kontor_of
from kontor.platform import (
    ALLOW_SUB_BROKERS,
    CREATE_TENANT,
    DeletedBrokerSystem,
    Directory,
    Principal,
    Tenant,
    TenantKind,
    TenantStore,
    provision_tenant,
    record_identity_change,
)

router = APIRouter(prefix="/api/tenants", tags=["platform"], route_class=StrictJsonRoute)

TENANT_ID = r"^[a-z0-9][a-z0-9_-]{0,63}$"
Operator = Annotated[Principal, requires("platform:tenants")]
BrokerManager = Annotated[Principal, requires("platform:broker_systems")]


class TenantOut(BaseModel):
    """A tenant."""

    tenant_id: str
    name: str
    created_at: dt.datetime
    kind: TenantKind
    parent_tenant_id: str | None
    allows_sub_brokers: bool

    @classmethod
    def of(cls, tenant: Tenant) -> TenantOut:
        """The response body for ``tenant``."""
        return cls(
            tenant_id=tenant.tenant_id,
            name=tenant.name,
            created_at=tenant.created_at,
            kind=tenant.kind,
            parent_tenant_id=tenant.parent_tenant_id,
            allows_sub_brokers=tenant.allows_sub_brokers,
        )


class TenantIn(BaseModel):
    """A tenant to create, with the groups of its kind."""

    tenant_id: str = Field(pattern=TENANT_ID)
    name: str = Field(min_length=1, max_length=200)
    kind: TenantKind = TenantKind.BROKER
    allows_sub_brokers: bool = False


class TenantChangeIn(BaseModel):
    """What the operator changes on a broker system."""

    allows_sub_brokers: bool


class BrokerSystemIn(BaseModel):
    """A broker system to create: company, contact person, e-mail and the first user's login.

    Without a password the contact person gets an invitation e-mail to set one.
    """

    tenant_id: str = Field(pattern=TENANT_ID)
    company_name: str = Field(min_length=1, max_length=200)
    contact_name: str = Field(min_length=1, max_length=200)
    email: str = Field(min_length=3, max_length=254, pattern=r"^[^@\s]+@[^@\s]+$")
    login: str = Field(min_length=3, max_length=254)
    password: str | None = Field(default=None, min_length=1, max_length=1024)


class BrokerSystemOut(BaseModel):
    """A new broker system and its first user."""

    tenant: TenantOut
    user: UserOut


class DeletedBrokerSystemOut(BaseModel):
    """What deleting a broker system removed: its tenants (itself first), rows per table, and
    what ended with it (other tenants' cases of its requests, its files), counted by kind."""

    tenant_ids: list[str]
    deleted_rows: dict[str, int]
    ended: dict[str, int]

    @classmethod
    def of(cls, deleted: DeletedBrokerSystem) -> DeletedBrokerSystemOut:
        """The response body for ``deleted``."""
        return cls(tenant_ids=deleted.tenant_ids, deleted_rows=deleted.rows, ended=deleted.ended)


@router.get("/current")
def current_tenant(
    request: Request, caller: Annotated[Principal, requires("tenants:read")]
) -> TenantOut:
    """The caller's tenant."""
    with kontor_of(request).bus.reading() as uow:
        return TenantOut.of(TenantStore(uow.connection).get(caller.tenant_id))


@router.get("/broker-systems")
def list_broker_systems(request: Request, caller: BrokerManager) -> list[TenantOut]:
    """The broker systems created under my tenant."""
    kontor = kontor_of(request)
    with kontor.bus.unit_of_work() as uow:
        return [TenantOut.of(t) for t in kontor.administration.broker_systems(uow, caller)]


@router.post("/broker-systems", status_code=201)
def create_broker_system(
    body: BrokerSystemIn, request: Request, background: BackgroundTasks, caller: BrokerManager
) -> BrokerSystemOut:
    """Create a broker system under my tenant, its first user in the Vermittler group."""
    kontor = kontor_of(request)
    with kontor.bus.unit_of_work() as uow:
        tenant, user = kontor.administration.create_broker_system(
            uow,
            caller,
            tenant_id=body.tenant_id,
            company_name=body.company_name,
            contact_name=body.contact_name,
            email=body.email,
            login=body.login,
            password=body.password,
        )
        invitation = None if body.password else kontor.recovery.invite(uow, user)
        uow.commit()
        directory = Directory(uow.connection, tenant.tenant_id)
        out = BrokerSystemOut(tenant=TenantOut.of(tenant), user=UserOut.of(user, directory))
    if invitation is not None:
        send_after_response(background, request, invitation)
    return out


@router.delete("/broker-systems/{tenant_id}")
def delete_broker_system(
    tenant_id: str, request: Request, caller: BrokerManager
) -> DeletedBrokerSystemOut:
    """Delete a broker system under my tenant for good: every row of it and its sub-brokers."""
    return _delete_broker_system(request, caller, tenant_id, as_operator=False)


@router.get("")
def list_tenants(request: Request, caller: Operator) -> list[TenantOut]:
    """Every tenant (the operator's view)."""
    del caller  # the permission is the whole check: the operator sees every tenant
    with kontor_of(request).bus.unit_of_work() as uow:
        return [TenantOut.of(tenant) for tenant in TenantStore(uow.connection).list()]


@router.post("", status_code=201)
def create_tenant(body: TenantIn, request: Request, caller: Operator) -> TenantOut:
    """Create a tenant of any kind with its groups (the operator only)."""
    # the permission is the whole check: tenants are not tenant-scoped
    bus = kontor_of(request).bus
    with bus.unit_of_work() as uow:
        tenant = provision_tenant(
            uow.connection,
            body.tenant_id,
            body.name,
            body.kind,
            uow.clock.now(),
            allows_sub_brokers=body.allows_sub_brokers,
        )
        record_identity_change(
            uow, CREATE_TENANT, ("tenant", tenant.tenant_id), caller.tenant_id, caller.user_id,
            kind=tenant.kind.value, allows_sub_brokers=tenant.allows_sub_brokers,
        )  # fmt: skip
        uow.commit()
    return TenantOut.of(tenant)


@router.patch("/{tenant_id}")
def change_tenant(
    tenant_id: str, body: TenantChangeIn, request: Request, caller: Operator
) -> TenantOut:
    """Let a broker system hold broker systems of its own, or stop it (the operator only)."""
    # the permission is the whole check: the operator manages every tenant
    with kontor_of(request).bus.unit_of_work() as uow:
        tenant = TenantStore(uow.connection).allow_sub_brokers(tenant_id, body.allows_sub_brokers)
        record_identity_change(
            uow, ALLOW_SUB_BROKERS, ("tenant", tenant_id), caller.tenant_id, caller.user_id,
            allowed=body.allows_sub_brokers,
        )  # fmt: skip
        uow.commit()
    return TenantOut.of(tenant)


@router.delete("/{tenant_id}")
def delete_tenant(tenant_id: str, request: Request, caller: Operator) -> DeletedBrokerSystemOut:
    """Delete any broker system for good, with its sub-brokers (the operator only)."""
    return _delete_broker_system(request, caller, tenant_id, as_operator=True)


def _delete_broker_system(
    request: Request, caller: Principal, tenant_id: str, *, as_operator: bool
) -> DeletedBrokerSystemOut:
    kontor = kontor_of(request)
    with kontor.bus.unit_of_work() as uow:
        deleted = kontor.administration.delete_broker_system(
            uow, caller, tenant_id, as_operator=as_operator
        )
        uow.commit()
    return DeletedBrokerSystemOut.of(deleted)
