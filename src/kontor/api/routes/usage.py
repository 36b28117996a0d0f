"""The usage meter: billable transactions per month, of the caller's tenant or (operator) all."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel

from kontor.api.body_routes import StrictJsonRoute
from kontor.api.security import requires
from kontor.api.wiring import kontor_of
from kontor.db import reading
from kontor.errors import NotFound
from kontor.platform import Principal
from kontor.platform.usage import Usage, UsageMeter

router = APIRouter(prefix="/api/usage", tags=["usage"], route_class=StrictJsonRoute)
Month = Annotated[
    str | None, Query(pattern=r"^\d{4}-(0[1-9]|1[0-2])$", description="YYYY-MM (Europe/Berlin)")
]


class UsageOut(BaseModel):
    """How many transactions of one action a tenant made in one month."""

    tenant_id: str
    month: str
    action: str
    count: int

    @classmethod
    def of(cls, usage: Usage) -> UsageOut:
        """The response body for ``usage``."""
        return cls(**vars(usage))


def _meter(request: Request) -> UsageMeter:
    meter = kontor_of(request).usage
    if meter is None:
        raise NotFound("the usage meter is switched off (KONTOR_USAGE_BILLABLE_ACTIONS is empty)")
    return meter


@router.get("")
def own_usage(
    request: Request, caller: Annotated[Principal, requires("usage:read")], month: Month = None
) -> list[UsageOut]:
    """The caller's tenant's billable transactions per month and action."""
    meter = _meter(request)
    with reading(kontor_of(request).engine) as connection:
        return [UsageOut.of(u) for u in meter.usage(connection, month, caller.tenant_id)]


@router.get("/tenants")
def all_usage(
    request: Request,
    _caller: Annotated[Principal, requires("usage:read_all")],
    month: Month = None,
    tenant_id: str | None = None,
) -> list[UsageOut]:
    """Every tenant's billable transactions per month and action (for the operator)."""
    meter = _meter(request)
    with reading(kontor_of(request).engine) as connection:
        return [UsageOut.of(u) for u in meter.usage(connection, month, tenant_id)]
