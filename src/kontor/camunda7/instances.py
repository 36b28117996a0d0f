"""Camunda 7's ``/process-instance`` resource: list, show, delete, variables, suspension."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from pydantic import Field

from kontor.api.exact_responses import ExactJSONResponse
from kontor.api.params import STORED_INT_MAX
from kontor.api.request_bodies import storable_variables
from kontor.api.wiring import kontor_of
from kontor.camunda7.auth import requires
from kontor.camunda7.errors import CamundaRoute, NotSupported, RestNotFound
from kontor.camunda7.instance_views import instance_dto
from kontor.camunda7.task_bodies import CamundaBody
from kontor.camunda7.variables import from_camunda, to_camunda, typed
from kontor.platform import Principal
from kontor.process import CancelInstance, ResumeInstance, SetVariables, SuspendInstance
from kontor.process.errors import InstanceNotFound
from kontor.process.runtime.state import InstanceStatus
from kontor.process.store import InstanceRecord, InstanceStore
from kontor.process.store.queries import InstanceFilter, ProcessQueries
from kontor.rules.feel import to_json

router = APIRouter(prefix="/process-instance", tags=["Camunda 7: process instances"],
                   route_class=CamundaRoute)  # fmt: skip
Reader = Annotated[Principal, requires("process:read")]
Operator = Annotated[Principal, requires("process:operate")]
Text = Annotated[str | None, Query(max_length=200)]


class ModificationsIn(CamundaBody):
    """Variables to set (typed) and names to delete."""

    modifications: dict[str, Any] | None = None
    deletions: list[str] | None = None


class SuspensionIn(CamundaBody):
    """Whether the instance is to be suspended (true) or activated (false)."""

    suspended: bool


class VariableIn(CamundaBody):
    """One typed variable."""

    value: Any = None
    type: str | None = Field(default=None, max_length=40)
    value_info: dict[str, Any] | None = None


@router.get("")
def list_instances(
    request: Request,
    caller: Reader,
    process_definition_key: Annotated[Text, Query(alias="processDefinitionKey")] = None,
    business_key: Annotated[Text, Query(alias="businessKey")] = None,
    first_result: Annotated[int, Query(alias="firstResult", ge=0, le=STORED_INT_MAX)] = 0,
    max_results: Annotated[int, Query(alias="maxResults", ge=0, le=1000)] = 1000,
) -> Any:
    """The running instances (newest first), optionally of one process or business key."""
    wanted = InstanceFilter(process_definition_key, InstanceStatus.ACTIVE.value, business_key)
    with kontor_of(request).bus.reading() as uow:
        page = ProcessQueries(uow.connection, caller.tenant_id).instances(
            wanted, max_results, first_result
        )
        store = InstanceStore(uow.connection, caller.tenant_id)
        return [instance_dto(store.get(item.instance_id)) for item in page.items]


@router.get("/count")
def count_instances(
    request: Request,
    caller: Reader,
    process_definition_key: Annotated[Text, Query(alias="processDefinitionKey")] = None,
    business_key: Annotated[Text, Query(alias="businessKey")] = None,
) -> dict[str, int]:
    """How many running instances match."""
    wanted = InstanceFilter(process_definition_key, InstanceStatus.ACTIVE.value, business_key)
    with kontor_of(request).bus.reading() as uow:
        page = ProcessQueries(uow.connection, caller.tenant_id).instances(wanted, 1, 0)
    return {"count": page.total}


@router.get("/{instance_id}")
def show_instance(instance_id: str, request: Request, caller: Reader) -> dict[str, Any]:
    """A running instance (an ended one is history: 404, as in Camunda)."""
    return instance_dto(_running(request, caller, instance_id))


@router.delete("/{instance_id}", status_code=204)
def delete_instance(instance_id: str, request: Request, caller: Operator) -> None:
    """Cancel a running instance."""
    _running(request, caller, instance_id)
    kontor_of(request).bus.handle(
        CancelInstance(tenant_id=caller.tenant_id, instance_id=instance_id,
                       reason="deleted through the Camunda 7 REST API", actor=caller.user_id)
    )  # fmt: skip


@router.put("/{instance_id}/suspended", status_code=204)
def set_suspended(instance_id: str, body: SuspensionIn, request: Request, caller: Operator) -> None:
    """Suspend or activate a running instance."""
    _running(request, caller, instance_id)
    kind = SuspendInstance if body.suspended else ResumeInstance
    kontor_of(request).bus.handle(
        kind(tenant_id=caller.tenant_id, instance_id=instance_id, actor=caller.user_id)
    )


@router.get("/{instance_id}/variables")
def variables(instance_id: str, request: Request, caller: Reader) -> ExactJSONResponse:
    """The instance's variables, typed."""
    record = _running(request, caller, instance_id)
    return ExactJSONResponse(to_camunda(record.state.variables))


@router.get("/{instance_id}/variables/{variable_name}")
def variable(
    instance_id: str, variable_name: str, request: Request, caller: Reader
) -> ExactJSONResponse:
    """One variable of the instance, typed; 404 if it has none of that name."""
    record = _running(request, caller, instance_id)
    if variable_name not in record.state.variables:
        raise RestNotFound(f"process instance variable with name {variable_name} does not exist")
    return ExactJSONResponse(typed(to_json(record.state.variables[variable_name], exact=True)))


@router.put("/{instance_id}/variables/{variable_name}", status_code=204)
def put_variable(
    instance_id: str, variable_name: str, body: VariableIn, request: Request, caller: Operator
) -> None:
    """Set one variable of the instance."""
    sent = {variable_name: body.model_dump(by_alias=True, exclude_none=False)}
    _set(request, caller, instance_id, sent)


@router.post("/{instance_id}/variables", status_code=204)
def modify_variables(
    instance_id: str, body: ModificationsIn, request: Request, caller: Operator
) -> None:
    """Set variables of the instance (deleting them is not supported)."""
    if body.deletions:
        raise NotSupported("Kontor does not delete process variables; set them to null instead")
    if body.modifications:
        _set(request, caller, instance_id, body.modifications)


def _set(request: Request, caller: Principal, instance_id: str, sent: dict[str, Any]) -> None:
    _running(request, caller, instance_id)
    values = storable_variables(request, from_camunda(sent))
    kontor_of(request).bus.handle(
        SetVariables(tenant_id=caller.tenant_id, instance_id=instance_id, variables=values,
                     actor=caller.user_id)
    )  # fmt: skip


def _running(request: Request, caller: Principal, instance_id: str) -> InstanceRecord:
    with kontor_of(request).bus.reading() as uow:
        try:
            record = InstanceStore(uow.connection, caller.tenant_id).get(instance_id)
        except InstanceNotFound:
            record = None
    if record is None or record.state.status is not InstanceStatus.ACTIVE:
        raise RestNotFound(f"Process instance with id {instance_id} does not exist")
    return record
