"""What a detail view shows of one instance, read in one round trip (PostgreSQL)."""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

from sqlalchemy import Connection

from kontor.db.fast import read_together
from kontor.process.errors import InstanceNotFound
from kontor.process.runtime import InstanceState
from kontor.process.store.history import OPEN_INCIDENTS, IncidentRecord, incident_of
from kontor.process.store.instances import INSTANCE_JOBS, INSTANCE_ROW
from kontor.process.store.queries import InstanceSummary

_SUMMARY_FIELDS = tuple(field.name for field in fields(InstanceSummary))


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
        connection, (INSTANCE_ROW, params), (INSTANCE_JOBS, params), (OPEN_INCIDENTS, params)
    )
    if not found:
        raise InstanceNotFound(f"process instance {instance_id!r} not found", id=instance_id)
    row = found[0]
    return InstanceView(
        summary=InstanceSummary(**{name: getattr(row, name) for name in _SUMMARY_FIELDS}),
        state=InstanceState.from_dict(row.state),
        jobs=[job._asdict() for job in jobs],
        incidents=[incident_of(incident) for incident in incidents],
    )
