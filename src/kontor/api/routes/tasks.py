"""Tasks: work lists, a task with its history, standalone creation and every operation."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request
from pydantic import BaseModel, Field

from kontor.api.body_routes import StrictJsonRoute
from kontor.api.exact_responses import ExactJSONResponse
from kontor.api.routes.task_filters import WorkListQuery, work_list_query
from kontor.api.security import requires
from kontor.api.wiring import kontor_of
from kontor.casework.tasks import (
    OPERATIONS,
    CreateTask,
    HistoryEntry,
    NewTaskFields,
    Sort,
    Task,
    TaskQueries,
    TaskState,
    TaskStore,
    Viewer,
    WorkOnTask,
    read_history,
)
from kontor.platform import Principal

router = APIRouter(prefix="/api/tasks", tags=["tasks"], route_class=StrictJsonRoute)
COUNT_EXACT_UP_TO = 100
"""Up to this many tasks the count is exact; beyond it PostgreSQL's estimate is given (an exact
count walks every matching task: on a group's queue of 20,000 with a case-data filter, counting
to 1,000 took over a second on the loaded benchmark machine, to 100 a tenth of that)."""

OperationName = Annotated[str, Path(pattern="^(" + "|".join(OPERATIONS) + ")$")]


class TaskIn(NewTaskFields):
    """A standalone task: reserved for ``assignee``, else in its candidates' queue."""


class OperationIn(BaseModel):
    """The arguments of an operation; each operation takes only its own (others are 422)."""

    user_id: str | None = None
    group_id: str | None = None
    reason: str | None = None
    priority: int | None = Field(default=None, ge=0, le=100)
    data: dict[str, Any] | None = None
    to_process: bool | None = None
    message: str | None = Field(default=None, max_length=4000)


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
    form_version: int | None
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
    """How many tasks a work list holds; ``estimated``: beyond ``COUNT_EXACT_UP_TO`` tasks the
    database's estimate rather than a count (to be shown as "about")."""

    count: int
    estimated: bool = False


def viewer_of(caller: Principal) -> Viewer:
    """The caller as the viewer of a work list."""
    return Viewer(caller.user_id, caller.groups)


@router.get("")
def list_tasks(
    request: Request,
    caller: Annotated[Principal, requires("tasks:read")],
    query: Annotated[WorkListQuery, Depends(work_list_query)],
    sort: Sort | None = None,
    cursor: str | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> TaskPageOut:
    """A work list (mine, my groups' queue, delegated by me, overdue, all) of open tasks,
    narrowed by filters, a saved (``filter_id``) or inline (``filter``) filter and a search."""
    kontor = kontor_of(request)
    wanted, saved_sort = query.resolve(request, caller)
    with kontor.bus.reading() as uow:
        page = TaskQueries(uow.connection, caller.tenant_id).page(
            viewer_of(caller),
            wanted,
            sort or saved_sort or Sort.DUE,
            limit,
            cursor,
            kontor.clock.now(),
        )
    return TaskPageOut(items=[TaskOut.of(t) for t in page.items], next_cursor=page.next_cursor)


@router.get("/count")
def count_tasks(
    request: Request,
    caller: Annotated[Principal, requires("tasks:read")],
    query: Annotated[WorkListQuery, Depends(work_list_query)],
) -> CountOut:
    """How many tasks a work list holds (the same filters as the list)."""
    kontor = kontor_of(request)
    wanted, _ = query.resolve(request, caller)
    with kontor.bus.reading() as uow:
        counted = TaskQueries(uow.connection, caller.tenant_id).count_or_estimate(
            viewer_of(caller), wanted, kontor.clock.now(), COUNT_EXACT_UP_TO
        )
    return CountOut(count=counted.count, estimated=counted.estimated)


@router.post("", status_code=201, response_model=TaskDetail)
def create_task(
    body: TaskIn, request: Request, caller: Annotated[Principal, requires("tasks:create")]
) -> ExactJSONResponse:
    """Create a standalone task; its creator owns it."""
    kontor = kontor_of(request)
    task: Task = kontor.bus.handle(
        CreateTask(tenant_id=caller.tenant_id, actor=caller.user_id, **body.model_dump())
    )
    return _answer_after(request, caller, task, status_code=201)


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
    task: Task = kontor_of(request).bus.handle(
        WorkOnTask(
            tenant_id=caller.tenant_id, actor=caller.user_id, task_id=task_id,
            operation=operation, arguments=body.model_dump(exclude_none=True),
            actor_groups=sorted(caller.groups), as_manager=caller.has("tasks:manage"),
        )
    )  # fmt: skip
    return _answer_after(request, caller, task)


def _detail(
    request: Request, caller: Principal, task_id: str, status_code: int = 200
) -> ExactJSONResponse:
    with kontor_of(request).bus.reading() as uow:
        store = TaskStore(uow.connection, caller.tenant_id)
        task, _ = store.get(task_id)
        history = store.history(task_id)
    return _answer(task, history, status_code)


def _answer_after(
    request: Request, caller: Principal, task: Task, status_code: int = 200
) -> ExactJSONResponse:
    """The task as a command just left it, with its history read after the commit."""
    history = read_history(kontor_of(request).engine, caller.tenant_id, task.id)
    return _answer(task, history, status_code)


def _answer(task: Task, history: list[HistoryEntry], status_code: int) -> ExactJSONResponse:
    # Returned as a response so FastAPI's encoder never turns Decimal variables into floats.
    detail = TaskDetail(
        **TaskOut.of(task).model_dump(),
        variables={},
        draft={},
        history=[HistoryOut.of(entry) for entry in history],
    ).model_dump(mode="json")
    detail["variables"], detail["draft"] = dict(task.variables), dict(task.draft)
    return ExactJSONResponse(detail, status_code=status_code)
