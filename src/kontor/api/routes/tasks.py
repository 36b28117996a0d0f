"""Tasks: work lists, a task with its history, standalone creation and every operation."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from pydantic import BaseModel, Field

from kontor.api.body_routes import StrictJsonRoute
from kontor.api.exact_responses import ExactJSONResponse
from kontor.api.security import requires
from kontor.api.wiring import kontor_of
from kontor.casework.tasks import (
    OPERATIONS,
    CreateTask,
    HistoryEntry,
    Sort,
    Task,
    TaskFilter,
    TaskQueries,
    TaskState,
    TaskStore,
    View,
    Viewer,
    WorkOnTask,
)
from kontor.platform import Principal

router = APIRouter(prefix="/api/tasks", tags=["tasks"], route_class=StrictJsonRoute)

OperationName = Annotated[str, Path(pattern="^(" + "|".join(OPERATIONS) + ")$")]


class TaskIn(BaseModel):
    """A standalone task: reserved for ``assignee``, else in its candidates' queue."""

    name: str = Field(min_length=1, max_length=500)
    description: str | None = None
    assignee: str | None = None
    candidate_users: list[str] = Field(default_factory=list)
    candidate_groups: list[str] = Field(default_factory=list)
    priority: int = Field(default=50, ge=0, le=100)
    due_at: dt.datetime | None = None
    follow_up_at: dt.datetime | None = None
    form_key: str | None = None
    case_id: str | None = None
    variables: dict[str, Any] = Field(default_factory=dict)


class OperationIn(BaseModel):
    """The arguments of an operation; each operation takes only its own (others are 422)."""

    user_id: str | None = None
    group_id: str | None = None
    reason: str | None = None
    priority: int | None = Field(default=None, ge=0, le=100)
    data: dict[str, Any] | None = None
    to_process: bool | None = None


class TaskOut(BaseModel):
    """A task as people see it in a work list."""

    task_id: str
    name: str
    description: str | None
    state: TaskState
    owner: str | None
    assignee: str | None
    candidate_users: list[str]
    candidate_groups: list[str]
    priority: int
    due_at: dt.datetime | None
    follow_up_at: dt.datetime | None
    form_key: str | None
    case_id: str | None
    delegation: str | None
    outcome: str | None
    process_instance_id: str | None
    created_at: dt.datetime

    @classmethod
    def of(cls, task: Task) -> TaskOut:
        """The response body for ``task``."""
        fields = {name: getattr(task, name) for name in TaskOut.model_fields if name != "task_id"}
        return cls(task_id=task.id, **fields)


class HistoryOut(BaseModel):
    """One operation on the task: who, when, what, why."""

    operation: str
    actor: str | None
    at: dt.datetime
    state: TaskState
    reason: str | None
    details: dict[str, Any]

    @classmethod
    def of(cls, entry: HistoryEntry) -> HistoryOut:
        """The response body for ``entry``."""
        return cls(
            operation=entry.operation, actor=entry.actor, at=entry.at, state=entry.state,
            reason=entry.reason, details=dict(entry.details),
        )  # fmt: skip


class TaskDetail(TaskOut):
    """A task with its variables, its draft and its whole history."""

    variables: dict[str, Any]
    draft: dict[str, Any]
    history: list[HistoryOut]


class TaskPageOut(BaseModel):
    """One page of a work list; pass ``next_cursor`` as ``cursor`` for the next."""

    items: list[TaskOut]
    next_cursor: str | None


class CountOut(BaseModel):
    """How many tasks a work list holds."""

    count: int


def _filter(
    view: View,
    state: list[TaskState] | None,
    assignee: str | None,
    group: str | None,
    case_id: str | None,
    due_before: dt.datetime | None,
) -> TaskFilter:
    return TaskFilter(view, tuple(state or ()), assignee, group, case_id, due_before)


def _viewer(caller: Principal) -> Viewer:
    return Viewer(caller.user_id, caller.groups)


@router.get("")
def list_tasks(
    request: Request,
    caller: Annotated[Principal, requires("tasks:read")],
    view: View = View.ALL,
    state: Annotated[list[TaskState] | None, Query()] = None,
    assignee: str | None = None,
    group: str | None = None,
    case_id: str | None = None,
    due_before: dt.datetime | None = None,
    sort: Sort = Sort.DUE,
    cursor: str | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> TaskPageOut:
    """A work list (mine, my groups' queue, delegated by me, overdue, all) of open tasks."""
    kontor = kontor_of(request)
    wanted = _filter(view, state, assignee, group, case_id, due_before)
    with kontor.bus.unit_of_work() as uow:
        page = TaskQueries(uow.connection, caller.tenant_id).page(
            _viewer(caller), wanted, sort, limit, cursor, kontor.clock.now()
        )
    return TaskPageOut(items=[TaskOut.of(t) for t in page.items], next_cursor=page.next_cursor)


@router.get("/count")
def count_tasks(
    request: Request,
    caller: Annotated[Principal, requires("tasks:read")],
    view: View = View.ALL,
    state: Annotated[list[TaskState] | None, Query()] = None,
    assignee: str | None = None,
    group: str | None = None,
    case_id: str | None = None,
    due_before: dt.datetime | None = None,
) -> CountOut:
    """How many tasks a work list holds (the same filters as the list)."""
    kontor = kontor_of(request)
    wanted = _filter(view, state, assignee, group, case_id, due_before)
    with kontor.bus.unit_of_work() as uow:
        count = TaskQueries(uow.connection, caller.tenant_id).count(
            _viewer(caller), wanted, kontor.clock.now()
        )
    return CountOut(count=count)


@router.post("", status_code=201, response_model=TaskDetail)
def create_task(
    body: TaskIn, request: Request, caller: Annotated[Principal, requires("tasks:create")]
) -> ExactJSONResponse:
    """Create a standalone task; its creator owns it."""
    kontor = kontor_of(request)
    task: Task = kontor.bus.handle(
        CreateTask(tenant_id=caller.tenant_id, actor=caller.user_id, **body.model_dump())
    )
    return _detail(request, caller, task.id, status_code=201)


@router.get("/{task_id}", response_model=TaskDetail)
def show_task(
    task_id: str, request: Request, caller: Annotated[Principal, requires("tasks:read")]
) -> ExactJSONResponse:
    """A task with its variables, draft and history."""
    return _detail(request, caller, task_id)


@router.post("/{task_id}/{operation}", response_model=TaskDetail)
def work_on_task(
    task_id: str,
    operation: OperationName,
    body: OperationIn,
    request: Request,
    caller: Annotated[Principal, requires("tasks:work")],
) -> ExactJSONResponse:
    """Do an operation (claim, delegate, complete, ...); 409 when the task's state forbids it.

    With ``tasks:manage`` the caller may act on others' tasks (assign, escalate, ...).
    """
    kontor_of(request).bus.handle(
        WorkOnTask(
            tenant_id=caller.tenant_id, actor=caller.user_id, task_id=task_id,
            operation=operation, arguments=body.model_dump(exclude_none=True),
            actor_groups=sorted(caller.groups), as_manager=caller.has("tasks:manage"),
        )
    )  # fmt: skip
    return _detail(request, caller, task_id)


def _detail(
    request: Request, caller: Principal, task_id: str, status_code: int = 200
) -> ExactJSONResponse:
    # Returned as a response so FastAPI's encoder never turns Decimal variables into floats.
    with kontor_of(request).bus.unit_of_work() as uow:
        store = TaskStore(uow.connection, caller.tenant_id)
        task, _ = store.get(task_id)
        history = store.history(task_id)
    detail = TaskDetail(
        **TaskOut.of(task).model_dump(),
        variables={},
        draft={},
        history=[HistoryOut.of(entry) for entry in history],
    ).model_dump(mode="json")
    detail["variables"], detail["draft"] = dict(task.variables), dict(task.draft)
    return ExactJSONResponse(detail, status_code=status_code)
