"""Camunda 7's ``/external-task`` resource, answered by Kontor's external-task commands."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response
from starlette.concurrency import run_in_threadpool

from kontor.api.exact_responses import ExactJSONResponse
from kontor.api.params import STORED_INT_MAX
from kontor.api.request_bodies import storable_variables
from kontor.api.wiring import kontor_of
from kontor.camunda7 import jobs
from kontor.camunda7.auth import requires
from kontor.camunda7.errors import CamundaRoute
from kontor.camunda7.jobs import RetriesIn
from kontor.camunda7.task_bodies import (
    BpmnErrorIn,
    CompleteIn,
    ExtendLockIn,
    FailureIn,
    FetchIn,
    TopicIn,
)
from kontor.camunda7.task_rows import TaskFilter, TaskRow, TaskRows
from kontor.camunda7.variables import camunda_date, from_camunda, to_camunda
from kontor.platform import Principal
from kontor.process.errors import ExternalTaskNotFound
from kontor.process.external import LockedTask
from kontor.process.messages import (
    CompleteExternalTask,
    ExtendExternalTaskLock,
    ExternalTopic,
    FailExternalTask,
    LockExternalTasks,
    ThrowExternalTaskError,
    UnlockExternalTask,
)
from kontor.process.runtime.activities import ASYNC_JOB_TYPE, DECISION_JOB_TYPE

router = APIRouter(prefix="/external-task", tags=["Camunda 7: external tasks"],
                   route_class=CamundaRoute)  # fmt: skip
Worker = Annotated[Principal, requires("process:work")]
Reader = Annotated[Principal, requires("process:read")]
Operator = Annotated[Principal, requires("process:operate")]
FIRST_POLL_SECONDS = 0.05
LONGEST_POLL_SECONDS = 0.5
"""Long polling looks for new tasks this often at most (after short waits at first)."""


@router.post("/fetchAndLock")
async def fetch_and_lock(body: FetchIn, request: Request, caller: Worker) -> Response:
    """Lock tasks of the topics for the worker; with ``asyncResponseTimeout`` wait for some."""
    topics = [_topic(topic) for topic in body.topics]
    if not topics or body.max_tasks == 0:
        return ExactJSONResponse([])
    command = LockExternalTasks(
        tenant_id=caller.tenant_id, worker_id=body.worker_id, max_tasks=body.max_tasks,
        topics=topics, use_priority=body.use_priority, actor=caller.user_id,
    )  # fmt: skip
    kontor = kontor_of(request)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + (body.async_response_timeout or 0) / 1000
    pause = FIRST_POLL_SECONDS
    while True:
        locked: list[LockedTask] = await run_in_threadpool(kontor.bus.handle, command)
        remaining = deadline - loop.time()
        if locked or remaining <= 0 or await request.is_disconnected():
            break
        await asyncio.sleep(min(pause, remaining))
        pause = min(pause * 2, LONGEST_POLL_SECONDS)
    wanted = {topic.topic_name: topic for topic in body.topics}
    rows = await run_in_threadpool(_rows_of, request, caller, [t.job_id for t in locked])
    return ExactJSONResponse(
        [
            _locked(task, rows[task.job_id], body.worker_id, caller, wanted)
            for task in locked
            if task.job_id in rows  # a task that ended since it was locked is not handed out
        ]
    )


@router.post("/{job_id}/complete", status_code=204)
def complete(job_id: str, body: CompleteIn, request: Request, caller: Worker) -> None:
    """Complete a locked task with the worker's variables; the instance moves on."""
    variables = storable_variables(request, from_camunda(body.variables))
    kontor_of(request).bus.handle(
        CompleteExternalTask(
            tenant_id=caller.tenant_id, job_id=job_id, worker_id=body.worker_id,
            variables=variables, actor=caller.user_id,
        )
    )  # fmt: skip


@router.post("/{job_id}/failure", status_code=204)
def failure(job_id: str, body: FailureIn, request: Request, caller: Worker) -> None:
    """Report a failure: offered again after ``retryTimeout``, an incident at 0 retries."""
    kontor_of(request).bus.handle(
        FailExternalTask(
            tenant_id=caller.tenant_id, job_id=job_id, worker_id=body.worker_id,
            error_message=body.error_message or "", retries=body.retries,
            retry_timeout_ms=body.retry_timeout, actor=caller.user_id,
        )
    )  # fmt: skip


@router.post("/{job_id}/bpmnError", status_code=204)
def bpmn_error(job_id: str, body: BpmnErrorIn, request: Request, caller: Worker) -> None:
    """Throw a BPMN error at the task; an error boundary event catches it, else an incident."""
    variables = storable_variables(request, from_camunda(body.variables))
    kontor_of(request).bus.handle(
        ThrowExternalTaskError(
            tenant_id=caller.tenant_id, job_id=job_id, worker_id=body.worker_id,
            error_code=body.error_code, message=body.error_message or "", variables=variables,
            actor=caller.user_id,
        )
    )  # fmt: skip


@router.post("/{job_id}/extendLock", status_code=204)
def extend_lock(job_id: str, body: ExtendLockIn, request: Request, caller: Worker) -> None:
    """Keep the worker's lock ``newDuration`` milliseconds from now."""
    kontor_of(request).bus.handle(
        ExtendExternalTaskLock(
            tenant_id=caller.tenant_id, job_id=job_id, worker_id=body.worker_id,
            lock_duration_ms=body.new_duration, actor=caller.user_id,
        )
    )  # fmt: skip


@router.post("/{job_id}/unlock", status_code=204)
def unlock(job_id: str, request: Request, caller: Worker) -> None:
    """Release the task's lock, whoever holds it; any worker may fetch it again."""
    kontor_of(request).bus.handle(
        UnlockExternalTask(tenant_id=caller.tenant_id, job_id=job_id, actor=caller.user_id)
    )


@router.put("/{job_id}/retries", status_code=204)
def set_retries(job_id: str, body: RetriesIn, request: Request, caller: Operator) -> None:
    """Give a task whose failures used up its retries new ones: its incident is resolved."""
    jobs.set_retries(request, caller, job_id, body.retries, external=True)


QueryText = Annotated[str | None, Query(max_length=200)]


def task_filter(
    external_task_id: Annotated[QueryText, Query(alias="externalTaskId")] = None,
    topic_name: Annotated[QueryText, Query(alias="topicName")] = None,
    worker_id: Annotated[QueryText, Query(alias="workerId")] = None,
    process_instance_id: Annotated[QueryText, Query(alias="processInstanceId")] = None,
    process_definition_id: Annotated[QueryText, Query(alias="processDefinitionId")] = None,
    activity_id: Annotated[QueryText, Query(alias="activityId")] = None,
    locked: bool | None = None,
    not_locked: Annotated[bool | None, Query(alias="notLocked")] = None,
    with_retries_left: Annotated[bool | None, Query(alias="withRetriesLeft")] = None,
    no_retries_left: Annotated[bool | None, Query(alias="noRetriesLeft")] = None,
) -> TaskFilter:
    """Camunda's external-task query parameters."""
    return TaskFilter(
        external_task_id, topic_name, worker_id, process_instance_id, process_definition_id,
        activity_id, locked, not_locked, with_retries_left, no_retries_left,
    )  # fmt: skip


@router.get("")
def list_tasks(
    request: Request,
    caller: Reader,
    wanted: Annotated[TaskFilter, Depends(task_filter)],
    first_result: Annotated[int, Query(alias="firstResult", ge=0, le=STORED_INT_MAX)] = 0,
    max_results: Annotated[int, Query(alias="maxResults", ge=0, le=10_000)] = 10_000,
) -> list[dict[str, Any]]:
    """The open external tasks matching the filters, oldest first."""
    with kontor_of(request).bus.reading() as uow:
        rows = _rows(request, uow.connection, caller).find(
            wanted, uow.clock.now(), first_result, max_results
        )
    return [_task(row, caller) for row in rows]


@router.get("/count")
def count_tasks(
    request: Request, caller: Reader, wanted: Annotated[TaskFilter, Depends(task_filter)]
) -> dict[str, int]:
    """How many open external tasks match the filters."""
    with kontor_of(request).bus.reading() as uow:
        return {"count": _rows(request, uow.connection, caller).count(wanted, uow.clock.now())}


@router.get("/{job_id}")
def show_task(job_id: str, request: Request, caller: Reader) -> dict[str, Any]:
    """One open external task; 404 if it ended or never existed for the caller's tenant."""
    with kontor_of(request).bus.reading() as uow:
        rows = _rows(request, uow.connection, caller).by_ids([job_id])
    if job_id not in rows:
        raise ExternalTaskNotFound(f"External task with id {job_id} does not exist")
    return _task(rows[job_id], caller)


def _topic(topic: TopicIn) -> ExternalTopic:
    topic.refuse_unsupported()
    return ExternalTopic(
        name=topic.topic_name, lock_duration_ms=topic.lock_duration, variables=topic.variables
    )


def _rows(request: Request, connection: Any, caller: Principal) -> TaskRows:
    engine_types = kontor_of(request).process_jobs.handlers.types()
    return TaskRows(
        connection, caller.tenant_id, engine_types | {ASYNC_JOB_TYPE, DECISION_JOB_TYPE}
    )


def _rows_of(request: Request, caller: Principal, job_ids: list[str]) -> dict[str, TaskRow]:
    if not job_ids:
        return {}
    with kontor_of(request).bus.reading() as uow:
        return _rows(request, uow.connection, caller).by_ids(job_ids)


def _task(row: TaskRow, caller: Principal) -> dict[str, Any]:
    """Camunda's ExternalTaskDto of ``row``."""
    return {
        "activityId": row.element_id,
        "activityInstanceId": f"{row.element_id}:{row.job_id}",
        "errorMessage": row.error_message,
        "executionId": row.job_id,
        "id": row.job_id,
        "lockExpirationTime": camunda_date(row.locked_until) if row.locked_until else None,
        "createTime": camunda_date(row.created_at),
        "processDefinitionId": row.definition_id,
        "processDefinitionKey": row.process_key,
        "processDefinitionVersionTag": None,
        "processInstanceId": row.instance_id,
        "tenantId": caller.tenant_id,
        "retries": row.retries if row.error_message is not None else None,
        "suspended": row.due_at is None and row.error_message is None,
        "workerId": row.lock_owner,
        "topicName": row.topic,
        "priority": row.priority,
        "businessKey": row.business_key,
    }


def _locked(
    task: LockedTask,
    row: TaskRow,
    worker_id: str,
    caller: Principal,
    topics: dict[str, TopicIn],
) -> dict[str, Any]:
    """Camunda's LockedExternalTaskDto of a task just locked for ``worker_id``."""
    topic = topics[task.topic]
    body = _task(row, caller)
    body.pop("suspended")
    body.update(
        workerId=worker_id,
        lockExpirationTime=camunda_date(task.locked_until),
        variables=to_camunda(task.variables),
        errorDetails=None,
        extensionProperties=dict(task.headers) if topic.include_extension_properties else {},
    )
    return body
