"""Camunda 7's ``/message`` and ``/signal`` resources: messages to waiting instances, signals
to all of them.

Camunda correlates by business key, instance id and correlation keys (process variables that
must be equal); Kontor finds the waiting instances that match and delivers the message to each
through its own correlation command, addressed to that instance.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Request, Response
from pydantic import Field
from sqlalchemy import Connection

from kontor.api.exact_responses import ExactJSONResponse
from kontor.api.request_bodies import storable_variables
from kontor.api.wiring import kontor_of
from kontor.camunda7.auth import requires
from kontor.camunda7.errors import BadUserRequest, CamundaRoute, NotSupported
from kontor.camunda7.instance_views import instance_dto
from kontor.camunda7.task_bodies import CamundaBody
from kontor.camunda7.variables import from_camunda, to_camunda
from kontor.platform import Principal
from kontor.process import BroadcastSignal, CorrelateMessage
from kontor.process.errors import MessageNotCorrelated
from kontor.process.store import InstanceStore

router = APIRouter(tags=["Camunda 7: messages"], route_class=CamundaRoute)
Sender = Annotated[Principal, requires("process:start")]


class MessageIn(CamundaBody):
    """Camunda's CorrelationMessageDto."""

    message_name: str = Field(min_length=1, max_length=200)
    business_key: str | None = None
    tenant_id: str | None = None
    without_tenant_id: bool = False
    process_instance_id: str | None = None
    correlation_keys: dict[str, Any] | None = None
    local_correlation_keys: dict[str, Any] | None = None
    process_variables: dict[str, Any] | None = None
    process_variables_local: dict[str, Any] | None = None
    all: bool = False
    result_enabled: bool = False
    variables_in_result_enabled: bool = False


class SignalIn(CamundaBody):
    """Camunda's SignalDto."""

    name: str = Field(min_length=1, max_length=200)
    execution_id: str | None = None
    variables: dict[str, Any] | None = None
    tenant_id: str | None = None
    without_tenant_id: bool = False


@router.post("/signal", status_code=204)
def signal(body: SignalIn, request: Request, caller: Sender) -> None:
    """Deliver a signal to every waiting instance of the tenant (and start its signal starts)."""
    if body.execution_id is not None:
        raise NotSupported("Kontor delivers a signal to every waiting instance, not one execution")
    if body.without_tenant_id or (body.tenant_id not in (None, caller.tenant_id)):
        raise NotSupported("a signal reaches the caller's own tenant only")
    variables = storable_variables(request, from_camunda(body.variables))
    kontor_of(request).bus.handle(
        BroadcastSignal(tenant_id=caller.tenant_id, name=body.name, variables=variables,
                        actor=caller.user_id)
    )  # fmt: skip


@router.post("/message")
def correlate(body: MessageIn, request: Request, caller: Sender) -> Response:
    """Deliver the message (to one instance, or with ``all`` to every match)."""
    _refuse_unsupported(body, caller)
    variables = storable_variables(request, from_camunda(body.process_variables))
    kontor = kontor_of(request)
    targets = _targets(request, caller, body)
    if targets is not None and not targets:
        raise _mismatch(body.message_name, "No process definition or execution matches")
    if targets is not None and len(targets) > 1 and not body.all:
        raise _mismatch(
            body.message_name, f"{len(targets)} executions match; correlate to a single one"
        )
    reached: list[str] = []
    addressed: list[str | None] = list(targets) if targets is not None else [None]
    for target in addressed:
        try:
            instance_id: str | None = kontor.bus.handle(
                CorrelateMessage(
                    tenant_id=caller.tenant_id, name=body.message_name, variables=variables,
                    instance_id=target, actor=caller.user_id,
                )
            )  # fmt: skip
        except MessageNotCorrelated:
            raise _mismatch(
                body.message_name, "No process definition or execution matches"
            ) from None
        if instance_id is not None:  # None: kept by a parallel multiple start event
            reached.append(instance_id)
    if not body.result_enabled:
        return Response(status_code=204)
    return ExactJSONResponse(_results(request, caller, reached, body.variables_in_result_enabled))


def _refuse_unsupported(body: MessageIn, caller: Principal) -> None:
    if body.local_correlation_keys or body.process_variables_local:
        raise NotSupported("Kontor does not correlate by or set local variables of a message")
    if body.without_tenant_id or (body.tenant_id not in (None, caller.tenant_id)):
        raise NotSupported("a message reaches the caller's own tenant only")


def _targets(request: Request, caller: Principal, body: MessageIn) -> list[str] | None:
    """The waiting instances the message may reach; None: any (Kontor's own correlation)."""
    keys = from_camunda(body.correlation_keys)
    unaddressed = body.business_key is None and body.process_instance_id is None and not keys
    if unaddressed and not body.all:
        return None
    with kontor_of(request).bus.reading() as uow:
        return _matching(uow.connection, caller.tenant_id, body, keys)


def _matching(
    connection: Connection, tenant_id: str, body: MessageIn, keys: dict[str, Any]
) -> list[str]:
    store = InstanceStore(connection, tenant_id)
    waiting = dict.fromkeys(s.instance_id for s in store.subscribers("message", body.message_name))
    found = []
    for instance_id in waiting:
        if body.process_instance_id not in (None, instance_id):
            continue
        record = store.get(instance_id)
        if body.business_key not in (None, record.business_key):
            continue
        values = record.state.variables
        if all(name in values and values[name] == value for name, value in keys.items()):
            found.append(instance_id)
    return found


def _results(
    request: Request, caller: Principal, instance_ids: list[str], with_variables: bool
) -> list[dict[str, Any]]:
    with kontor_of(request).bus.reading() as uow:
        store = InstanceStore(uow.connection, caller.tenant_id)
        results = []
        for instance_id in instance_ids:
            record = store.get(instance_id)
            result: dict[str, Any] = {
                "resultType": "Execution",
                "execution": None,
                "processInstance": instance_dto(record),
            }
            if with_variables:
                result["variables"] = to_camunda(record.state.variables)
            results.append(result)
    return results


def _mismatch(name: str, why: str) -> BadUserRequest:
    error = BadUserRequest(f"Cannot correlate message '{name}': {why}")
    error.type_name = "RestException"
    return error
