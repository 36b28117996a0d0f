"""Process instances: start them, list and inspect them, read their history, send messages."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, Field, TypeAdapter

from kontor.api.body_routes import StrictJsonRoute
from kontor.api.exact_responses import ExactJSONResponse
from kontor.api.params import STORED_INT_MAX
from kontor.api.request_bodies import storable_variables
from kontor.api.security import requires
from kontor.api.wiring import kontor_of
from kontor.messaging import UnitOfWork
from kontor.platform import Principal
from kontor.process import BroadcastSignal, CorrelateMessage, EvaluateConditions, StartProcess
from kontor.process.store import (
    HistoryStore,
    IncidentRecord,
    OperationRecord,
    VariableChange,
)
from kontor.process.store.detail import read_instance_view
from kontor.process.store.queries import InstanceFilter, InstanceSummary, ProcessQueries
from kontor.rules.feel import to_json

router = APIRouter(prefix="/api/process", tags=["process"], route_class=StrictJsonRoute)
_MILLISECOND = dt.timedelta(milliseconds=1)


class StartIn(BaseModel):
    """Start variables and the keys that tie the instance to the business."""

    variables: dict[str, Any] = Field(default_factory=dict)
    business_key: str | None = None
    case_id: str | None = None


class InstancePage(BaseModel):
    """One page of instances, newest first."""

    items: list[InstanceSummary]
    total: int
    limit: int
    offset: int


class UserTaskOut(BaseModel):
    """An open user task of the instance."""

    task_id: str
    element_id: str
    created_at: str


class JobOut(BaseModel):
    """A job or timer of the instance, with its lock and last error."""

    job_id: str
    kind: str
    type: str | None
    element_id: str
    retries: int
    due_at: dt.datetime | None
    lock_owner: str | None
    locked_until: dt.datetime | None
    error_message: str | None


class IncidentOut(BaseModel):
    """A problem the instance could not solve alone (``resolved_at`` once it was resolved)."""

    incident_id: str
    element_id: str
    reason: str
    created_at: dt.datetime
    resolved_at: dt.datetime | None

    @classmethod
    def of(cls, incident: IncidentRecord) -> IncidentOut:
        """The response body for ``incident``."""
        return cls(**{name: getattr(incident, name) for name in cls.model_fields})


@dataclass(frozen=True)
class InstanceDetail(InstanceSummary):
    """An instance with where it stands: active elements, open tasks, jobs, variables."""

    suspended: bool
    active_element_ids: list[str]
    user_tasks: list[UserTaskOut]
    jobs: list[JobOut]
    variables: dict[str, Any]
    incidents: list[IncidentOut]


class ActivityOut(BaseModel):
    """An activity instance from the history."""

    element_id: str
    kind: str
    started_at: dt.datetime
    ended_at: dt.datetime | None
    duration_ms: int | None
    outcome: str | None


class MessageIn(BaseModel):
    """A message for the instance waiting for it with ``correlation_key``."""

    name: str = Field(min_length=1)
    correlation_key: str | None = None
    variables: dict[str, Any] = Field(default_factory=dict)


class CorrelatedOut(BaseModel):
    """The instance a message was delivered to or started."""

    instance_id: str | None = Field(
        description="null: a parallel multiple start event kept the message and starts an "
        "instance once its other messages or signals came"
    )


class SignalIn(BaseModel):
    """A signal for every waiting instance of the tenant."""

    name: str = Field(min_length=1)
    variables: dict[str, Any] = Field(default_factory=dict)


class SignalledOut(BaseModel):
    """How many instances a signal reached."""

    instances: int


class ConditionsIn(BaseModel):
    """Variables to evaluate the conditional start events with (of one process, if named)."""

    variables: dict[str, Any] = Field(default_factory=dict)
    process_key: str | None = None


class ConditionsStartedOut(BaseModel):
    """The instances started because their conditional start event's condition held."""

    instance_ids: list[str]


def instance_detail(uow: UnitOfWork, tenant_id: str, instance_id: str) -> InstanceDetail:
    """Everything the detail view shows of instance ``instance_id``."""
    view = read_instance_view(uow.connection, tenant_id, instance_id)
    state = view.state
    return InstanceDetail(
        **vars(view.summary),
        suspended=state.suspended,
        active_element_ids=sorted({token.element_id for token in state.tokens.values()}),
        user_tasks=[
            UserTaskOut(task_id=task.id, element_id=task.element_id, created_at=task.created_at)
            for task in state.user_tasks.values()
        ],
        jobs=[JobOut(**row) for row in view.jobs],
        # stored values read back as Decimal and are answered exactly (see ``exact``)
        variables=to_json(state.variables, exact=True),
        incidents=[IncidentOut.of(row) for row in view.incidents],
    )


_DETAIL = TypeAdapter(InstanceDetail)


def exact(detail: InstanceDetail, status_code: int = 200) -> ExactJSONResponse:
    """``detail`` as a response whose variables keep their decimals exactly.

    FastAPI's encoder would turn a ``Decimal`` into a float (or, inside ``Any``, a string).
    """
    body = _DETAIL.dump_python(detail, mode="json")  # every other field as FastAPI writes it
    body["variables"] = detail.variables  # JSON-ready already, decimals as Decimal
    return ExactJSONResponse(body, status_code=status_code)


def _history(uow: UnitOfWork, tenant_id: str, instance_id: str) -> HistoryStore:
    ProcessQueries(uow.connection, tenant_id).instance(instance_id)  # unknown or foreign: 404
    return HistoryStore(uow.connection, tenant_id)


@router.post("/definitions/{process_key}/start", status_code=201, response_model=InstanceDetail)
def start_instance(
    process_key: str,
    body: StartIn,
    request: Request,
    caller: Annotated[Principal, requires("process:start")],
) -> ExactJSONResponse:
    """Start the latest version of a process; the answer shows where the instance waits."""
    kontor = kontor_of(request)
    body.variables = storable_variables(request, body.variables)
    instance_id: str = kontor.bus.handle(
        StartProcess(
            tenant_id=caller.tenant_id, process_key=process_key, variables=body.variables,
            business_key=body.business_key, case_id=body.case_id, actor=caller.user_id,
        )
    )  # fmt: skip
    with kontor.bus.reading() as uow:
        return exact(instance_detail(uow, caller.tenant_id, instance_id), status_code=201)


@router.get("/instances")
def list_instances(
    request: Request,
    caller: Annotated[Principal, requires("process:read")],
    process_key: str | None = None,
    status: str | None = None,
    business_key: str | None = None,
    case_id: str | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=STORED_INT_MAX)] = 0,
) -> InstancePage:
    """The tenant's instances, newest first, filtered by key, status, business key or case."""
    wanted = InstanceFilter(process_key, status, business_key, case_id)
    with kontor_of(request).bus.reading() as uow:
        page = ProcessQueries(uow.connection, caller.tenant_id).instances(wanted, limit, offset)
    return InstancePage(items=page.items, total=page.total, limit=limit, offset=offset)


@router.get("/instances/{instance_id}", response_model=InstanceDetail)
def show_instance(
    instance_id: str, request: Request, caller: Annotated[Principal, requires("process:read")]
) -> ExactJSONResponse:
    """One instance with its active elements, open user tasks, jobs, variables and incidents."""
    with kontor_of(request).bus.reading() as uow:
        return exact(instance_detail(uow, caller.tenant_id, instance_id))


@router.get("/instances/{instance_id}/activities")
def list_activities(
    instance_id: str, request: Request, caller: Annotated[Principal, requires("process:read")]
) -> list[ActivityOut]:
    """The instance's activity history in the order the activities started."""
    with kontor_of(request).bus.reading() as uow:
        history = _history(uow, caller.tenant_id, instance_id).activity_history(instance_id)
    return [
        ActivityOut(
            element_id=row.element_id,
            kind=row.element_kind,
            started_at=row.started_at,
            ended_at=row.ended_at,
            duration_ms=None if row.duration is None else round(row.duration / _MILLISECOND),
            outcome=row.outcome,
        )
        for row in history
    ]


@router.get("/instances/{instance_id}/incidents")
def list_incidents(
    instance_id: str, request: Request, caller: Annotated[Principal, requires("process:read")]
) -> list[IncidentOut]:
    """The instance's incidents, open and resolved, oldest first."""
    with kontor_of(request).bus.reading() as uow:
        history = _history(uow, caller.tenant_id, instance_id)
        rows = history.incidents(instance_id, open_only=False)
    return [IncidentOut.of(row) for row in rows]


_CHANGES = TypeAdapter(list[VariableChange])


@router.get("/instances/{instance_id}/variable-history", response_model=list[VariableChange])
def list_variable_changes(
    instance_id: str,
    request: Request,
    caller: Annotated[Principal, requires("process:read")],
    name: str | None = None,
) -> ExactJSONResponse:
    """The instance's variable changes (of one variable with ``name``) in the order made.

    Values are answered exactly as stored (``0.1`` stays the JSON number ``0.1``).
    """
    with kontor_of(request).bus.reading() as uow:
        changes = _history(uow, caller.tenant_id, instance_id).variable_history(instance_id, name)
    values = [to_json(change.value, exact=True) for change in changes]
    # every other field as FastAPI writes it; the values JSON-ready already, decimals as Decimal
    body = _CHANGES.dump_python([replace(c, value=None) for c in changes], mode="json")
    for row, value in zip(body, values, strict=True):
        row["value"] = value
    return ExactJSONResponse(body)


@router.get("/instances/{instance_id}/operations")
def list_operations(
    instance_id: str, request: Request, caller: Annotated[Principal, requires("process:read")]
) -> list[OperationRecord]:
    """Who did what to the instance (suspend, cancel, modify, migrate, ...), oldest first."""
    with kontor_of(request).bus.reading() as uow:
        return _history(uow, caller.tenant_id, instance_id).operations(instance_id)


@router.post("/messages")
def correlate_message(
    body: MessageIn, request: Request, caller: Annotated[Principal, requires("process:start")]
) -> CorrelatedOut:
    """Deliver a message to the oldest instance waiting for it, else start the processes whose
    message start event catches it; 404 if neither."""
    body.variables = storable_variables(request, body.variables)
    instance_id: str | None = kontor_of(request).bus.handle(
        CorrelateMessage(tenant_id=caller.tenant_id, **body.model_dump(), actor=caller.user_id)
    )
    return CorrelatedOut(instance_id=instance_id)


@router.post("/signals")
def broadcast_signal(
    body: SignalIn, request: Request, caller: Annotated[Principal, requires("process:start")]
) -> SignalledOut:
    """Deliver a signal to every instance of the tenant waiting for it."""
    body.variables = storable_variables(request, body.variables)
    count: int = kontor_of(request).bus.handle(
        BroadcastSignal(tenant_id=caller.tenant_id, **body.model_dump(), actor=caller.user_id)
    )
    return SignalledOut(instances=count)


@router.post("/conditions")
def evaluate_conditions(
    body: ConditionsIn, request: Request, caller: Annotated[Principal, requires("process:start")]
) -> ConditionsStartedOut:
    """Start each latest process whose conditional start condition holds for the variables."""
    body.variables = storable_variables(request, body.variables)
    started: list[str] = kontor_of(request).bus.handle(
        EvaluateConditions(tenant_id=caller.tenant_id, **body.model_dump(), actor=caller.user_id)
    )
    return ConditionsStartedOut(instance_ids=started)
