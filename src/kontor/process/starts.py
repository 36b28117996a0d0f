"""Starting instances through message and signal start events (timers: ``start_timers``).

A message starts an instance only when no instance waits for it (a waiting instance wins, as
in Camunda); it then starts one instance of each latest process whose start event catches the
message name, with the message's variables. The correlation key does not become the business
key (Camunda 8 has none; callers pass one with ``StartProcess``). A signal starts one instance
of each latest process with a signal start event of that name. ``EvaluateConditions`` starts
one instance of each latest process whose conditional start event's condition holds for the
given variables (Camunda 7's ``evaluateStartConditions``), with those variables.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from kontor.messaging import UnitOfWork
from kontor.process import messages as msg
from kontor.process.bpmn.model import EventKind
from kontor.process.errors import InvalidProcessCommand
from kontor.process.launch import launch
from kontor.process.parallel_start import start_or_keep
from kontor.process.start_timers import start_timers_of
from kontor.process.store import DefinitionStore, DeployedDefinition
from kontor.process.store.start_events import (
    CONDITIONAL_START,
    MESSAGE_START,
    SIGNAL_START,
    StartEventStore,
)

if TYPE_CHECKING:
    from kontor.process.service import ProcessServices

KEPT = ""
"""What ``start_by_message`` returns when a parallel multiple start event kept the message."""


def arm_start_events(
    services: ProcessServices, uow: UnitOfWork, definition: DeployedDefinition
) -> None:
    """Make a newly deployed version's message, signal and timer starts replace the old ones."""
    definitions = services.definitions(uow, definition.tenant_id, definition.definition_id)
    process = definitions.process(definition.process_key)
    subscriptions: list[tuple[str, str, str]] = []
    for task in process.instantiating_receive_tasks():  # its message starts an instance
        message = definitions.messages.get(task.message_ref or "")
        subscriptions.append(
            (MESSAGE_START, (message.name or message.id) if message else task.id, task.id)
        )
    for node in process.start_events():
        for event in node.event_definitions:  # a multiple start event: any of them starts
            if event.kind is EventKind.MESSAGE:
                message = definitions.messages.get(event.message_ref or "")
                if message is not None and message.name:
                    subscriptions.append((MESSAGE_START, message.name, node.id))
            elif event.kind is EventKind.SIGNAL:
                signal = definitions.signals.get(event.signal_ref or "")
                if signal is not None and signal.name:
                    subscriptions.append((SIGNAL_START, signal.name, node.id))
            elif event.kind is EventKind.CONDITIONAL:
                subscriptions.append((CONDITIONAL_START, definition.process_key, node.id))
    now = uow.clock.now()
    timers = start_timers_of(services, process, now)
    StartEventStore(uow.connection, definition.tenant_id).replace(
        definition.process_key, definition.definition_id, subscriptions, timers, now
    )


def start_by_message(
    services: ProcessServices, uow: UnitOfWork, command: msg.CorrelateMessage
) -> str | None:
    """Start the processes whose message start event catches the message; the first id
    (``KEPT`` when a parallel multiple start event only kept it, waiting for its others)."""
    started = _start_each(services, uow, command, MESSAGE_START)
    if not started:
        return None
    return next((instance_id for instance_id in started if instance_id), KEPT)


def start_by_signal(
    services: ProcessServices, uow: UnitOfWork, command: msg.BroadcastSignal
) -> int:
    """Start the processes with a signal start event of the signal's name; how many
    (a parallel multiple start event that kept it, waiting for its others, counts)."""
    return len(_start_each(services, uow, command, SIGNAL_START))


def _start_each(
    services: ProcessServices,
    uow: UnitOfWork,
    command: msg.CorrelateMessage | msg.BroadcastSignal,
    event: str,
) -> list[str]:
    store = StartEventStore(uow.connection, command.tenant_id)
    definitions = DefinitionStore(uow.connection, command.tenant_id)
    kind = EventKind.MESSAGE if event == MESSAGE_START else EventKind.SIGNAL
    started: list[str] = []
    for found in store.subscribers(event, command.name):
        definition = definitions.get(found.definition_id)
        parsed = services.definitions(uow, definition.tenant_id, definition.definition_id)
        node = parsed.process(definition.process_key).node(found.element_id)
        named = parsed.messages if kind is EventKind.MESSAGE else parsed.signals
        index = next(
            (
                i
                for i, d in enumerate(node.event_definitions)
                if d.kind is kind
                and (item := named.get(d.message_ref or d.signal_ref or "")) is not None
                and (item.name or item.id) == command.name
            ),
            0,
        )
        instance_id = start_or_keep(
            services, uow, definition, node, index, command.variables, command.caused()
        )
        started.append(KEPT if instance_id is None else instance_id)
    return started


def start_by_conditions(
    services: ProcessServices, uow: UnitOfWork, command: msg.EvaluateConditions
) -> list[str]:
    """Start the processes whose conditional start condition holds; the new instances' ids."""
    store = StartEventStore(uow.connection, command.tenant_id)
    definitions = DefinitionStore(uow.connection, command.tenant_id)
    started = []
    for found in store.subscribers(CONDITIONAL_START, command.process_key):
        definition = definitions.get(found.definition_id)
        if _start_condition_holds(services, uow, definition, found.element_id, command):
            record = launch(
                services, uow, definition, command.variables, command.caused(),
                start_event_id=found.element_id,
            )  # fmt: skip
            started.append(record.instance_id)
    return started


def _start_condition_holds(
    services: ProcessServices,
    uow: UnitOfWork,
    definition: DeployedDefinition,
    element_id: str,
    command: msg.EvaluateConditions,
) -> bool:
    parsed = services.definitions(uow, definition.tenant_id, definition.definition_id)
    condition = parsed.process(definition.process_key).node(element_id).event.condition
    if condition is None:
        return False
    try:
        return services.evaluator.evaluate(condition, command.variables) is True
    except Exception as error:  # any evaluator failure: refuse the call, name the event
        raise InvalidProcessCommand(
            f"condition of start event '{element_id}' of process "
            f"'{definition.process_key}' could not be evaluated: {error}",
            reason="condition_failed",
        ) from error
