"""Starting at a start event that may be parallel multiple: it waits for all its triggers."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from kontor.messaging import UnitOfWork
from kontor.process.bpmn.model import FlowNode
from kontor.process.launch import launch
from kontor.process.store import DeployedDefinition
from kontor.process.store.start_arrivals import StartArrivalStore

if TYPE_CHECKING:
    from kontor.process.service import ProcessServices


def start_or_keep(
    services: ProcessServices,
    uow: UnitOfWork,
    definition: DeployedDefinition,
    node: FlowNode,
    index: int,
    variables: dict[str, Any],
    caused: dict[str, Any],
) -> str | None:
    """Start an instance at start event ``node`` for its ``index``-th definition; the new id.

    A parallel multiple start event keeps what came (None) until each of its definitions did,
    then starts with the variables of all of them, in definition order.
    """
    if node.parallel_multiple:
        arrived = StartArrivalStore(uow.connection, definition.tenant_id).arrive(
            definition.process_key, node.id, index, len(node.event_definitions),
            dict(variables), uow.clock.now(), definition.definition_id,
        )  # fmt: skip
        if arrived is None:
            return None
        variables = {}
        for came in arrived.values():
            variables.update(came)
    record = launch(services, uow, definition, variables, caused, start_event_id=node.id)
    return record.instance_id
