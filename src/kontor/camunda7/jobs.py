"""Camunda 7's ``/job`` and ``/incident`` resources over Kontor's process jobs and incidents.

Setting retries is Kontor's incident resolution: a job (or external task) whose failures used
up its retries gets new ones and is offered again, recorded in the instance's operation log.
"""

from __future__ import annotations

from typing import Annotated, Any, ClassVar

from fastapi import APIRouter, Request
from pydantic import Field

from kontor.api.params import STORED_INT_MAX
from kontor.api.wiring import kontor_of
from kontor.camunda7.auth import requires
from kontor.camunda7.errors import BadUserRequest, CamundaRoute, NotSupported, RestNotFound
from kontor.camunda7.job_rows import (
    INCIDENT_SORT_KEYS,
    JOB_SORT_KEYS,
    IncidentFilter,
    JobFilter,
    JobRows,
)
from kontor.camunda7.queries import CamundaQuery, FirstResult, MaxResults, query_of, sort_order
from kontor.camunda7.task_bodies import CamundaBody
from kontor.camunda7.variables import camunda_date
from kontor.platform import Principal
from kontor.process import ResolveIncident
from kontor.process.runtime.activities import ASYNC_JOB_TYPE, DECISION_JOB_TYPE
from kontor.process.store.derived import TIMER

jobs = APIRouter(prefix="/job", tags=["Camunda 7: jobs"], route_class=CamundaRoute)
incidents = APIRouter(prefix="/incident", tags=["Camunda 7: incidents"], route_class=CamundaRoute)
Reader = Annotated[Principal, requires("process:read")]
Operator = Annotated[Principal, requires("process:operate")]
Text = Field(default=None, max_length=200)


class RetriesIn(CamundaBody):
    """The retries a job or external task gets."""

    retries: int = Field(ge=0, le=STORED_INT_MAX)


class JobQuery(CamundaQuery):
    """The parameters of ``GET /job``."""

    what: ClassVar[str] = "jobs"
    job_id: str | None = Text
    process_instance_id: str | None = Text
    process_definition_id: str | None = Text
    process_definition_key: str | None = Text
    activity_id: str | None = Text
    timers: bool = False
    messages: bool = False
    with_retries_left: bool = False
    no_retries_left: bool = False
    with_exception: bool = False
    sort_by: str | None = None
    sort_order: str | None = None

    def criteria(self) -> JobFilter:
        """The query as Kontor's filter."""
        if self.timers and self.messages:
            raise BadUserRequest("Parameter timers cannot be used together with parameter "
                                 "messages.")  # fmt: skip
        return JobFilter(
            job_id=self.job_id, instance_id=self.process_instance_id,
            definition_id=self.process_definition_id,
            definition_key=self.process_definition_key, activity_id=self.activity_id,
            timers=self.timers, messages=self.messages,
            with_retries_left=self.with_retries_left, no_retries_left=self.no_retries_left,
            with_exception=self.with_exception,
            sorting=sort_order(self.sort_by, self.sort_order, JOB_SORT_KEYS, "jobs"),
        )  # fmt: skip


class IncidentQuery(CamundaQuery):
    """The parameters of ``GET /incident``."""

    what: ClassVar[str] = "incidents"
    incident_id: str | None = Text
    incident_type: str | None = Text
    process_instance_id: str | None = Text
    process_definition_id: str | None = Text
    activity_id: str | None = Text
    configuration: str | None = Text
    sort_by: str | None = None
    sort_order: str | None = None

    def criteria(self) -> IncidentFilter:
        """The query as Kontor's filter."""
        return IncidentFilter(
            incident_id=self.incident_id, incident_type=self.incident_type,
            instance_id=self.process_instance_id, definition_id=self.process_definition_id,
            activity_id=self.activity_id, configuration=self.configuration,
            sorting=sort_order(self.sort_by, self.sort_order, INCIDENT_SORT_KEYS, "incidents"),
        )  # fmt: skip


@jobs.get("")
def list_jobs(
    request: Request, caller: Reader, first_result: FirstResult = 0, max_results: MaxResults = 1000
) -> list[dict[str, Any]]:
    """Timers and asynchronous continuations waiting to run, oldest first unless sorted."""
    wanted = query_of(request, JobQuery).criteria()
    with kontor_of(request).bus.reading() as uow:
        rows = job_rows(request, uow.connection, caller).jobs(wanted, first_result, max_results)
    return [_job(row) for row in rows]


@jobs.get("/count")
def count_jobs(request: Request, caller: Reader) -> dict[str, int]:
    """How many jobs match."""
    wanted = query_of(request, JobQuery).criteria()
    with kontor_of(request).bus.reading() as uow:
        return {"count": job_rows(request, uow.connection, caller).count_jobs(wanted)}


@jobs.get("/{job_id}")
def show_job(job_id: str, request: Request, caller: Reader) -> dict[str, Any]:
    """One job; 404 if it ran or never existed for the caller's tenant."""
    with kontor_of(request).bus.reading() as uow:
        row = job_rows(request, uow.connection, caller).job(job_id, external=False)
    if row is None:
        raise RestNotFound(f"Job with id {job_id} does not exist")
    return _job(row)


@jobs.put("/{job_id}/retries", status_code=204)
def set_job_retries(job_id: str, body: RetriesIn, request: Request, caller: Operator) -> None:
    """Give a job whose retries are used up new ones: its incident is resolved."""
    set_retries(request, caller, job_id, body.retries, external=False)


@incidents.get("")
def list_incidents(
    request: Request, caller: Reader, first_result: FirstResult = 0, max_results: MaxResults = 1000
) -> list[dict[str, Any]]:
    """The open incidents, oldest first unless sorted."""
    wanted = query_of(request, IncidentQuery).criteria()
    with kontor_of(request).bus.reading() as uow:
        found = job_rows(request, uow.connection, caller)
        rows = found.incidents(wanted, first_result, max_results)
        return [_incident(row, found.incident_type(row.job_type)) for row in rows]


@incidents.get("/count")
def count_incidents(request: Request, caller: Reader) -> dict[str, int]:
    """How many open incidents match."""
    wanted = query_of(request, IncidentQuery).criteria()
    with kontor_of(request).bus.reading() as uow:
        return {"count": job_rows(request, uow.connection, caller).count_incidents(wanted)}


def job_rows(request: Request, connection: Any, caller: Principal) -> JobRows:
    """The caller's jobs, told apart from external tasks by the engine's own job types."""
    engine_types = kontor_of(request).process_jobs.handlers.types()
    return JobRows(connection, caller.tenant_id, engine_types | {ASYNC_JOB_TYPE, DECISION_JOB_TYPE})


def set_retries(
    request: Request, caller: Principal, job_id: str, retries: int, *, external: bool
) -> None:
    """Resolve the incident of a job (or external task) with ``retries`` new retries."""
    what = "External task" if external else "Job"
    with kontor_of(request).bus.reading() as uow:
        found = job_rows(request, uow.connection, caller)
        row = found.job(job_id, external=external)
        incident_id = None if row is None else found.open_incident_of(row.instance_id,
                                                                      row.local_id)  # fmt: skip
    if row is None:
        raise RestNotFound(f"{what} with id {job_id} does not exist")
    if incident_id is None:
        raise NotSupported(f"{what} {job_id} has retries left; Kontor sets retries only of a "
                           f"job whose failures raised an incident")  # fmt: skip
    if retries == 0:
        raise NotSupported("Kontor gives a failed job at least one retry; 0 leaves the incident")
    kontor_of(request).bus.handle(
        ResolveIncident(tenant_id=caller.tenant_id, instance_id=row.instance_id,
                        incident_id=incident_id, retries=retries, actor=caller.user_id)
    )  # fmt: skip


def _job(row: Any) -> dict[str, Any]:
    """Camunda's JobDto of ``row``."""
    timer = row.kind == TIMER
    failure = row.error_message or row.incident_reason
    return {
        "id": row.job_id,
        "jobDefinitionId": None,
        "processInstanceId": row.instance_id,
        "processDefinitionId": row.definition_id,
        "processDefinitionKey": row.process_key,
        "executionId": row.local_id,
        "exceptionMessage": failure,
        "failedActivityId": row.element_id if failure is not None else None,
        "retries": 0 if row.incident_reason is not None else 1 if timer else row.retries,
        "dueDate": camunda_date(row.due_at) if timer and row.due_at else None,
        "suspended": row.due_at is None and failure is None,
        "priority": 0,
        "tenantId": row.tenant_id,
        "createTime": camunda_date(row.created_at),
        "batchId": None,
    }


def _incident(row: Any, incident_type: str) -> dict[str, Any]:
    """Camunda's IncidentDto of ``row``."""
    return {
        "id": row.incident_id,
        "processDefinitionId": row.definition_id,
        "processInstanceId": row.instance_id,
        "executionId": None,
        "incidentTimestamp": camunda_date(row.created_at),
        "incidentType": incident_type,
        "activityId": row.element_id,
        "failedActivityId": row.element_id,
        "causeIncidentId": row.incident_id,
        "rootCauseIncidentId": row.incident_id,
        "configuration": row.job_id,
        "tenantId": row.tenant_id,
        "incidentMessage": row.reason,
        "jobDefinitionId": None,
        "annotation": None,
    }
