"""Task deadlines: when a task must be started and done, and the escalation if it is not."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict

from kontor.api.body_routes import StrictJsonRoute
from kontor.api.security import requires
from kontor.api.wiring import kontor_of
from kontor.casework.tasks import TaskStore
from kontor.casework.tasks.deadline_messages import (
    DeadlineSpec,
    EscalationAction,
    SetTaskDeadlines,
)
from kontor.casework.tasks.deadline_store import Deadline, DeadlineStore
from kontor.platform import Principal

router = APIRouter(prefix="/api/tasks", tags=["tasks"], route_class=StrictJsonRoute)


class DeadlinesIn(BaseModel):
    """A task's deadlines; one left out (or null) is removed."""

    model_config = ConfigDict(extra="forbid")

    start: DeadlineSpec | None = None
    completion: DeadlineSpec | None = None


class DeadlineOut(BaseModel):
    """One deadline: when, what happens if it passes, and whether it was met or missed."""

    kind: str
    at: dt.datetime
    escalation: list[EscalationAction]
    met_at: dt.datetime | None
    missed_at: dt.datetime | None

    @classmethod
    def of(cls, deadline: Deadline) -> DeadlineOut:
        """The response body for ``deadline``."""
        return cls(
            kind=deadline.kind, at=deadline.due_at, escalation=list(deadline.escalation),
            met_at=deadline.met_at, missed_at=deadline.missed_at,
        )  # fmt: skip


@router.get("/{task_id}/deadlines")
def show_deadlines(
    task_id: str, request: Request, caller: Annotated[Principal, requires("tasks:read")]
) -> list[DeadlineOut]:
    """The task's start and completion deadlines."""
    with kontor_of(request).bus.reading() as uow:
        TaskStore(uow.connection, caller.tenant_id).get(task_id)  # 404 for another's task
        deadlines = DeadlineStore(uow.connection, caller.tenant_id).of(task_id)
    return [DeadlineOut.of(d) for d in deadlines]


@router.put("/{task_id}/deadlines")
def set_deadlines(
    task_id: str,
    body: DeadlinesIn,
    request: Request,
    caller: Annotated[Principal, requires("tasks:manage")],
) -> list[DeadlineOut]:
    """Set the task's deadlines and their escalation; the timers follow at once."""
    deadlines: list[Deadline] = kontor_of(request).bus.handle(
        SetTaskDeadlines(
            tenant_id=caller.tenant_id, actor=caller.user_id, task_id=task_id,
            start=body.start, completion=body.completion,
        )
    )  # fmt: skip
    return [DeadlineOut.of(d) for d in deadlines]
