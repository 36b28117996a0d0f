"""Schedules of the caller's tenant: create, list, pause, resume, run now, delete, run history."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request, Response
from pydantic import BaseModel, Field

from kontor.api.body_routes import StrictJsonRoute
from kontor.api.security import requires
from kontor.api.wiring import kontor_of
from kontor.integration.scheduler import (
    CreateSchedule,
    DeleteSchedule,
    Misfire,
    PauseSchedule,
    ResumeSchedule,
    RunRecord,
    RunScheduleNow,
    SchedulableCommands,
    ScheduleRecord,
    ScheduleStore,
)
from kontor.platform import Principal

router = APIRouter(prefix="/api/schedules", tags=["schedules"], route_class=StrictJsonRoute)
ScheduleId = Annotated[str, Path(max_length=36)]


class ScheduleIn(BaseModel):
    """A new schedule: its rhythm and the command each firing sends."""

    name: str = Field(min_length=1, max_length=200)
    cron: str = Field(min_length=1, max_length=200, description="five fields, or six (seconds)")
    time_zone: str = Field(default="Europe/Berlin", max_length=64)
    window: str | None = Field(default=None, max_length=100, examples=["Mo-Fr 08:00-20:00"])
    holiday_state: str | None = Field(default=None, max_length=8, examples=["BY"])
    misfire: Misfire = Misfire.RUN_ONCE
    misfire_grace_seconds: int = Field(default=60, ge=0, le=7 * 24 * 3600)
    command_type: str = Field(max_length=200, examples=["process.start"])
    command_payload: dict[str, Any] = Field(default_factory=dict)


class ScheduleOut(BaseModel):
    """A schedule as stored, with its next due time (None: paused or none ahead)."""

    schedule_id: str
    name: str
    cron: str
    time_zone: str
    window: str | None
    holiday_state: str | None
    misfire: Misfire
    misfire_grace_seconds: int
    command_type: str
    command_payload: dict[str, Any]
    paused: bool
    next_due_at: dt.datetime | None
    created_by: str | None
    created_at: dt.datetime
    updated_at: dt.datetime

    @classmethod
    def of(cls, record: ScheduleRecord) -> ScheduleOut:
        """The response body of ``record``."""
        fields = {name: getattr(record, name) for name in cls.model_fields}
        fields["command_payload"] = dict(record.command_payload)
        return cls(**fields)


class RunOut(BaseModel):
    """One run: when it was due and fired, and what became of its command."""

    run_id: str
    due_at: dt.datetime
    trigger: str
    result: str = Field(description="missed | pending | done | retrying | failed")
    fired_at: dt.datetime
    lateness_ms: int
    duration_ms: int | None
    message_id: str | None

    @classmethod
    def of(cls, run: RunRecord) -> RunOut:
        """The response body of ``run``."""
        return cls(**{name: getattr(run, name) for name in cls.model_fields})


class RunStarted(BaseModel):
    """The run a "run now" recorded; its command is on its way."""

    run_id: str


def _commands(request: Request) -> SchedulableCommands:
    scheduler = kontor_of(request).scheduler
    assert scheduler is not None, "bootstrap wires the scheduler"
    return scheduler.commands


@router.get("")
def list_schedules(
    request: Request, caller: Annotated[Principal, requires("schedules:read")]
) -> list[ScheduleOut]:
    """The tenant's schedules by name."""
    with kontor_of(request).bus.reading() as uow:
        found = ScheduleStore(uow.connection, caller.tenant_id).listed()
    return [ScheduleOut.of(record) for record in found]


@router.post("", status_code=201)
def create_schedule(
    body: ScheduleIn, request: Request, caller: Annotated[Principal, requires("schedules:manage")]
) -> ScheduleOut:
    """Create a schedule; its author must be allowed to send its command by hand."""
    caller.require(_commands(request).permission_for(body.command_type))
    command = CreateSchedule(tenant_id=caller.tenant_id, actor=caller.user_id, **body.model_dump())
    return ScheduleOut.of(kontor_of(request).bus.handle(command))


@router.get("/{schedule_id}")
def show_schedule(
    schedule_id: ScheduleId,
    request: Request,
    caller: Annotated[Principal, requires("schedules:read")],
) -> ScheduleOut:
    """One schedule of the tenant."""
    with kontor_of(request).bus.reading() as uow:
        return ScheduleOut.of(ScheduleStore(uow.connection, caller.tenant_id).get(schedule_id))


@router.get("/{schedule_id}/runs")
def list_runs(
    schedule_id: ScheduleId,
    request: Request,
    caller: Annotated[Principal, requires("schedules:read")],
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> list[RunOut]:
    """The schedule's latest runs first, with the result and duration of each command."""
    with kontor_of(request).bus.reading() as uow:
        store = ScheduleStore(uow.connection, caller.tenant_id)
        store.get(schedule_id)
        return [RunOut.of(run) for run in store.runs(schedule_id, limit)]


@router.post("/{schedule_id}/pause")
def pause_schedule(
    schedule_id: ScheduleId,
    request: Request,
    caller: Annotated[Principal, requires("schedules:manage")],
) -> ScheduleOut:
    """Stop the schedule's firings until it is resumed."""
    command = PauseSchedule(
        tenant_id=caller.tenant_id, actor=caller.user_id, schedule_id=schedule_id
    )
    return ScheduleOut.of(kontor_of(request).bus.handle(command))


@router.post("/{schedule_id}/resume")
def resume_schedule(
    schedule_id: ScheduleId,
    request: Request,
    caller: Annotated[Principal, requires("schedules:manage")],
) -> ScheduleOut:
    """Fire the schedule again from its next due time after now."""
    command = ResumeSchedule(
        tenant_id=caller.tenant_id, actor=caller.user_id, schedule_id=schedule_id
    )
    return ScheduleOut.of(kontor_of(request).bus.handle(command))


@router.post("/{schedule_id}/run", status_code=202)
def run_schedule_now(
    schedule_id: ScheduleId,
    request: Request,
    caller: Annotated[Principal, requires("schedules:run")],
) -> RunStarted:
    """Send the schedule's command once now; the caller must be allowed to send it by hand."""
    with kontor_of(request).bus.reading() as uow:
        schedule = ScheduleStore(uow.connection, caller.tenant_id).get(schedule_id)
    caller.require(_commands(request).permission_for(schedule.command_type))
    command = RunScheduleNow(
        tenant_id=caller.tenant_id, actor=caller.user_id, schedule_id=schedule_id
    )
    return RunStarted(run_id=kontor_of(request).bus.handle(command))


@router.delete("/{schedule_id}", status_code=204)
def delete_schedule(
    schedule_id: ScheduleId,
    request: Request,
    caller: Annotated[Principal, requires("schedules:manage")],
) -> Response:
    """Delete the schedule, its pending firing and its run history."""
    command = DeleteSchedule(
        tenant_id=caller.tenant_id, actor=caller.user_id, schedule_id=schedule_id
    )
    kontor_of(request).bus.handle(command)
    return Response(status_code=204)
