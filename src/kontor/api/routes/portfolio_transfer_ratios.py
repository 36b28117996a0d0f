"""Claims ratios *Übertragen*: the broker sends its whole list; the insurer reads it per broker."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request

from kontor.api.body_routes import StrictJsonRoute
from kontor.api.exact_responses import ExactJSONResponse
from kontor.api.security import requires
from kontor.api.wiring import kontor_of
from kontor.apps.portfolio_transfer.ratios import (
    last_sent,
    ratio_list,
    received_ratios,
    transfer_ratios,
)
from kontor.platform import Principal, TenantKind, TenantStore

router = APIRouter(
    prefix="/api/apps/portfolio-transfer/claims-ratios",
    tags=["portfolio-transfer"],
    route_class=StrictJsonRoute,
)
READ, SAVE = "app:portfolio_transfer:read", "app:portfolio_transfer:save"


@router.post("/transfer")
def transfer(request: Request, caller: Annotated[Principal, requires(SAVE)]) -> ExactJSONResponse:
    """*Übertragen*: the whole list of the broker's claims ratios as it stands now."""
    with kontor_of(request).bus.unit_of_work() as uow:
        sent = transfer_ratios(uow.connection, caller.tenant_id, caller.user_id, uow.clock.now())
        uow.commit()
    return ExactJSONResponse(
        {"transfer_id": sent.transfer_id, "sent_at": sent.sent_at, "count": len(sent.ratios)}
    )


@router.get("")
def claims_ratios(
    request: Request, caller: Annotated[Principal, requires(READ)]
) -> ExactJSONResponse:
    """The broker: its claims ratios and when it last sent them. The insurer: per broker, the
    ratios of the latest sending not tied to a contract."""
    with kontor_of(request).bus.reading() as uow:
        kind = TenantStore(uow.connection).get(caller.tenant_id).kind
        if kind is TenantKind.INSURER:
            groups = received_ratios(uow.connection, caller.tenant_id)
            return ExactJSONResponse(
                {
                    "brokers": [
                        {
                            "broker_tenant_id": g.broker_tenant_id, "broker_name": g.broker_name,
                            "sent_at": g.sent_at, "items": g.ratios,
                        }
                        for g in groups
                    ]
                }
            )  # fmt: skip
        items = ratio_list(uow.connection, caller.tenant_id)
        sent = last_sent(uow.connection, caller.tenant_id)
    return ExactJSONResponse({"items": items, "last_sent": sent})
