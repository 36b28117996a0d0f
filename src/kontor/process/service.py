"""The process engine's service layer: command handlers that load, step, save and emit.

Every step runs in the caller's unit of work: the new state, its jobs, subscriptions, history
and the events it causes commit together (events through the outbox).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from kontor import contracts
from kontor.db.ids import time_ordered_id
from kontor.messaging import HandlerRegistry, UnitOfWork
from kontor.process import messages as msg
from kontor.process.ad_hoc import register_ad_hoc_handlers
from kontor.process.audit import register_audit
from kontor.process.bpmn import BpmnImportError, Definitions, Severity, parse_bpmn, validate
from kontor.process.calls import follow_calls
from kontor.process.control import register_control
from kontor.process.errors import (
    ConcurrentModification,
    InvalidProcessCommand,
    InvalidProcessModel,
    MessageNotCorrelated,
    StepStopped,
)
from kontor.process.incidents import register_incident_handlers
from kontor.process.launch import first_step, launch
from kontor.process.running_steps import RunningSteps
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
)
from kontor.process.runtime import effects as fx
from kontor.process.runtime.budget import StepInterrupted, StepLimits, run_within
from kontor.process.runtime.control import PARKED_USER_TASK, is_parked, park
from kontor.process.runtime.feel_evaluator import FeelEvaluator
from kontor.process.runtime.state import ParkedCompletion
from kontor.process.starts import (
    arm_start_events,
    start_by_conditions,
    start_by_message,
    start_by_signal,
)
from kontor.process.store import (
    DefinitionStore,
    DeployedDefinition,
    HistoryLevel,
    InstanceRecord,
    InstanceStore,
)
from kontor.process.task_handlers import InlineTasks

log = logging.getLogger(__name__)

Step = Callable[[Definitions, InstanceState], StepResult]
"""One runtime command applied to an instance's definitions and state."""

_READ_AHEAD = "process.instance"  # what a batch of completed tasks read ahead, per instance
_REAPPLIES = 5  # how often a step meets a newer revision before the caller sees the conflict


@dataclass
class ProcessServices:
    """What the handlers share: the expression evaluator, step budgets, parsed definitions."""

    evaluator: ExpressionEvaluator = field(default_factory=FeelEvaluator)
    history_level: HistoryLevel = HistoryLevel.FULL
    inline: InlineTasks | None = None  # handlers that run within the step (set at bootstrap)
    limits: StepLimits = field(default_factory=StepLimits)
    running: RunningSteps = field(default_factory=RunningSteps)
    _parsed: dict[str, Definitions] = field(default_factory=dict)
    _deployed: dict[str, DeployedDefinition] = field(default_factory=dict)

    def definitions(self, uow: UnitOfWork, tenant_id: str, definition_id: str) -> Definitions:
        """The parsed BPMN of a deployed definition (parsed once per process)."""
        parsed = self._parsed.get(definition_id)
        if parsed is None:
            stored = self.deployed(uow, tenant_id, definition_id)
            parsed = parse_bpmn(stored.bpmn_xml, f"{stored.process_key}@{stored.version}")
            self._parsed[definition_id] = parsed
        return parsed

    def deployed(self, uow: UnitOfWork, tenant_id: str, definition_id: str) -> DeployedDefinition:
        """A deployed definition of the tenant (kept in memory: deployed versions never change)."""
        found = self._deployed.get(definition_id)
        if found is None or found.tenant_id != tenant_id:
            found = DefinitionStore(uow.connection, tenant_id).get(definition_id)
            self._deployed[definition_id] = found
        return found

    def latest(self, uow: UnitOfWork, tenant_id: str, process_key: str) -> DeployedDefinition:
        """The newest deployed version of ``process_key`` (looked up once per transaction: a
        batch of starts asks for the same)."""
        store = DefinitionStore(uow.connection, tenant_id)
        definition_id = uow.remembered(
            ("latest_definition", tenant_id, process_key), lambda: store.latest_id(process_key)
        )
        return self.deployed(uow, tenant_id, definition_id)

    def apply(
        self, uow: UnitOfWork, record: InstanceRecord, step: Step, envelope: dict[str, Any]
    ) -> InstanceRecord:
        """Run ``step`` on a stored instance, save the result and emit what it caused.

        When the instance changed since ``record`` was read (another branch completed at the
        same moment), ``step`` runs again on the newer state: steps are pure, so the caller's
        result is applied once and never refused for a concurrent change.
        """
        store = InstanceStore(uow.connection, record.tenant_id)
        attempt = 1
        while True:
            definitions = self.definitions(uow, record.tenant_id, record.definition_id)
            try:
                result = self.run_step(
                    uow, definitions, record.tenant_id, record.instance_id, record.state,
                    partial(step, definitions, record.state),
                )  # fmt: skip
            except RuntimeCommandError as error:
                raise InvalidProcessCommand(
                    str(error), reason=error.code, **error.details
                ) from error
            try:
                saved = store.save(
                    record, result.state, result.effects, uow.clock.now(),
                    history_level=self.history_level,
                )  # fmt: skip
            except ConcurrentModification:
                if attempt == _REAPPLIES:
                    raise
                attempt += 1
                log.info("instance %s moved on; applying the step again", record.instance_id)
                record = store.get(record.instance_id)
                continue
            self.emit(uow, saved, result.effects, envelope)
            return saved

    def run_step(
        self,
        uow: UnitOfWork,
        definitions: Definitions,
        tenant_id: str,
        instance_id: str,
        before: InstanceState | None,
        step: Callable[[], StepResult],
    ) -> StepResult:
        """``step`` and the inline service tasks it reaches, within the step budget.

        A step that runs out of budget is rolled back and run again up to the elements it
        would have entered: its tokens wait there in an incident naming the loop, so nothing
        retries it until a person modifies, resolves or cancels the instance. A step stopped
        by a cancel or suspend of its instance is refused with ``StepStopped``.
        """
        with self.running.run(tenant_id, instance_id, self.limits) as budget:
            try:
                return run_within(
                    budget,
                    lambda: self.run_inline(definitions, tenant_id, before, step(), uow),
                    again=step,
                )
            except StepInterrupted as stop:
                raise StepStopped(
                    f"a {stop.reason} of instance {instance_id} stopped the step that ran; "
                    "nothing of the step was applied"
                ) from stop

    def run_inline(
        self,
        definitions: Definitions,
        tenant_id: str,
        before: InstanceState | None,
        result: StepResult,
        uow: UnitOfWork,
    ) -> StepResult:
        """``result`` with the inline service tasks it reached run and completed."""
        if self.inline is None:
            return result
        return self.inline.run(definitions, tenant_id, before, result, uow.clock, self.evaluator)

    def emit(
        self,
        uow: UnitOfWork,
        record: InstanceRecord,
        effects: list[Effect],
        envelope: dict[str, Any],
    ) -> None:
        """Publish what a step caused and follow its call activities into other instances."""
        publish(uow, record, effects, envelope)
        follow_calls(self, uow, record, effects, envelope)

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
                definition, created = store.deploy(
                    process.id, process.name, command.bpmn_xml, uow.clock.now(),
                    history_ttl_days=process.history_ttl_days,
                )  # fmt: skip
                if created:
                    uow.forget(("latest_definition", command.tenant_id, process.id))
                    arm_start_events(self, uow, definition)
                deployed.append(definition)
        if not deployed:
            raise InvalidProcessModel(f"{command.source_name} has no executable process")
        return deployed

    def start(self, command: msg.StartProcess, uow: UnitOfWork) -> str:
        """Start the latest version of a process; return the new instance's id."""
        tenant_id = command.tenant_id
        instance_id = command.instance_id or time_ordered_id()
        with uow.before_writing() as reading:  # the step's expressions run holding no lock
            definition = self.latest(reading, tenant_id, command.process_key)
            self.definitions(reading, tenant_id, definition.definition_id)
        first = first_step(self, uow, definition, command.variables, instance_id)
        record = launch(
            self, uow, definition, command.variables, command.caused(),
            business_key=command.business_key, case_id=command.case_id,
            instance_id=instance_id, started_by=command.actor, first=first,
        )  # fmt: skip
        return record.instance_id

    def complete_user_task(self, command: msg.CompleteUserTask, uow: UnitOfWork) -> None:
        """Complete an open user task and move the instance on (once resumed, if suspended).

        Completed here rather than in the task system, its task there is told it is done.
        """
        record = InstanceStore(uow.connection, command.tenant_id).get(command.instance_id)
        self.apply(
            uow, record, self._completing(command.task_id, command.variables, uow), command.caused()
        )
        uow.emit(
            contracts.UserTaskCompletedInProcess(
                **command.caused(), instance_id=record.instance_id, task_id=command.task_id,
                case_id=record.case_id, completed_by=command.actor,
            )
        )  # fmt: skip

    def on_task_completed(self, event: contracts.TaskCompleted, uow: UnitOfWork) -> None:
        """Move the instance on when a task that came from a process was completed."""
        if event.process_instance_id is None or event.process_task_id is None:
            return  # not a process task
        store = InstanceStore(uow.connection, event.tenant_id)
        key = (_READ_AHEAD, event.tenant_id, event.process_instance_id)
        record = uow.taken(key, lambda: store.get(event.process_instance_id or ""))
        if event.process_task_id not in record.state.user_tasks:
            log.info("task %s of %s is no longer open", event.process_task_id, record.instance_id)
            return
        if is_parked(record.state, event.process_task_id):
            log.info(
                "task %s of %s waits for the resume", event.process_task_id, record.instance_id
            )
            return
        step = self._completing(event.process_task_id, event.variables, uow)
        self.apply(uow, record, step, event.caused())

    def read_ahead_completed(
        self, events: Sequence[contracts.TaskCompleted], uow: UnitOfWork
    ) -> None:
        """Read the instances of completed tasks with the other handlers' reads
        (``on_task_completed`` takes each; an instance that moves meanwhile is read again when
        its step is applied)."""
        by_tenant: dict[str, set[str]] = {}
        for event in events:
            if event.process_instance_id is not None and event.process_task_id is not None:
                by_tenant.setdefault(event.tenant_id, set()).add(event.process_instance_id)
        for tenant_id, instance_ids in by_tenant.items():
            store, wanted = InstanceStore(uow.connection, tenant_id), sorted(instance_ids)
            uow.read_ahead(
                store.reads(wanted), partial(_keep_instances, uow, tenant_id, store, wanted)
            )

    def correlate_message(self, command: msg.CorrelateMessage, uow: UnitOfWork) -> str | None:
        """Deliver a message to the oldest instance waiting for it, else start the processes
        with a message start event for it; return the (first) instance's id (None: a parallel
        multiple start event kept it, waiting for its other definitions)."""
        store = InstanceStore(uow.connection, command.tenant_id)
        waiting = store.subscribers("message", command.name, command.correlation_key)
        if command.instance_id is not None:
            waiting = [w for w in waiting if w.instance_id == command.instance_id]
        targeted = waiting or command.instance_id is not None
        started = None if targeted else start_by_message(self, uow, command)
        if started is not None:
            return started or None  # KEPT: no instance yet
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
        """Deliver a signal to every waiting instance and start the processes with a signal
        start event of that name; return how many instances it reached."""
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
        return len(instance_ids) + start_by_signal(self, uow, command)

    def evaluate_conditions(self, command: msg.EvaluateConditions, uow: UnitOfWork) -> list[str]:
        """Start the processes whose conditional start condition holds; the new instances."""
        return start_by_conditions(self, uow, command)

    def _completing(self, task_id: str, variables: dict[str, Any], uow: UnitOfWork) -> Step:
        def step(definitions: Definitions, state: InstanceState) -> StepResult:
            if task_id not in state.user_tasks:
                raise UnknownWaitStateError(f"user task {task_id!r} is not open")
            if state.suspended:  # accepted, applied on resume: the person's work is not lost
                return park(state, ParkedCompletion(PARKED_USER_TASK, task_id, dict(variables)))
            return complete_user_task(
                definitions, state, task_id, variables, uow.clock, evaluator=self.evaluator
            )

        return step


def _keep_instances(
    uow: UnitOfWork,
    tenant_id: str,
    store: InstanceStore,
    wanted: list[str],
    found: list[list[Any]],
) -> None:
    records = store.found(wanted, found)
    uow.keep_ahead({(_READ_AHEAD, tenant_id, key): one for key, one in records.items()})


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
                contracts.UserTaskActivated(
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
                contracts.UserTaskCancelled(
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
                    started_by=record.started_by,
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
    registry.register_command(msg.EvaluateConditions, services.evaluate_conditions)
    registry.subscribe(
        contracts.TaskCompleted,
        services.on_task_completed,
        "process.on_task_completed",
        read_ahead=services.read_ahead_completed,
    )
    register_control(registry, services)
    register_incident_handlers(registry, services)
    register_ad_hoc_handlers(registry, services)
    register_audit(registry)
    return services
