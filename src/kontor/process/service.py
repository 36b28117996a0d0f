"""The process engine's service layer: command handlers that load, step, save and emit.

Every step runs in the caller's unit of work: the new state, its jobs, subscriptions, history
and the events it causes commit together (events through the outbox).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from kontor.messaging import HandlerRegistry, UnitOfWork
from kontor.process import messages as msg
from kontor.process.bpmn import BpmnImportError, Definitions, Severity, parse_bpmn, validate
from kontor.process.errors import InvalidProcessCommand, InvalidProcessModel, MessageNotCorrelated
from kontor.process.runtime import (
    Effect,
    ExpressionEvaluator,
    InstanceState,
    RuntimeCommandError,
    StepResult,
    UnknownWaitStateError,
    broadcast_signal,
    complete_user_task,
    correlate_message,
    start,
)
from kontor.process.runtime import effects as fx
from kontor.process.runtime.feel_evaluator import FeelEvaluator
from kontor.process.store import DefinitionStore, DeployedDefinition, InstanceRecord, InstanceStore

log = logging.getLogger(__name__)

Step = Callable[[Definitions, InstanceState], StepResult]
"""One runtime command applied to an instance's definitions and state."""


@dataclass
class ProcessServices:
    """What the handlers share: the expression evaluator and parsed definitions by id."""

    evaluator: ExpressionEvaluator = field(default_factory=FeelEvaluator)
    _parsed: dict[str, Definitions] = field(default_factory=dict)

    def definitions(self, uow: UnitOfWork, tenant_id: str, definition_id: str) -> Definitions:
        """The parsed BPMN of a deployed definition (parsed once per process)."""
        parsed = self._parsed.get(definition_id)
        if parsed is None:
            stored = DefinitionStore(uow.connection, tenant_id).get(definition_id)
            parsed = parse_bpmn(stored.bpmn_xml, f"{stored.process_key}@{stored.version}")
            self._parsed[definition_id] = parsed
        return parsed

    def apply(
        self, uow: UnitOfWork, record: InstanceRecord, step: Step, envelope: dict[str, Any]
    ) -> InstanceRecord:
        """Run ``step`` on a stored instance, save the result and emit what it caused."""
        definitions = self.definitions(uow, record.tenant_id, record.definition_id)
        try:
            result = step(definitions, record.state)
        except RuntimeCommandError as error:
            raise InvalidProcessCommand(str(error), reason=error.code) from error
        store = InstanceStore(uow.connection, record.tenant_id)
        saved = store.save(record, result.state, result.effects, uow.clock.now())
        publish(uow, saved, result.effects, envelope)
        return saved

    def deploy(self, command: msg.DeployProcess, uow: UnitOfWork) -> list[DeployedDefinition]:
        """Deploy the executable processes of a BPMN document; identical ones stay as they are."""
        try:
            definitions = parse_bpmn(command.bpmn_xml, command.source_name)
        except BpmnImportError as error:
            raise InvalidProcessModel(str(error), line=error.line) from error
        errors = [str(i) for i in validate(definitions) if i.severity is Severity.ERROR]
        if errors:
            raise InvalidProcessModel(f"{command.source_name} has errors", issues=errors)
        store = DefinitionStore(uow.connection, command.tenant_id)
        deployed = []
        for process in definitions.processes.values():
            if process.is_executable:
                definition, _ = store.deploy(
                    process.id, process.name, command.bpmn_xml, uow.clock.now()
                )
                deployed.append(definition)
        if not deployed:
            raise InvalidProcessModel(f"{command.source_name} has no executable process")
        return deployed

    def start(self, command: msg.StartProcess, uow: UnitOfWork) -> str:
        """Start the latest version of a process; return the new instance's id."""
        tenant_id = command.tenant_id
        definition = DefinitionStore(uow.connection, tenant_id).latest(command.process_key)
        definitions = self.definitions(uow, tenant_id, definition.definition_id)
        instance_id = command.instance_id or str(uuid.uuid4())
        try:
            result = start(
                definitions, command.process_key, command.variables, uow.clock,
                evaluator=self.evaluator, instance_id=instance_id,
            )  # fmt: skip
        except RuntimeCommandError as error:
            raise InvalidProcessCommand(str(error), reason=error.code) from error
        record = InstanceRecord(
            instance_id, tenant_id, definition.definition_id, command.process_key,
            definition.version, command.business_key, command.case_id, result.state, 1,
            uow.clock.now(),
        )  # fmt: skip
        InstanceStore(uow.connection, tenant_id).add(record, result.effects, uow.clock.now())
        publish(uow, record, result.effects, command.caused())
        return instance_id

    def complete_user_task(self, command: msg.CompleteUserTask, uow: UnitOfWork) -> None:
        """Complete an open user task and move the instance on."""
        record = InstanceStore(uow.connection, command.tenant_id).get(command.instance_id)
        self.apply(
            uow, record, self._completing(command.task_id, command.variables, uow), command.caused()
        )

    def on_task_completed(self, event: msg.TaskCompleted, uow: UnitOfWork) -> None:
        """Move the instance on when a task that came from a process was completed."""
        if event.process_instance_id is None or event.process_task_id is None:
            return  # not a process task
        record = InstanceStore(uow.connection, event.tenant_id).get(event.process_instance_id)
        if event.process_task_id not in record.state.user_tasks:
            log.info("task %s of %s is no longer open", event.process_task_id, record.instance_id)
            return
        step = self._completing(event.process_task_id, event.variables, uow)
        self.apply(uow, record, step, event.caused())

    def correlate_message(self, command: msg.CorrelateMessage, uow: UnitOfWork) -> str:
        """Deliver a message to the oldest instance waiting for it; return that instance's id."""
        store = InstanceStore(uow.connection, command.tenant_id)
        waiting = store.subscribers("message", command.name, command.correlation_key)
        if not waiting:
            raise MessageNotCorrelated(
                f"no instance waits for message {command.name!r} "
                f"with correlation key {command.correlation_key!r}",
                name=command.name,
            )
        record = store.get(waiting[0].instance_id)

        def step(definitions: Definitions, state: InstanceState) -> StepResult:
            return correlate_message(
                definitions, state, command.name, command.correlation_key, command.variables,
                uow.clock, evaluator=self.evaluator,
            )  # fmt: skip

        self.apply(uow, record, step, command.caused())
        return record.instance_id

    def broadcast_signal(self, command: msg.BroadcastSignal, uow: UnitOfWork) -> int:
        """Deliver a signal to every waiting instance of the tenant; return how many."""
        store = InstanceStore(uow.connection, command.tenant_id)
        instance_ids = dict.fromkeys(
            s.instance_id for s in store.subscribers("signal", command.name)
        )

        def step(definitions: Definitions, state: InstanceState) -> StepResult:
            return broadcast_signal(
                definitions, state, command.name, command.variables, uow.clock,
                evaluator=self.evaluator,
            )  # fmt: skip

        for instance_id in instance_ids:
            self.apply(uow, store.get(instance_id), step, command.caused())
        return len(instance_ids)

    def _completing(self, task_id: str, variables: dict[str, Any], uow: UnitOfWork) -> Step:
        def step(definitions: Definitions, state: InstanceState) -> StepResult:
            if task_id not in state.user_tasks:
                raise UnknownWaitStateError(f"user task {task_id!r} is not open")
            return complete_user_task(
                definitions, state, task_id, variables, uow.clock, evaluator=self.evaluator
            )

        return step


def publish(
    uow: UnitOfWork, record: InstanceRecord, effects: list[Effect], envelope: dict[str, Any]
) -> None:
    """Emit the events (and follow-up commands) a step's effects call for."""
    base = {
        **envelope,
        "tenant_id": record.tenant_id,
        "instance_id": record.instance_id,
        "occurred_at": uow.clock.now(),
    }
    keys = {"process_key": record.process_key, "case_id": record.case_id}
    for effect in effects:
        if isinstance(effect, fx.UserTaskActivated):
            uow.emit(
                msg.UserTaskActivated(
                    **base, **keys, business_key=record.business_key, task_id=effect.task_id,
                    element_id=effect.element_id, name=effect.name, assignee=effect.assignee,
                    candidate_groups=list(effect.candidate_groups),
                    candidate_users=list(effect.candidate_users), due_date=effect.due_date,
                    follow_up_date=effect.follow_up_date, priority=effect.priority,
                    form_key=effect.form_key, variables=effect.variables,
                )
            )  # fmt: skip
        elif isinstance(effect, fx.UserTaskCancelled):
            uow.emit(
                msg.UserTaskCancelled(
                    **base, task_id=effect.task_id, element_id=effect.element_id,
                    case_id=record.case_id,
                )
            )  # fmt: skip
        elif isinstance(effect, fx.IncidentRaised):
            uow.emit(
                msg.IncidentRaised(
                    **base, **keys, incident_id=effect.incident_id,
                    element_id=effect.element_id, reason=effect.reason,
                )
            )  # fmt: skip
        elif isinstance(effect, fx.InstanceCompleted):
            uow.emit(
                msg.ProcessInstanceCompleted(
                    **base, **keys, business_key=record.business_key,
                    terminated=effect.terminated, variables=effect.variables,
                )
            )  # fmt: skip
        elif isinstance(effect, fx.SignalThrown):
            signal = {**envelope, "tenant_id": record.tenant_id, "name": effect.name}
            uow.emit(msg.BroadcastSignal(**signal, variables=effect.variables))


def register(
    registry: HandlerRegistry, evaluator: ExpressionEvaluator | None = None
) -> ProcessServices:
    """Register the process commands and event subscriptions; return the shared services."""
    services = ProcessServices(evaluator or FeelEvaluator())
    registry.register_command(msg.DeployProcess, services.deploy)
    registry.register_command(msg.StartProcess, services.start)
    registry.register_command(msg.CompleteUserTask, services.complete_user_task)
    registry.register_command(msg.CorrelateMessage, services.correlate_message)
    registry.register_command(msg.BroadcastSignal, services.broadcast_signal)
    registry.subscribe(msg.TaskCompleted, services.on_task_completed, "process.on_task_completed")
    return services
