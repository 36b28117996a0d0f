"""Camunda 7's ``/task`` resource, answered by Kontor's task system (casework).

Every change is one of casework's own operations (claim, release, assign, delegate, resolve,
complete, comment) with its permissions, history and audit entry; process user tasks are
casework tasks, so completing one moves its process on.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from sqlalchemy import Connection, select

from kontor.api.exact_responses import ExactJSONResponse
from kontor.api.request_bodies import storable_variables
from kontor.api.wiring import kontor_of
from kontor.camunda7.auth import requires
from kontor.camunda7.errors import CamundaRoute, InvalidRequest, RestNotFound
from kontor.camunda7.queries import FirstResult, MaxResults, query_of
from kontor.camunda7.user_task_bodies import CommentIn, TaskQueryIn, TaskVariablesIn, UserIdIn
from kontor.camunda7.user_task_rows import UserTaskRow, UserTaskRows
from kontor.camunda7.user_task_views import comment_dto, task_dto
from kontor.camunda7.variables import from_camunda, to_camunda
from kontor.casework.tasks import Task, WorkOnTask
from kontor.casework.tasks.tables import task_history
from kontor.errors import PermissionDenied
from kontor.platform import Principal, principal_of
from kontor.process.errors import InstanceNotFound
from kontor.process.store import InstanceStore

router = APIRouter(prefix="/task", tags=["Camunda 7: tasks"], route_class=CamundaRoute)
Reader = Annotated[Principal, requires("tasks:read")]
Worker = Annotated[Principal, requires("tasks:work")]
COMMENT = "comment"


@router.get("")
def list_tasks(
    request: Request, caller: Reader, first_result: FirstResult = 0, max_results: MaxResults = 1000
) -> list[dict[str, Any]]:
    """The open tasks matching Camunda's query parameters (oldest first unless sorted)."""
    return _found(request, caller, query_of(request, TaskQueryIn), first_result, max_results)


@router.get("/count")
def count_tasks(request: Request, caller: Reader) -> dict[str, int]:
    """How many open tasks match Camunda's query parameters."""
    return _counted(request, caller, query_of(request, TaskQueryIn))


@router.post("")
def query_tasks(
    body: TaskQueryIn,
    request: Request,
    caller: Reader,
    first_result: FirstResult = 0,
    max_results: MaxResults = 1000,
) -> list[dict[str, Any]]:
    """The open tasks matching Camunda's query body."""
    return _found(request, caller, body, first_result, max_results)


@router.post("/count")
def query_count(body: TaskQueryIn, request: Request, caller: Reader) -> dict[str, int]:
    """How many open tasks match Camunda's query body."""
    return _counted(request, caller, body)


@router.get("/{task_id}")
def show_task(task_id: str, request: Request, caller: Reader) -> dict[str, Any]:
    """One task of the caller's tenant (an ended one too); 404 if unknown."""
    return task_dto(_row(request, caller, task_id))


@router.post("/{task_id}/claim", status_code=204)
def claim(task_id: str, body: UserIdIn, request: Request, caller: Worker) -> None:
    """Take the task from its queue; for another user it is an assignment (``tasks:manage``)."""
    if body.user_id in (None, caller.user_id):
        _work(request, caller, task_id, "claim")
    else:
        _assign(request, caller, task_id, body.user_id)


@router.post("/{task_id}/unclaim", status_code=204)
def unclaim(task_id: str, request: Request, caller: Worker) -> None:
    """Put the task back into its queue."""
    _work(request, caller, task_id, "release")


@router.post("/{task_id}/assignee", status_code=204)
def set_assignee(task_id: str, body: UserIdIn, request: Request, caller: Worker) -> None:
    """Give the task to a user (null: back to the queue); its owner or ``tasks:manage`` may."""
    _work(request, caller, task_id, "assign", user_id=body.user_id)


@router.post("/{task_id}/delegate", status_code=204)
def delegate(task_id: str, body: UserIdIn, request: Request, caller: Worker) -> None:
    """Hand the work to another user; the task comes back to its owner when resolved."""
    if body.user_id is None:
        raise InvalidRequest("delegate needs a userId")
    _work(request, caller, task_id, "delegate", user_id=body.user_id)


@router.post("/{task_id}/resolve", status_code=204)
def resolve(task_id: str, body: TaskVariablesIn, request: Request, caller: Worker) -> None:
    """The delegate is done: the task returns to its owner with the variables as form data."""
    data = storable_variables(request, from_camunda(body.variables))
    _work(request, caller, task_id, "resolve", data=data)


@router.post("/{task_id}/complete")
def complete(task_id: str, body: TaskVariablesIn, request: Request, caller: Worker) -> Response:
    """Complete the task with the variables; with ``withVariablesInReturn`` answer them all."""
    data = storable_variables(request, from_camunda(body.variables))
    task = _work(request, caller, task_id, "complete", data=data)
    if not body.with_variables_in_return:
        return Response(status_code=204)
    return ExactJSONResponse(to_camunda(_visible_after(request, caller, task)))


@router.get("/{task_id}/form-variables")
def form_variables(
    task_id: str,
    request: Request,
    caller: Reader,
    variable_names: Annotated[str | None, Query(alias="variableNames", max_length=4000)] = None,
) -> ExactJSONResponse:
    """The task's variables with its saved form data over them, typed."""
    task = _row(request, caller, task_id).task
    values = {**task.variables, **task.draft}
    if variable_names is not None:
        wanted = {name for name in variable_names.split(",") if name}
        values = {name: value for name, value in values.items() if name in wanted}
    return ExactJSONResponse(to_camunda(values))


@router.get("/{task_id}/comment")
def comments(task_id: str, request: Request, caller: Reader) -> list[dict[str, Any]]:
    """The task's comments, oldest first."""
    task = _row(request, caller, task_id).task
    return _comments(request, caller, task)


@router.get("/{task_id}/comment/{comment_id}")
def comment(task_id: str, comment_id: str, request: Request, caller: Reader) -> dict[str, Any]:
    """One comment of the task; 404 if the task has none of that id."""
    task = _row(request, caller, task_id).task
    for found in _comments(request, caller, task):
        if found["id"] == comment_id:
            return found
    raise RestNotFound(f"No comment found for task id {task_id} and comment id {comment_id}")


@router.post("/{task_id}/comment/create")
def create_comment(
    task_id: str, body: CommentIn, request: Request, caller: Worker
) -> dict[str, Any]:
    """Comment on the task (kept in its history and the audit log); answers the comment."""
    task = _work(request, caller, task_id, COMMENT, message=body.message)
    return _comments(request, caller, task)[-1]


def _found(
    request: Request, caller: Principal, query: TaskQueryIn, first: int, limit: int
) -> list[dict[str, Any]]:
    with kontor_of(request).bus.reading() as uow:
        wanted = query.criteria(_groups_of(uow.connection, caller, query.candidate_user))
        rows = UserTaskRows(uow.connection, caller.tenant_id).find(wanted, first, limit)
    return [task_dto(row) for row in rows]


def _counted(request: Request, caller: Principal, query: TaskQueryIn) -> dict[str, int]:
    with kontor_of(request).bus.reading() as uow:
        wanted = query.criteria(_groups_of(uow.connection, caller, query.candidate_user))
        return {"count": UserTaskRows(uow.connection, caller.tenant_id).count(wanted)}


def _groups_of(connection: Connection, caller: Principal, user_id: str | None) -> frozenset[str]:
    """The groups of a candidate user of the caller's tenant (none for an unknown user)."""
    if user_id is None:
        return frozenset()
    if user_id == caller.user_id:
        return frozenset(caller.groups)
    user = principal_of(connection, caller.tenant_id, user_id)
    return frozenset(user.groups) if user is not None else frozenset()


def _row(request: Request, caller: Principal, task_id: str) -> UserTaskRow:
    with kontor_of(request).bus.reading() as uow:
        row = UserTaskRows(uow.connection, caller.tenant_id).one(task_id)
    if row is None:
        raise RestNotFound(f"No matching task with id {task_id}")
    return row


def _work(
    request: Request, caller: Principal, task_id: str, operation: str, **arguments: Any
) -> Task:
    _row(request, caller, task_id)  # Camunda's 404 for an unknown task
    task: Task = kontor_of(request).bus.handle(
        WorkOnTask(
            tenant_id=caller.tenant_id, actor=caller.user_id, task_id=task_id,
            operation=operation, arguments=arguments, actor_groups=sorted(caller.groups),
            as_manager=caller.has("tasks:manage"),
        )
    )  # fmt: skip
    return task


def _assign(request: Request, caller: Principal, task_id: str, user_id: str) -> None:
    _row(request, caller, task_id)
    if not caller.has("tasks:manage"):
        raise PermissionDenied("claiming a task for another user needs tasks:manage")
    _work(request, caller, task_id, "assign", user_id=user_id)


def _visible_after(request: Request, caller: Principal, task: Task) -> dict[str, Any]:
    """The variables a completion leaves visible: the process's with the task's result."""
    if task.process_instance_id is None:
        return dict(task.variables)
    with kontor_of(request).bus.reading() as uow:
        try:
            record = InstanceStore(uow.connection, caller.tenant_id).get(task.process_instance_id)
        except InstanceNotFound:
            return dict(task.variables)
    return {**record.state.variables, **task.variables}


def _comments(request: Request, caller: Principal, task: Task) -> list[dict[str, Any]]:
    query = (
        select(task_history)
        .where(
            task_history.c.tenant_id == caller.tenant_id,
            task_history.c.task_id == task.id,
            task_history.c.operation == COMMENT,
        )
        .order_by(task_history.c.entry_id)
    )
    with kontor_of(request).bus.reading() as uow:
        rows = uow.connection.execute(query).all()
    return [
        comment_dto(row.entry_id, task.id, row.actor, row.at, str(row.details.get("message", "")),
                    task.process_instance_id)
        for row in rows
    ]  # fmt: skip
