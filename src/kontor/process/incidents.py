"""Resolving incidents: the instance retries where it stopped, and the operation is logged."""

from __future__ import annotations

from typing import TYPE_CHECKING

from kontor.messaging import HandlerRegistry, UnitOfWork
from kontor.process import messages as msg
from kontor.process.bpmn import Definitions
from kontor.process.runtime import InstanceState, StepResult, resolve_incident
from kontor.process.store import HistoryStore, InstanceRecord, InstanceStore, log_operation

if TYPE_CHECKING:
    from kontor.process.service import ProcessServices


def register_incident_handlers(registry: HandlerRegistry, services: ProcessServices) -> None:
    """Register the ``ResolveIncident`` command."""
    registry.register_command(
        msg.ResolveIncident, lambda command, uow: resolve(services, command, uow)
    )


def resolve(services: ProcessServices, command: msg.ResolveIncident, uow: UnitOfWork) -> None:
    """Resolve an open incident: its job is offered again (``retries``) or its element re-entered.

    ``incident_id`` is the id ``IncidentRaised`` carries or the incident row's id.
    """
    record = InstanceStore(uow.connection, command.tenant_id).get(command.instance_id)
    history = HistoryStore(uow.connection, command.tenant_id)
    local_id = _local_id(history, record, command.incident_id)

    def step(definitions: Definitions, state: InstanceState) -> StepResult:
        return resolve_incident(
            definitions, state, local_id, uow.clock,
            evaluator=services.evaluator, retries=command.retries,
        )  # fmt: skip

    services.apply(uow, record, step, command.caused())
    log_operation(
        uow.connection, command.tenant_id, command.instance_id, "resolve_incident",
        command.actor, {"incident_id": local_id, "retries": command.retries}, uow.clock.now(),
    )  # fmt: skip


def _local_id(history: HistoryStore, record: InstanceRecord, incident_id: str) -> str:
    if incident_id in record.state.incidents:
        return incident_id
    for incident in history.incidents(record.instance_id):
        if incident.incident_id == incident_id:
            return incident.local_id
    return incident_id  # unknown: the runtime refuses it with a message naming it
