"""Camunda 7's ``/history/process-instance`` and ``/history/activity-instance`` resources.

Answered from Kontor's process history: instances (running and ended) and the activity
instances the engine records (history level ``activity`` or ``full``).
"""

from __future__ import annotations

from typing import Annotated, Any, ClassVar

from fastapi import APIRouter, Request
from pydantic import Field, field_validator

from kontor.api.wiring import kontor_of
from kontor.camunda7.auth import requires
from kontor.camunda7.errors import CamundaRoute
from kontor.camunda7.history_rows import (
    ACTIVITY_SORT_KEYS,
    INSTANCE_SORT_KEYS,
    ActivityHistoryFilter,
    HistoryRows,
    InstanceHistoryFilter,
)
from kontor.camunda7.queries import (
    CamundaDate,
    CamundaQuery,
    FirstResult,
    MaxResults,
    query_of,
    sort_order,
)
from kontor.camunda7.variables import camunda_date
from kontor.platform import Principal
from kontor.process.runtime.state import InstanceStatus

router = APIRouter(prefix="/history", tags=["Camunda 7: history"], route_class=CamundaRoute)
Reader = Annotated[Principal, requires("process:read")]
Text = Field(default=None, max_length=200)


class InstanceHistoryQuery(CamundaQuery):
    """The parameters of ``GET /history/process-instance``."""

    what: ClassVar[str] = "historic process instances"
    process_instance_id: str | None = Text
    process_instance_ids: list[str] | None = Field(default=None, max_length=1000)
    process_definition_id: str | None = Text
    process_definition_key: str | None = Text
    process_instance_business_key: str | None = Text
    finished: bool = False
    unfinished: bool = False
    started_before: CamundaDate = None
    started_after: CamundaDate = None
    finished_before: CamundaDate = None
    finished_after: CamundaDate = None
    sort_by: str | None = None
    sort_order: str | None = None

    @field_validator("process_instance_ids", mode="before")
    @classmethod
    def _comma_list(cls, value: Any) -> Any:
        return [part for part in value.split(",") if part] if isinstance(value, str) else value

    def criteria(self) -> InstanceHistoryFilter:
        """The query as Kontor's filter."""
        ids = [*(self.process_instance_ids or [])]
        if self.process_instance_id is not None:
            ids = [i for i in ids if i == self.process_instance_id] if ids else [
                self.process_instance_id
            ]  # fmt: skip
            ids = ids or ["-"]  # both given and different: nothing matches
        return InstanceHistoryFilter(
            instance_ids=tuple(ids), definition_id=self.process_definition_id,
            definition_key=self.process_definition_key,
            business_key=self.process_instance_business_key, finished=self.finished,
            unfinished=self.unfinished, started_before=self.started_before,
            started_after=self.started_after, finished_before=self.finished_before,
            finished_after=self.finished_after,
            sorting=sort_order(self.sort_by, self.sort_order, INSTANCE_SORT_KEYS,
                               "historic process instances"),
        )  # fmt: skip


class ActivityHistoryQuery(CamundaQuery):
    """The parameters of ``GET /history/activity-instance``."""

    what: ClassVar[str] = "historic activity instances"
    activity_instance_id: str | None = Text
    process_instance_id: str | None = Text
    process_definition_id: str | None = Text
    activity_id: str | None = Text
    activity_type: str | None = Text
    finished: bool = False
    unfinished: bool = False
    canceled: bool = False
    sort_by: str | None = None
    sort_order: str | None = None

    def criteria(self) -> ActivityHistoryFilter:
        """The query as Kontor's filter."""
        wanted_id = self.activity_instance_id
        return ActivityHistoryFilter(
            activity_instance_id=(
                None if wanted_id is None else int(wanted_id) if wanted_id.isdigit() else -1
            ),
            instance_id=self.process_instance_id, definition_id=self.process_definition_id,
            activity_id=self.activity_id, activity_type=self.activity_type,
            finished=self.finished, unfinished=self.unfinished, canceled=self.canceled,
            sorting=sort_order(self.sort_by, self.sort_order, ACTIVITY_SORT_KEYS,
                               "historic activity instances"),
        )  # fmt: skip


@router.get("/process-instance")
def process_instances(
    request: Request, caller: Reader, first_result: FirstResult = 0, max_results: MaxResults = 1000
) -> list[dict[str, Any]]:
    """Process instances, running and ended, oldest first unless sorted."""
    wanted = query_of(request, InstanceHistoryQuery).criteria()
    with kontor_of(request).bus.reading() as uow:
        history = HistoryRows(uow.connection, caller.tenant_id)
        rows = history.instances(wanted, first_result, max_results)
        roots = history.roots({r.parent_instance_id for r in rows if r.parent_instance_id})
    return [_instance(row, roots) for row in rows]


@router.get("/process-instance/count")
def count_process_instances(request: Request, caller: Reader) -> dict[str, int]:
    """How many process instances match."""
    wanted = query_of(request, InstanceHistoryQuery).criteria()
    with kontor_of(request).bus.reading() as uow:
        return {"count": HistoryRows(uow.connection, caller.tenant_id).count_instances(wanted)}


@router.get("/activity-instance")
def activity_instances(
    request: Request, caller: Reader, first_result: FirstResult = 0, max_results: MaxResults = 1000
) -> list[dict[str, Any]]:
    """Activity instances in the order they started unless sorted."""
    wanted = query_of(request, ActivityHistoryQuery).criteria()
    with kontor_of(request).bus.reading() as uow:
        rows = HistoryRows(uow.connection, caller.tenant_id).activities(
            wanted, first_result, max_results
        )
    return [_activity(row) for row in rows]


@router.get("/activity-instance/count")
def count_activity_instances(request: Request, caller: Reader) -> dict[str, int]:
    """How many activity instances match."""
    wanted = query_of(request, ActivityHistoryQuery).criteria()
    with kontor_of(request).bus.reading() as uow:
        return {"count": HistoryRows(uow.connection, caller.tenant_id).count_activities(wanted)}


def _millis(row: Any) -> int | None:
    if row.ended_at is None:
        return None
    return int((row.ended_at - row.started_at).total_seconds() * 1000)


def _state(row: Any) -> str:
    if row.status == InstanceStatus.COMPLETED.value:
        return "COMPLETED"
    if row.status == InstanceStatus.TERMINATED.value:
        return "EXTERNALLY_TERMINATED"
    return "SUSPENDED" if (row.state or {}).get("suspended") else "ACTIVE"


def _instance(row: Any, roots: dict[str, str]) -> dict[str, Any]:
    """Camunda's HistoricProcessInstanceDto of ``row``."""
    parent = row.parent_instance_id
    return {
        "id": row.instance_id,
        "rootProcessInstanceId": roots.get(parent, parent) if parent else row.instance_id,
        "superProcessInstanceId": parent,
        "superCaseInstanceId": None,
        "caseInstanceId": None,
        "processDefinitionName": row.definition_name,
        "processDefinitionKey": row.process_key,
        "processDefinitionVersion": row.definition_version,
        "processDefinitionId": row.definition_id,
        "businessKey": row.business_key,
        "startTime": camunda_date(row.started_at),
        "endTime": camunda_date(row.ended_at) if row.ended_at else None,
        "removalTime": None,
        "durationInMillis": _millis(row),
        "startUserId": row.started_by,
        "startActivityId": None,
        "deleteReason": None,
        "tenantId": row.tenant_id,
        "state": _state(row),
    }


def _activity(row: Any) -> dict[str, Any]:
    """Camunda's HistoricActivityInstanceDto of ``row``."""
    return {
        "id": str(row.activity_id),
        "parentActivityInstanceId": None,
        "activityId": row.element_id,
        "activityName": None,
        "activityType": row.element_kind,
        "processDefinitionKey": row.process_key,
        "processDefinitionId": row.definition_id,
        "processInstanceId": row.instance_id,
        "executionId": row.token_id,
        "taskId": None,
        "calledProcessInstanceId": None,
        "calledCaseInstanceId": None,
        "assignee": None,
        "startTime": camunda_date(row.started_at),
        "endTime": camunda_date(row.ended_at) if row.ended_at else None,
        "durationInMillis": _millis(row),
        "canceled": row.outcome == "terminated",
        "completeScope": row.element_kind == "endEvent" and row.outcome == "completed",
        "tenantId": row.tenant_id,
        "removalTime": None,
        "rootProcessInstanceId": row.instance_id,
    }
