"""What a detail view shows of one instance, read in one round trip (PostgreSQL)."""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

from sqlalchemy import ColumnElement, Connection, Table, bindparam, select

from kontor.db.fast import FastStatement, read_together
from kontor.process.errors import InstanceNotFound
from kontor.process.runtime import InstanceState
from kontor.process.store.history import IncidentRecord
from kontor.process.store.queries import InstanceSummary
from kontor.process.store.tables import process_incidents, process_instances, process_jobs


def _of_instance(table: Table) -> tuple[ColumnElement[bool], ColumnElement[bool]]:
    return (
        table.c.tenant_id == bindparam("b_tenant"),
        table.c.instance_id == bindparam("b_instance"),
    )


_INSTANCE = FastStatement(
    select(
        *(process_instances.c[field.name] for field in fields(InstanceSummary)),
        process_instances.c.state,
    ).where(*_of_instance(process_instances))
)
_JOBS = FastStatement(
    select(process_jobs).where(*_of_instance(process_jobs)).order_by(process_jobs.c.local_id)
)
_OPEN_INCIDENTS = FastStatement(
    select(
        process_incidents.c.incident_id, process_incidents.c.local_id,
        process_incidents.c.element_id, process_incidents.c.reason,
        process_incidents.c.job_local_id, process_incidents.c.created_at,
        process_incidents.c.resolved_at,
    )
    .where(*_of_instance(process_incidents), process_incidents.c.resolved_at.is_(None))
    .order_by(process_incidents.c.created_at, process_incidents.c.local_id)
)  # fmt: skip


@dataclass(frozen=True)
class InstanceView:
    """An instance as its detail view shows it: summary, state, job rows, open incidents."""

    summary: InstanceSummary
    state: InstanceState
    jobs: list[dict[str, Any]]
    incidents: list[IncidentRecord]


def read_instance_view(connection: Connection, tenant_id: str, instance_id: str) -> InstanceView:
    """The instance's view (of this tenant; else ``InstanceNotFound``)."""
    params = {"b_tenant": tenant_id, "b_instance": instance_id}
    found, jobs, incidents = read_together(
        connection, (_INSTANCE, params), (_JOBS, params), (_OPEN_INCIDENTS, params)
    )
    if not found:
        raise InstanceNotFound(f"process instance {instance_id!r} not found", id=instance_id)
    row = found[0]._asdict()
    state = InstanceState.from_dict(row.pop("state"))
    return InstanceView(
        summary=InstanceSummary(**row),
        state=state,
        jobs=[job._asdict() for job in jobs],
        incidents=[IncidentRecord(*incident) for incident in incidents],
    )
