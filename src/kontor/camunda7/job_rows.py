"""Reading Kontor's process jobs and incidents as Camunda's ``/job`` and ``/incident`` list them.

Camunda's jobs are what the engine runs itself: timers and asynchronous continuations (and
Kontor's in-process task types); every other job is an external task for workers.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Connection, Select, and_, func, or_, select

from kontor.process.store.derived import JOB, TIMER
from kontor.process.store.tables import process_incidents as incidents
from kontor.process.store.tables import process_instances as instances
from kontor.process.store.tables import process_jobs as jobs

JOB_SORT_KEYS: dict[str, Any] = {
    "jobId": jobs.c.job_id,
    "jobDueDate": jobs.c.due_at,
    "executionId": jobs.c.local_id,
    "processInstanceId": jobs.c.instance_id,
    "processDefinitionId": instances.c.definition_id,
    "processDefinitionKey": instances.c.process_key,
    "jobRetries": jobs.c.retries,
    "tenantId": jobs.c.tenant_id,
}
"""Camunda's ``sortBy`` values Kontor sorts jobs by."""

INCIDENT_SORT_KEYS: dict[str, Any] = {
    "incidentId": incidents.c.incident_id,
    "incidentMessage": incidents.c.reason,
    "incidentTimestamp": incidents.c.created_at,
    "activityId": incidents.c.element_id,
    "processInstanceId": incidents.c.instance_id,
    "processDefinitionId": instances.c.definition_id,
    "configuration": jobs.c.job_id,
    "tenantId": incidents.c.tenant_id,
}
"""Camunda's ``sortBy`` values Kontor sorts incidents by."""

FAILED_JOB = "failedJob"
FAILED_EXTERNAL_TASK = "failedExternalTask"
FAILED_STEP = "failedActivity"
"""An incident no job failed in (an expression, a missing decision): Kontor's own type."""


@dataclass(frozen=True)
class JobFilter:
    """Criteria of Camunda's job query; None (or false) does not filter."""

    job_id: str | None = None
    instance_id: str | None = None
    definition_id: str | None = None
    definition_key: str | None = None
    activity_id: str | None = None
    timers: bool = False
    messages: bool = False
    with_retries_left: bool = False
    no_retries_left: bool = False
    with_exception: bool = False
    sorting: Sequence[tuple[str, bool]] = ()


@dataclass(frozen=True)
class IncidentFilter:
    """Criteria of Camunda's incident query; None does not filter."""

    incident_id: str | None = None
    incident_type: str | None = None
    instance_id: str | None = None
    definition_id: str | None = None
    activity_id: str | None = None
    configuration: str | None = None
    sorting: Sequence[tuple[str, bool]] = ()


class JobRows:
    """One tenant's engine jobs and open incidents on a connection."""

    def __init__(self, connection: Connection, tenant_id: str, engine_types: Collection[str]):
        self._connection = connection
        self._tenant_id = tenant_id
        self._engine_types = sorted(engine_types)

    def jobs(self, wanted: JobFilter, first: int, limit: int) -> list[Any]:
        """The jobs matching ``wanted``, oldest first unless sorted."""
        query = _ordered(self._jobs(wanted), JOB_SORT_KEYS, wanted.sorting, jobs.c.created_at,
                         jobs.c.job_id)  # fmt: skip
        return list(self._connection.execute(query.offset(first).limit(limit)))

    def count_jobs(self, wanted: JobFilter) -> int:
        """How many jobs match ``wanted``."""
        return self._count(self._jobs(wanted))

    def job(self, job_id: str, *, external: bool) -> Any | None:
        """One engine job (or, with ``external``, one external task) of the tenant by id."""
        query = self._all_jobs(external).where(jobs.c.job_id == job_id)
        return self._connection.execute(query).first()

    def open_incident_of(self, instance_id: str, local_id: str) -> str | None:
        """The id of the open incident a job's failures raised, if any."""
        return self._connection.execute(
            select(incidents.c.incident_id).where(
                incidents.c.tenant_id == self._tenant_id,
                incidents.c.instance_id == instance_id,
                incidents.c.job_local_id == local_id,
                incidents.c.resolved_at.is_(None),
            )
        ).scalar_one_or_none()

    def incidents(self, wanted: IncidentFilter, first: int, limit: int) -> list[Any]:
        """The open incidents matching ``wanted``, oldest first unless sorted."""
        query = _ordered(self._incidents(wanted), INCIDENT_SORT_KEYS, wanted.sorting,
                         incidents.c.created_at, incidents.c.incident_id)  # fmt: skip
        return list(self._connection.execute(query.offset(first).limit(limit)))

    def count_incidents(self, wanted: IncidentFilter) -> int:
        """How many open incidents match ``wanted``."""
        return self._count(self._incidents(wanted))

    def incident_type(self, job_type: str | None) -> str:
        """Camunda's incident type for an incident of a job of ``job_type`` (None: no job)."""
        if job_type is None:
            return FAILED_STEP
        return FAILED_JOB if job_type in self._engine_types else FAILED_EXTERNAL_TASK

    def _count(self, query: Select[Any]) -> int:
        counted = select(func.count()).select_from(query.subquery())
        return int(self._connection.execute(counted).scalar_one())

    def _all_jobs(self, external: bool = False) -> Select[Any]:
        engine_run = or_(jobs.c.kind == TIMER,
                         and_(jobs.c.kind == JOB, jobs.c.type.in_(self._engine_types)))  # fmt: skip
        external_task = and_(jobs.c.kind == JOB, jobs.c.type.is_not(None),
                             jobs.c.type.not_in(self._engine_types))  # fmt: skip
        reason = _open_incident(incidents.c.reason).limit(1).scalar_subquery()
        return (
            select(
                jobs,
                instances.c.definition_id,
                instances.c.process_key,
                reason.label("incident_reason"),
            )
            .join(instances, instances.c.instance_id == jobs.c.instance_id)
            .where(
                jobs.c.tenant_id == self._tenant_id,
                instances.c.tenant_id == self._tenant_id,
                external_task if external else engine_run,
            )
        )

    def _jobs(self, wanted: JobFilter) -> Select[Any]:
        equal = {
            jobs.c.job_id: wanted.job_id,
            jobs.c.instance_id: wanted.instance_id,
            instances.c.definition_id: wanted.definition_id,
            instances.c.process_key: wanted.definition_key,
            jobs.c.element_id: wanted.activity_id,
        }
        conditions: list[ColumnElement[bool]] = [
            column == value for column, value in equal.items() if value is not None
        ]
        if wanted.timers:
            conditions.append(jobs.c.kind == TIMER)
        if wanted.messages:
            conditions.append(jobs.c.kind == JOB)
        failed = _open_incident().exists()
        if wanted.no_retries_left:
            conditions.append(failed)
        if wanted.with_retries_left:
            conditions.append(~failed)
        if wanted.with_exception:
            conditions.append(or_(failed, jobs.c.error_message.is_not(None)))
        return self._all_jobs().where(*conditions)

    def _incidents(self, wanted: IncidentFilter) -> Select[Any]:
        query = (
            select(
                incidents, instances.c.definition_id, jobs.c.job_id, jobs.c.type.label("job_type"),
            )
            .join(instances, instances.c.instance_id == incidents.c.instance_id)
            .outerjoin(jobs, and_(jobs.c.instance_id == incidents.c.instance_id,
                                  jobs.c.local_id == incidents.c.job_local_id))
            .where(
                incidents.c.tenant_id == self._tenant_id,
                instances.c.tenant_id == self._tenant_id,
                incidents.c.resolved_at.is_(None),
            )
        )  # fmt: skip
        equal = {
            incidents.c.incident_id: wanted.incident_id,
            incidents.c.instance_id: wanted.instance_id,
            instances.c.definition_id: wanted.definition_id,
            incidents.c.element_id: wanted.activity_id,
            jobs.c.job_id: wanted.configuration,
        }
        conditions = [column == value for column, value in equal.items() if value is not None]
        kind = wanted.incident_type
        if kind == FAILED_STEP:
            conditions.append(incidents.c.job_local_id.is_(None))
        elif kind == FAILED_JOB:
            conditions.append(jobs.c.type.in_(self._engine_types))
        elif kind == FAILED_EXTERNAL_TASK:
            conditions.append(jobs.c.type.not_in(self._engine_types))
        elif kind is not None:
            conditions.append(incidents.c.incident_id.is_(None))  # no incident of that type
        return query.where(*conditions)


def _open_incident(*columns: Any) -> Select[Any]:
    """The open incident a job's failures raised (correlated with the job's row)."""
    return select(*(columns or (incidents.c.incident_id,))).where(
        incidents.c.tenant_id == jobs.c.tenant_id,
        incidents.c.instance_id == jobs.c.instance_id,
        incidents.c.job_local_id == jobs.c.local_id,
        incidents.c.resolved_at.is_(None),
    )


def _ordered(
    query: Select[Any], keys: dict[str, Any], sorting: Sequence[tuple[str, bool]], *tail: Any
) -> Select[Any]:
    order = [keys[name].desc() if descending else keys[name].asc() for name, descending in sorting]
    return query.order_by(*order, *tail)
