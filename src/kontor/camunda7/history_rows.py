"""Reading Kontor's process history as Camunda's ``/history`` lists it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Connection, Select, func, select

from kontor.process.runtime.state import InstanceStatus
from kontor.process.store.tables import process_activity_history as activities
from kontor.process.store.tables import process_definitions as definitions
from kontor.process.store.tables import process_instances as instances

INSTANCE_SORT_KEYS: dict[str, Any] = {
    "instanceId": instances.c.instance_id,
    "definitionId": instances.c.definition_id,
    "definitionKey": instances.c.process_key,
    "definitionName": definitions.c.name,
    "definitionVersion": instances.c.definition_version,
    "businessKey": instances.c.business_key,
    "startTime": instances.c.started_at,
    "endTime": instances.c.ended_at,
    "tenantId": instances.c.tenant_id,
}
"""Camunda's ``sortBy`` values Kontor sorts historic process instances by."""

ACTIVITY_SORT_KEYS: dict[str, Any] = {
    "activityInstanceId": activities.c.activity_id,
    "instanceId": activities.c.instance_id,
    "executionId": activities.c.token_id,
    "activityId": activities.c.element_id,
    "activityType": activities.c.element_kind,
    "startTime": activities.c.started_at,
    "endTime": activities.c.ended_at,
    "definitionId": instances.c.definition_id,
    "occurrence": activities.c.activity_id,
    "tenantId": activities.c.tenant_id,
}
"""Camunda's ``sortBy`` values Kontor sorts historic activity instances by."""


@dataclass(frozen=True)
class InstanceHistoryFilter:
    """Criteria of Camunda's historic process-instance query; None does not filter."""

    instance_ids: Sequence[str] = ()
    definition_id: str | None = None
    definition_key: str | None = None
    business_key: str | None = None
    finished: bool = False
    unfinished: bool = False
    started_before: dt.datetime | None = None
    started_after: dt.datetime | None = None
    finished_before: dt.datetime | None = None
    finished_after: dt.datetime | None = None
    sorting: Sequence[tuple[str, bool]] = ()


@dataclass(frozen=True)
class ActivityHistoryFilter:
    """Criteria of Camunda's historic activity-instance query; None does not filter."""

    activity_instance_id: int | None = None
    instance_id: str | None = None
    definition_id: str | None = None
    activity_id: str | None = None
    activity_type: str | None = None
    finished: bool = False
    unfinished: bool = False
    canceled: bool = False
    sorting: Sequence[tuple[str, bool]] = ()


class HistoryRows:
    """One tenant's process history on a connection."""

    def __init__(self, connection: Connection, tenant_id: str) -> None:
        self._connection = connection
        self._tenant_id = tenant_id

    def instances(self, wanted: InstanceHistoryFilter, first: int, limit: int) -> list[Any]:
        """Instances (running and ended) with their definition's name, oldest first unless
        sorted."""
        query = self._instances(wanted).add_columns(
            instances.c.state, instances.c.parent_instance_id, instances.c.started_by,
            definitions.c.name.label("definition_name"),
        )  # fmt: skip
        query = _ordered(query, INSTANCE_SORT_KEYS, wanted.sorting, instances.c.started_at,
                         instances.c.instance_id)  # fmt: skip
        return list(self._connection.execute(query.offset(first).limit(limit)))

    def count_instances(self, wanted: InstanceHistoryFilter) -> int:
        """How many instances match."""
        return self._count(self._instances(wanted))

    def roots(self, parent_ids: set[str]) -> dict[str, str]:
        """The root instance of each of ``parent_ids`` (the top of its call chain)."""
        roots: dict[str, str] = {}
        for parent_id in parent_ids:
            current, seen = parent_id, set()
            while current not in seen:
                seen.add(current)
                above = self._connection.execute(
                    select(instances.c.parent_instance_id).where(
                        instances.c.tenant_id == self._tenant_id,
                        instances.c.instance_id == current,
                    )
                ).scalar_one_or_none()
                if above is None:
                    break
                current = above
            roots[parent_id] = current
        return roots

    def activities(self, wanted: ActivityHistoryFilter, first: int, limit: int) -> list[Any]:
        """Activity instances with their instance's keys, in the order they started unless
        sorted."""
        query = _ordered(self._activities(wanted), ACTIVITY_SORT_KEYS, wanted.sorting,
                         activities.c.activity_id)  # fmt: skip
        return list(self._connection.execute(query.offset(first).limit(limit)))

    def count_activities(self, wanted: ActivityHistoryFilter) -> int:
        """How many activity instances match."""
        return self._count(self._activities(wanted))

    def _count(self, query: Select[Any]) -> int:
        counted = select(func.count()).select_from(query.subquery())
        return int(self._connection.execute(counted).scalar_one())

    def _instances(self, wanted: InstanceHistoryFilter) -> Select[Any]:
        query = (
            select(
                instances.c.instance_id, instances.c.definition_id, instances.c.process_key,
                instances.c.definition_version, instances.c.business_key, instances.c.status,
                instances.c.started_at, instances.c.ended_at, instances.c.tenant_id,
            )
            .join(definitions, definitions.c.definition_id == instances.c.definition_id)
            .where(instances.c.tenant_id == self._tenant_id)
        )  # fmt: skip
        conditions: list[ColumnElement[bool]] = []
        if wanted.instance_ids:
            conditions.append(instances.c.instance_id.in_(list(wanted.instance_ids)))
        equal = {
            instances.c.definition_id: wanted.definition_id,
            instances.c.process_key: wanted.definition_key,
            instances.c.business_key: wanted.business_key,
        }
        conditions += [column == value for column, value in equal.items() if value is not None]
        active = InstanceStatus.ACTIVE.value
        if wanted.finished:
            conditions.append(instances.c.status != active)
        if wanted.unfinished:
            conditions.append(instances.c.status == active)
        if wanted.started_before is not None:
            conditions.append(instances.c.started_at <= wanted.started_before)
        if wanted.started_after is not None:
            conditions.append(instances.c.started_at >= wanted.started_after)
        if wanted.finished_before is not None:
            conditions.append(instances.c.ended_at <= wanted.finished_before)
        if wanted.finished_after is not None:
            conditions.append(instances.c.ended_at >= wanted.finished_after)
        return query.where(*conditions)

    def _activities(self, wanted: ActivityHistoryFilter) -> Select[Any]:
        query = (
            select(
                activities, instances.c.definition_id, instances.c.process_key,
            )
            .join(instances, instances.c.instance_id == activities.c.instance_id)
            .where(activities.c.tenant_id == self._tenant_id,
                   instances.c.tenant_id == self._tenant_id)
        )  # fmt: skip
        equal = {
            activities.c.activity_id: wanted.activity_instance_id,
            activities.c.instance_id: wanted.instance_id,
            instances.c.definition_id: wanted.definition_id,
            activities.c.element_id: wanted.activity_id,
            activities.c.element_kind: wanted.activity_type,
        }
        conditions = [column == value for column, value in equal.items() if value is not None]
        if wanted.finished:
            conditions.append(activities.c.ended_at.is_not(None))
        if wanted.unfinished:
            conditions.append(activities.c.ended_at.is_(None))
        if wanted.canceled:
            conditions.append(activities.c.outcome == "terminated")
        return query.where(*conditions)


def _ordered(
    query: Select[Any], keys: dict[str, Any], sorting: Sequence[tuple[str, bool]], *tail: Any
) -> Select[Any]:
    order = [keys[name].desc() if descending else keys[name].asc() for name, descending in sorting]
    return query.order_by(*order, *tail)
