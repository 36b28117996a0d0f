"""External task workers: fetch and lock tasks by topic, then complete, fail or throw errors.

A worker reports only on tasks it holds an unexpired lock for; otherwise it gets a 409 and
fetches again.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from kontor.api.body_routes import StrictJsonRoute
from kontor.api.params import DURATION_MS_MAX, STORED_INT_MAX
from kontor.api.request_bodies import storable_variables
from kontor.api.security import requires
from kontor.api.wiring import kontor_of
from kontor.platform import Principal
from kontor.process.external import LockedTask
from kontor.process.messages import (
    CompleteExternalTask,
    ExtendExternalTaskLock,
    ExternalTopic,
    FailExternalTask,
    LockExternalTasks,
    ThrowExternalTaskError,
)

router = APIRouter(
    prefix="/api/process/external-tasks", tags=["external tasks"], route_class=StrictJsonRoute
)
Worker = Annotated[Principal, requires("process:work")]
WorkerId = Annotated[str, Field(min_length=1)]


class FetchIn(BaseModel):
    """Which topics the worker serves and how many tasks it takes at most."""

    worker_id: WorkerId
    max_tasks: int = Field(default=10, ge=1, le=1000)
    topics: list[ExternalTopic] = Field(min_length=1)
    use_priority: bool = False  # the highest priority (``camunda:taskPriority``) first


class CompleteIn(BaseModel):
    """The worker's result."""

    worker_id: WorkerId
    variables: dict[str, Any] = Field(default_factory=dict)


class FailureIn(BaseModel):
    """Why the worker failed, how many retries are left and when to offer the task again."""

    worker_id: WorkerId
    error_message: str
    retries: int = Field(ge=0, le=STORED_INT_MAX)
    retry_timeout_ms: int = Field(default=0, ge=0, le=DURATION_MS_MAX)


class BpmnErrorIn(BaseModel):
    """A business error for an error boundary event to catch."""

    worker_id: WorkerId
    error_code: str = Field(min_length=1)
    message: str = ""
    variables: dict[str, Any] = Field(default_factory=dict)


class ExtendLockIn(BaseModel):
    """How long from now the worker keeps its lock."""

    worker_id: WorkerId
    new_duration_ms: int = Field(ge=1, le=DURATION_MS_MAX)


class LockOut(BaseModel):
    """Until when the worker holds the task."""

    locked_until: dt.datetime


@router.post("/fetch-and-lock")
def fetch_and_lock(body: FetchIn, request: Request, caller: Worker) -> list[LockedTask]:
    """Lock due tasks of the topics for the worker, oldest first (``use_priority``: the highest
    priority first), possibly none."""
    tasks: list[LockedTask] = kontor_of(request).bus.handle(
        LockExternalTasks(tenant_id=caller.tenant_id, **body.model_dump(), actor=caller.user_id)
    )
    return tasks


@router.post("/{job_id}/complete", status_code=204)
def complete(job_id: str, body: CompleteIn, request: Request, caller: Worker) -> None:
    """Complete a locked task with result variables; the instance moves on."""
    body.variables = storable_variables(request, body.variables)
    kontor_of(request).bus.handle(
        CompleteExternalTask(
            tenant_id=caller.tenant_id, job_id=job_id, **body.model_dump(), actor=caller.user_id
        )
    )


@router.post("/{job_id}/failure", status_code=204)
def fail(job_id: str, body: FailureIn, request: Request, caller: Worker) -> None:
    """Report a failure: offered again after the timeout, or an incident without retries."""
    kontor_of(request).bus.handle(
        FailExternalTask(
            tenant_id=caller.tenant_id, job_id=job_id, **body.model_dump(), actor=caller.user_id
        )
    )


@router.post("/{job_id}/bpmn-error", status_code=204)
def bpmn_error(job_id: str, body: BpmnErrorIn, request: Request, caller: Worker) -> None:
    """Throw a BPMN error at the task; an error boundary event catches it, else an incident."""
    body.variables = storable_variables(request, body.variables)
    kontor_of(request).bus.handle(
        ThrowExternalTaskError(
            tenant_id=caller.tenant_id, job_id=job_id, **body.model_dump(), actor=caller.user_id
        )
    )


@router.post("/{job_id}/extend-lock")
def extend_lock(job_id: str, body: ExtendLockIn, request: Request, caller: Worker) -> LockOut:
    """Keep the task locked ``new_duration_ms`` from now."""
    until: dt.datetime = kontor_of(request).bus.handle(
        ExtendExternalTaskLock(
            tenant_id=caller.tenant_id, job_id=job_id, worker_id=body.worker_id,
            lock_duration_ms=body.new_duration_ms, actor=caller.user_id,
        )
    )  # fmt: skip
    return LockOut(locked_until=until)
