"""Operating process instances: variables, suspend and resume, cancel, modify, migrate, incidents.

Every operation names the caller as its actor, so the operation log shows who did it.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from kontor.api.routes.process_instances import InstanceDetail, instance_detail
from kontor.api.security import requires
from kontor.api.wiring import kontor_of
from kontor.messaging import Command
from kontor.platform import Principal
from kontor.process import (
    CancelInstance,
    MigrateInstances,
    ModificationInstruction,
    ModifyInstance,
    ResolveIncident,
    ResumeInstance,
    SetVariables,
    SuspendInstance,
)

router = APIRouter(prefix="/api/process", tags=["process"])
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
    source_version: int = Field(ge=1)
    target_version: int = Field(ge=1)
    mapping: dict[str, str] = Field(default_factory=dict)
    instance_ids: list[str] | None = None
    dry_run: bool = False


class ResolveIn(BaseModel):
    """How many retries the incident's job gets again."""

    retries: int = Field(default=1, ge=1)


def _operate(
    request: Request, caller: Principal, command: Command, instance_id: str
) -> InstanceDetail:
    bus = kontor_of(request).bus
    bus.handle(command)
    with bus.unit_of_work() as uow:
        return instance_detail(uow, caller.tenant_id, instance_id)


@router.post("/instances/{instance_id}/variables")
def set_variables(
    instance_id: str, body: VariablesIn, request: Request, caller: Operator
) -> InstanceDetail:
    """Set variables of a running instance (e.g. to correct data before resolving an incident)."""
    command = SetVariables(
        tenant_id=caller.tenant_id, instance_id=instance_id, variables=body.variables,
        scope_id=body.scope_id, actor=caller.user_id,
    )  # fmt: skip
    return _operate(request, caller, command, instance_id)


@router.post("/instances/{instance_id}/suspend")
def suspend(instance_id: str, request: Request, caller: Operator) -> InstanceDetail:
    """Hold an instance: its jobs and timers wait and commands to it are refused."""
    command = SuspendInstance(
        tenant_id=caller.tenant_id, instance_id=instance_id, actor=caller.user_id
    )
    return _operate(request, caller, command, instance_id)


@router.post("/instances/{instance_id}/resume")
def resume(instance_id: str, request: Request, caller: Operator) -> InstanceDetail:
    """Let a suspended instance go on."""
    command = ResumeInstance(
        tenant_id=caller.tenant_id, instance_id=instance_id, actor=caller.user_id
    )
    return _operate(request, caller, command, instance_id)


@router.post("/instances/{instance_id}/cancel")
def cancel(instance_id: str, body: CancelIn, request: Request, caller: Operator) -> InstanceDetail:
    """End an instance (and the instances it called) without completing it."""
    command = CancelInstance(
        tenant_id=caller.tenant_id, instance_id=instance_id, reason=body.reason,
        actor=caller.user_id,
    )  # fmt: skip
    return _operate(request, caller, command, instance_id)


@router.post("/instances/{instance_id}/modify")
def modify(instance_id: str, body: ModifyIn, request: Request, caller: Operator) -> InstanceDetail:
    """Move tokens by hand: cancel activity instances, start before or after elements."""
    command = ModifyInstance(
        tenant_id=caller.tenant_id, instance_id=instance_id, instructions=body.instructions,
        actor=caller.user_id,
    )  # fmt: skip
    return _operate(request, caller, command, instance_id)


@router.post("/instances/{instance_id}/incidents/{incident_id}/resolve")
def resolve_incident(
    instance_id: str, incident_id: str, body: ResolveIn, request: Request, caller: Operator
) -> InstanceDetail:
    """Retry where an incident stopped the instance."""
    command = ResolveIncident(
        tenant_id=caller.tenant_id, instance_id=instance_id, incident_id=incident_id,
        retries=body.retries, actor=caller.user_id,
    )  # fmt: skip
    return _operate(request, caller, command, instance_id)


@router.post("/migrations")
def migrate(body: MigrationIn, request: Request, caller: Operator) -> JSONResponse:
    """Migrate instances to another version (``dry_run``: only report); answers the report."""
    report = kontor_of(request).bus.handle(
        MigrateInstances(tenant_id=caller.tenant_id, **body.model_dump(), actor=caller.user_id)
    )
    return JSONResponse(jsonable_encoder(report))
