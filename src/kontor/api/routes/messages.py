"""Dead letters: inspect and retry deliveries that gave up."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Request
from pydantic import BaseModel

from kontor.api.body_routes import StrictJsonRoute
from kontor.api.security import requires
from kontor.api.wiring import kontor_of
from kontor.errors import NotFound
from kontor.platform import Principal

router = APIRouter(prefix="/api/messages", tags=["messaging"], route_class=StrictJsonRoute)


class DeadLetterOut(BaseModel):
    """A dead-lettered delivery."""

    message_id: str
    handler: str
    type_name: str
    attempts: int
    last_error: str | None
    updated_at: dt.datetime


class RetryOut(BaseModel):
    """How many dead deliveries were rescheduled and what the immediate retry did."""

    rescheduled: int
    handled: int
    failed: int


@router.get("/dead")
def list_dead(
    request: Request, caller: Annotated[Principal, requires("messages:read")]
) -> list[DeadLetterOut]:
    """Dead-lettered deliveries of the caller's tenant, newest first."""
    letters = kontor_of(request).dispatcher.dead_letters(tenant_id=caller.tenant_id)
    return [
        DeadLetterOut(**{k: getattr(d, k) for k in DeadLetterOut.model_fields}) for d in letters
    ]


@router.post("/{message_id}/retry")
def retry(
    message_id: str, request: Request, caller: Annotated[Principal, requires("messages:manage")]
) -> RetryOut:
    """Give a dead message's deliveries fresh attempts and retry them now."""
    dispatcher = kontor_of(request).dispatcher
    rescheduled = dispatcher.retry_dead(message_id, tenant_id=caller.tenant_id)
    if not rescheduled:
        raise NotFound(f"no dead message {message_id!r}", message_id=message_id)
    report = dispatcher.run_due_retries()
    return RetryOut(
        rescheduled=rescheduled, handled=report.handled, failed=report.failed + report.dead
    )
