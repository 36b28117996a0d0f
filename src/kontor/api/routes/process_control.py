"""Operating process instances: variables, suspend and resume, cancel, modify, migrate, incidents,
ad-hoc sub-processes.

Every operation names the caller as its actor, so the operation log shows who did it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from kontor.api.body_routes import StrictJsonRoute
from kontor.api.exact_responses import ExactJSONResponse
from kontor.api.params import STORED_INT_MAX
from kontor.api.request_bodies import storable_variables
from kontor.api.routes.process_instances import InstanceDetail, exact, instance_detail
from kontor.api.security import requires
from kontor.api.wiring import kontor_of
from kontor.messaging import Command
from kontor.platform import Principal
from kontor.process import (
    ActivateAdHocActivity,
    CancelInstance,
    CompleteAdHocSubProcess,
    MigrateInstances,
    ModificationInstruction,
    ModifyInstance,
    ResolveIncident,
    ResumeInstance,
    SetVariables,
    SuspendInstance,
)

router = APIRouter(prefix="/api/process", tags=["process"], route_class=StrictJsonRoute)
Operator = Annotated[Principal, requires("process:operate")]


class VariablesIn(BaseModel):
    """Variables to set on the process scope (or on scope ``scope_id``)."""

    variables: dict[str, Any] = Field(min_length=1)
    scope_id: str | None = None


class CancelIn(BaseModel):
    """Why the instance is cancelled."""

    reason: str = ""


class ModifyIn(BaseModel):
    """Instructions applied in order, all or none."""

    instructions: list[ModificationInstruction] = Field(min_length=1)


class MigrationIn(BaseModel):
    """Which instances move from which version to which, with an element mapping."""

    process_key: str = Field(min_length=1)
    source_version: int = Field(ge=1, le=STORED_INT_MAX)
    target_version: int = Field(ge=1, le=STORED_INT_MAX)
    mapping: dict[str, str] = Field(default_factory=dict)
    instance_ids: list[str] | None = None
    dry_run: bool = False


class AdHocIn(BaseModel):
    """Which instance of the ad-hoc sub-process, when it runs more than once."""

    scope_id: str | None = None


class ResolveIn(BaseModel):
    """How many retries the incident's job gets again."""

    retries: int = Field(default=1, ge=1, le=STORED_INT_MAX)


def _operate(
    request: Request,
    caller: Principal,
    instance_id: str,
    kind: Callable[..., Command],
    **fields: Any,
) -> ExactJSONResponse:
    """Handle a ``kind`` command on the instance in the caller's name; answer the instance."""
    bus = kontor_of(request).bus
    bus.handle(
        kind(tenant_id=caller.tenant_id, instance_id=instance_id, actor=caller.user_id, **fields)
    )
    with bus.reading() as uow:
        return exact(instance_detail(uow, caller.tenant_id, instance_id))


@router.post("/instances/{instance_id}/variables", response_model=InstanceDetail)
def set_variables(
    instance_id: str, body: VariablesIn, request: Request, caller: Operator
) -> ExactJSONResponse:
    """Set variables of a running instance (e.g. to correct data before resolving an incident)."""
    body.variables = storable_variables(request, body.variables)
    return _operate(request, caller, instance_id, SetVariables, **dict(body))


@router.post("/instances/{instance_id}/suspend", response_model=InstanceDetail)
def suspend(instance_id: str, request: Request, caller: Operator) -> ExactJSONResponse:
    """Hold an instance: its jobs and timers wait and commands to it are refused."""
    return _operate(request, caller, instance_id, SuspendInstance)


@router.post("/instances/{instance_id}/resume", response_model=InstanceDetail)
def resume(instance_id: str, request: Request, caller: Operator) -> ExactJSONResponse:
    """Let a suspended instance go on."""
    return _operate(request, caller, instance_id, ResumeInstance)


@router.post("/instances/{instance_id}/cancel", response_model=InstanceDetail)
def cancel(
    instance_id: str, body: CancelIn, request: Request, caller: Operator
) -> ExactJSONResponse:
    """End an instance (and the instances it called) without completing it."""
    return _operate(request, caller, instance_id, CancelInstance, **dict(body))


@router.post("/instances/{instance_id}/modify", response_model=InstanceDetail)
def modify(
    instance_id: str, body: ModifyIn, request: Request, caller: Operator
) -> ExactJSONResponse:
    """Move tokens by hand: cancel activity instances, start before or after elements."""
    for index, instruction in enumerate(body.instructions):
        where = f"instructions.{index}.variables"
        instruction.variables = storable_variables(request, instruction.variables, where)
    return _operate(request, caller, instance_id, ModifyInstance, **dict(body))


@router.post(
    "/instances/{instance_id}/incidents/{incident_id}/resolve", response_model=InstanceDetail
)
def resolve_incident(
    instance_id: str, incident_id: str, body: ResolveIn, request: Request, caller: Operator
) -> ExactJSONResponse:
    """Retry where an incident stopped the instance."""
    return _operate(
        request, caller, instance_id, ResolveIncident, incident_id=incident_id, **dict(body)
    )


@router.post(
    "/instances/{instance_id}/ad-hoc-activities/{element_id}/activate",
    response_model=InstanceDetail,
)
def activate_ad_hoc_activity(
    instance_id: str, element_id: str, body: AdHocIn, request: Request, caller: Operator
) -> ExactJSONResponse:
    """Start an enabled inner activity of a running ad-hoc sub-process."""
    return _operate(
        request, caller, instance_id, ActivateAdHocActivity, element_id=element_id, **dict(body)
    )


@router.post(
    "/instances/{instance_id}/ad-hoc-sub-processes/{element_id}/complete",
    response_model=InstanceDetail,
)
def complete_ad_hoc_sub_process(
    instance_id: str, element_id: str, body: AdHocIn, request: Request, caller: Operator
) -> ExactJSONResponse:
    """Complete a running ad-hoc sub-process with no inner activity running."""
    return _operate(
        request, caller, instance_id, CompleteAdHocSubProcess, element_id=element_id, **dict(body)
    )


@router.post("/migrations")
def migrate(body: MigrationIn, request: Request, caller: Operator) -> JSONResponse:
    """Migrate instances to another version (``dry_run``: only report); answers the report."""
    report = kontor_of(request).bus.handle(
        MigrateInstances(tenant_id=caller.tenant_id, **body.model_dump(), actor=caller.user_id)
    )
    return JSONResponse(jsonable_encoder(report))
