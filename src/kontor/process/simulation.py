"""Runs a whole collaboration in memory: its instances, their messages, signals and calls.

For ``kontor bpmn run`` and trials. The processes of one or more files run side by side:

- a message thrown (by a throw or end event, or when a send task's job completes) follows the
  message flows that leave its element or pool; without one it goes to whatever waits for a
  message of that name. It reaches a waiting instance at the target element (a catch event,
  receive task, boundary event) or starts the target's process at a message start event; a
  message nobody waits for yet is kept and delivered once someone does;
- a signal reaches every waiting instance, the sender included, and starts every process with a
  signal start event of that name;
- a call activity starts its called process, found among all given files; its end completes the
  call, an uncaught BPMN error is offered to the caller, a missing process is an incident there.

Time is a ``FakeClock``: when nothing else can move, it jumps to the next due timer of any
instance. Jobs have no workers here, so they complete with an empty result; user tasks complete
only when asked. Each step runs within the same budget as on the server: a loop without wait
state ends in an incident.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from contextlib import suppress
from dataclasses import dataclass, field
from typing import Any

from kontor.messaging import FakeClock
from kontor.process.bpmn import Definitions, EventKind, FlowNode, NodeKind
from kontor.process.runtime import (
    ActivityCompleted,
    CallActivityCancelled,
    CallActivityStarted,
    Effect,
    ExpressionEvaluator,
    IncidentRaised,
    InstanceCompleted,
    InstanceState,
    InstanceStatus,
    MessageThrown,
    NotCaughtError,
    SignalThrown,
    StepBudget,
    StepLimits,
    StepResult,
    broadcast_signal,
    complete_call_activity,
    complete_job,
    complete_user_task,
    correlate_message,
    fail_call_activity,
    fire_timer,
    start,
    throw_call_error,
)
from kontor.process.runtime.budget import run_within
from kontor.process.runtime.control import cancel
from kontor.process.runtime.timers import parse_date

_SENDING_JOBS = frozenset(
    {NodeKind.SEND_TASK, NodeKind.INTERMEDIATE_THROW_EVENT, NodeKind.END_EVENT}
)


@dataclass(frozen=True)
class CompletedActivity:
    """A flow node an instance left normally, with its name and BPMN kind."""

    element_id: str
    name: str | None
    kind: str


@dataclass
class SimulatedInstance:
    """One instance of the run: its state, the effects it emitted and how it began."""

    number: int
    definitions: Definitions
    state: InstanceState
    started_by: str
    """``start``, ``message 'name'``, ``signal 'name'`` or ``call from 'element'``."""
    caller: tuple[SimulatedInstance, str] | None = None
    """The calling instance and its call activity's token, for a called process."""
    effects: list[Effect] = field(default_factory=list)

    @property
    def process_id(self) -> str:
        """The id of the instance's process."""
        return self.state.process_id

    @property
    def active(self) -> bool:
        """Whether the instance still runs."""
        return self.state.status is InstanceStatus.ACTIVE

    @property
    def completed(self) -> list[CompletedActivity]:
        """Completed flow nodes in completion order."""
        process = self.definitions.process(self.process_id)
        return [
            CompletedActivity(e.element_id, process.node(e.element_id).name, e.element_kind)
            for e in self.effects
            if isinstance(e, ActivityCompleted)
        ]

    @property
    def waiting_at(self) -> list[str]:
        """Element ids of the wait states still open, sorted."""
        s = self.state
        tables = (s.user_tasks, s.jobs, s.timers, s.subscriptions)
        return sorted(row.element_id for table in tables for row in table.values())

    @property
    def outcome(self) -> str:
        """``completed``, ``incident`` or ``waiting``."""
        if self.state.incidents:
            return "incident"
        return "waiting" if self.active else "completed"


@dataclass(frozen=True)
class PendingMessage:
    """A thrown message that nothing waited for yet."""

    name: str
    variables: dict[str, Any]
    sender: str
    """``process/element`` that threw it."""
    target: str | None = None
    """The element or pool its message flow leads to (None: whoever waits for its name)."""


@dataclass
class Simulation:
    """The outcome of a simulated run: every instance, undelivered messages, whether cut short."""

    instances: list[SimulatedInstance] = field(default_factory=list)
    undelivered: list[PendingMessage] = field(default_factory=list)
    sent_outside: list[PendingMessage] = field(default_factory=list)
    """Messages along a message flow to a black-box pool (one without a process)."""
    step_limit_reached: bool = False

    @property
    def outcome(self) -> str:
        """``incident`` if an instance has one, else ``waiting`` if one waits, or ``completed``."""
        outcomes = {instance.outcome for instance in self.instances}
        for outcome in ("incident", "waiting"):
            if outcome in outcomes:
                return outcome
        return "completed"

    def activity_counts(self) -> Counter[tuple[str, str]]:
        """How often each (process, element) completed, across all instances."""
        return Counter(
            (instance.process_id, activity.element_id)
            for instance in self.instances
            for activity in instance.completed
        )


def _definition_named(
    definitions: Definitions, node: FlowNode, kind: EventKind, name: str
) -> int | None:
    """The index of the start event's message or signal definition named ``name``, if any
    (an instantiating receive task: 0 when its message has that name)."""
    named: Mapping[str, Any] = (
        definitions.messages if kind is EventKind.MESSAGE else definitions.signals
    )
    if node.kind is NodeKind.RECEIVE_TASK:
        found = named.get(node.message_ref or "") if kind is EventKind.MESSAGE else None
        return 0 if (found.name or found.id if found else node.id) == name else None
    for index, definition in enumerate(node.event_definitions):
        found = named.get(definition.message_ref or definition.signal_ref or "")
        if definition.kind is kind and (found.name or found.id if found else node.id) == name:
            return index
    return None


def _trigger_of(node: FlowNode) -> str:
    """What starts the process at ``node``: its event kind, ``message`` for a receive task."""
    return "message" if node.kind is NodeKind.RECEIVE_TASK else node.event_kind.value


class ProcessNotFoundError(ValueError):
    """A process to start is in none of the given files."""


class _Run:
    """The moving parts of one simulation: instances, the clock and messages in flight."""

    def __init__(
        self,
        models: Sequence[Definitions],
        evaluator: ExpressionEvaluator,
        clock: FakeClock,
        limits: StepLimits,
    ) -> None:
        self.owner: dict[str, Definitions] = {}
        for definitions in models:
            for process_id in definitions.processes:
                self.owner.setdefault(process_id, definitions)
        self.flows = [flow for definitions in models for flow in definitions.message_flows]
        self.pools = {
            participant: process_id
            for definitions in models
            for participant, process_id in definitions.participants.items()
        }
        self.evaluator = evaluator
        self.clock = clock
        self.limits = limits
        self.result = Simulation()
        self.pending: list[PendingMessage] = []
        self.arrivals: dict[tuple[str, str], dict[int, list[dict[str, Any]]]] = {}
        """What parallel multiple start events received: per definition, oldest first."""

    # -- starting and stepping ------------------------------------------------------------

    def start(
        self,
        process_id: str,
        variables: Mapping[str, Any],
        started_by: str,
        *,
        start_event_id: str | None = None,
        caller: tuple[SimulatedInstance, str] | None = None,
    ) -> None:
        definitions = self.owner[process_id]
        number = len(self.result.instances) + 1
        first = self._budgeted(
            lambda: start(
                definitions, process_id, variables, self.clock, evaluator=self.evaluator,
                instance_id=f"instance-{number}", start_event_id=start_event_id,
            )
        )  # fmt: skip
        instance = SimulatedInstance(number, definitions, first.state, started_by, caller)
        self.result.instances.append(instance)
        self._apply(instance, first)

    def step(self, instance: SimulatedInstance, command: Callable[..., StepResult]) -> None:
        """Run ``command(definitions, state, …)`` on ``instance`` and follow its effects."""
        result = self._budgeted(lambda: command(instance.definitions, instance.state))
        self._apply(instance, result)

    def _budgeted(self, step: Callable[[], StepResult]) -> StepResult:
        return run_within(StepBudget(self.limits), step)

    def _apply(self, instance: SimulatedInstance, result: StepResult) -> None:
        instance.state = result.state
        instance.effects.extend(result.effects)
        for effect in result.effects:
            self._follow(instance, effect)
        self._deliver_pending()

    def _follow(self, instance: SimulatedInstance, effect: Effect) -> None:
        if isinstance(effect, MessageThrown):
            self._send(instance, effect.element_id, effect.name, effect.variables)
        elif isinstance(effect, SignalThrown):
            self._signal(effect.name, effect.variables)
        elif isinstance(effect, CallActivityStarted):
            self._call(instance, effect)
        elif isinstance(effect, CallActivityCancelled):
            for called in self.result.instances:
                if called.active and called.caller == (instance, effect.token_id):
                    self.step(called, self._with(cancel))
        elif isinstance(effect, InstanceCompleted) and instance.caller is not None:
            caller, token_id = instance.caller
            variables = effect.variables
            self.step(caller, self._with(complete_call_activity, token_id, variables))
        elif isinstance(effect, IncidentRaised) and effect.error_code and instance.caller:
            caller, token_id = instance.caller
            # not caught there either: the called instance keeps its incident, as on the server
            with suppress(NotCaughtError):
                self.step(caller, self._with(throw_call_error, token_id, effect.error_code))

    def _with(self, command: Callable[..., StepResult], *args: Any) -> Callable[..., StepResult]:
        """``command`` with its arguments after the state, and the clock and evaluator."""

        def bound(definitions: Definitions, state: InstanceState) -> StepResult:
            return command(definitions, state, *args, self.clock, evaluator=self.evaluator)

        return bound

    # -- calls, messages, signals ----------------------------------------------------------

    def _call(self, instance: SimulatedInstance, effect: CallActivityStarted) -> None:
        if effect.process_id not in self.owner:
            reason = f"no process '{effect.process_id}' in the given files"
            self.step(instance, self._with(fail_call_activity, effect.token_id, reason))
            return
        self.start(
            effect.process_id, effect.variables, f"call from '{effect.element_id}'",
            caller=(instance, effect.token_id),
        )  # fmt: skip

    def send_after_job(self, instance: SimulatedInstance, node: FlowNode) -> None:
        """The job of a send task or message throw event completed: its message goes out."""
        if node.kind is NodeKind.SEND_TASK:
            message_ref = node.message_ref
        elif node.event_kind is EventKind.MESSAGE:
            message_ref = node.event.message_ref
        else:
            return
        message = instance.definitions.messages.get(message_ref or "")
        name = (message.name or message.id) if message else node.id
        self._send(instance, node.id, name, dict(instance.state.variables))

    def _send(
        self, instance: SimulatedInstance, element_id: str, name: str, variables: dict[str, Any]
    ) -> None:
        sender = f"{instance.process_id}/{element_id}"
        pool = {pool for pool, process in self.pools.items() if process == instance.process_id}
        targets = [
            flow.target_ref
            for flow in self.flows
            if flow.source_ref == element_id or flow.source_ref in pool
        ]
        for target in targets or (None,):
            message = PendingMessage(name, variables, sender, target)
            if not self._deliver(message):
                self.pending.append(message)

    def _deliver_pending(self) -> None:
        while True:
            delivered = next((m for m in self.pending if self._deliver(m)), None)
            if delivered is None:
                return
            self.pending.remove(delivered)

    def _deliver(self, message: PendingMessage) -> bool:
        """Hand ``message`` to a waiting instance or start a process with it; whether it went."""
        if message.target in self.pools and self.pools[message.target] is None:
            self.result.sent_outside.append(message)  # a black-box pool: it leaves the model
            return True
        for instance in self.result.instances:
            for subscription in instance.state.subscriptions.values() if instance.active else ():
                if subscription.event == "message" and self._meant_for(
                    message, instance.process_id, subscription.element_id, subscription.name
                ):
                    command = self._with(
                        correlate_message, subscription.name, subscription.correlation_key,
                        message.variables,
                    )  # fmt: skip
                    self.step(instance, command)
                    return True
        for process_id, definitions in self.owner.items():
            process = definitions.process(process_id)
            for node in (*process.start_events(), *process.instantiating_receive_tasks()):
                index = _definition_named(definitions, node, EventKind.MESSAGE, message.name)
                if message.target is not None and message.target not in self.pools:
                    index = (index or 0) if node.id == message.target else None  # its flow
                elif index is not None and not self._meant_for(
                    message, process_id, node.id, message.name
                ):
                    index = None
                if index is not None:
                    label = f"message '{message.name}'"
                    self._start_by(process_id, node, index, message.variables, label)
                    return True
        return False

    def _start_by(
        self, process_id: str, node: FlowNode, index: int, variables: dict[str, Any], label: str
    ) -> None:
        """Start at ``node`` for its ``index``-th definition; a parallel multiple start event
        keeps it until each of its definitions came, then starts with all of them."""
        if not node.parallel_multiple:
            self.start(process_id, variables, label, start_event_id=node.id)
            return
        came = self.arrivals.setdefault((process_id, node.id), {})
        came.setdefault(index, []).append(variables)
        if len(came) < len(node.event_definitions):
            return
        merged: dict[str, Any] = {}
        for definition in sorted(came):
            merged.update(came[definition].pop(0))
        self.arrivals[(process_id, node.id)] = {i: v for i, v in came.items() if v}
        self.start(process_id, merged, f"all of '{node.id}'", start_event_id=node.id)

    def _meant_for(
        self, message: PendingMessage, process_id: str, element_id: str, name: str
    ) -> bool:
        """Whether a message catch (or start) at ``element_id`` of ``process_id`` takes it.

        Along a message flow to an element: only that element; to a pool: its catches of the
        message's name; without a flow: every catch of that name.
        """
        if message.target is None:
            return name == message.name
        if message.target in self.pools:
            return self.pools[message.target] == process_id and name == message.name
        return element_id == message.target

    def _signal(self, name: str, variables: dict[str, Any]) -> None:
        for instance in list(self.result.instances):
            listening = instance.active and any(
                s.event == "signal" and s.name == name
                for s in instance.state.subscriptions.values()
            )
            if listening:
                self.step(instance, self._with(broadcast_signal, name, variables))
        for process_id, definitions in list(self.owner.items()):
            for node in definitions.process(process_id).start_events():
                index = _definition_named(definitions, node, EventKind.SIGNAL, name)
                if index is not None:
                    self._start_by(process_id, node, index, variables, f"signal '{name}'")

    # -- what moves next -------------------------------------------------------------------

    def next_move(self, complete_tasks: bool) -> Callable[[], None] | None:
        """The next thing that can happen, or None when nothing can (time jumps before it)."""
        for ready in (self._due_timer, self._open_job, self._open_task if complete_tasks else None):
            if ready is None:
                continue
            for instance in self.result.instances:
                if instance.active and (move := ready(instance)) is not None:
                    return move
        upcoming = [
            (parse_date(timer.due), instance.number)
            for instance in self.result.instances
            if instance.active
            for timer in instance.state.timers.values()
        ]
        if not upcoming:
            return None
        due, _ = min(upcoming)
        self.clock.advance(due - self.clock.now())
        return self.next_move(complete_tasks)

    def _due_timer(self, instance: SimulatedInstance) -> Callable[[], None] | None:
        timers = instance.state.timers.values()
        first = min(timers, key=lambda timer: parse_date(timer.due), default=None)
        if first is not None and parse_date(first.due) <= self.clock.now():
            return lambda: self.step(instance, self._with(fire_timer, first.id))
        return None

    def _open_job(self, instance: SimulatedInstance) -> Callable[[], None] | None:
        stuck = {incident.job_id for incident in instance.state.incidents.values()}
        for job in instance.state.jobs.values():
            if job.id not in stuck:
                node = instance.definitions.process(instance.process_id).node(job.element_id)

                def run(job_id: str = job.id, node: FlowNode = node) -> None:
                    self.step(instance, self._with(complete_job, job_id, {}))
                    if node.kind in _SENDING_JOBS:
                        self.send_after_job(instance, node)

                return run
        return None

    def _open_task(self, instance: SimulatedInstance) -> Callable[[], None] | None:
        if not instance.state.user_tasks:
            return None
        task_id = next(iter(instance.state.user_tasks.values())).id
        return lambda: self.step(instance, self._with(complete_user_task, task_id, {}))


def simulate(
    models: Sequence[Definitions],
    process_ids: Sequence[str],
    variables: Mapping[str, Any],
    *,
    evaluator: ExpressionEvaluator,
    clock: FakeClock | None = None,
    complete_user_tasks: bool = False,
    max_steps: int = 1000,
    limits: StepLimits | None = None,
) -> Simulation:
    """Start ``process_ids`` (each with ``variables``; one without a none start event at its
    first start event, as if its trigger had come) and drive every instance that follows until
    all have ended or wait for what will not come, or ``max_steps`` moves ran."""
    run = _Run(models, evaluator, clock or FakeClock(), limits or StepLimits())
    for process_id in process_ids:
        if process_id not in run.owner:
            raise ProcessNotFoundError(f"no process '{process_id}' in the given files")
        process = run.owner[process_id].process(process_id)
        starts = process.start_events() or process.instantiating_receive_tasks()
        if starts and not any(
            node.kind is NodeKind.START_EVENT and node.event_kind is EventKind.NONE
            for node in starts
        ):
            # no none start event: run it as if its trigger (message, signal, timer) had come
            first = starts[0]
            run.start(
                process_id, variables, f"start at '{first.id}' ({_trigger_of(first)})",
                start_event_id=first.id,
            )  # fmt: skip
        else:
            run.start(process_id, variables, "start")
    for _ in range(max_steps):
        move = run.next_move(complete_user_tasks)
        if move is None:
            break
        move()
    else:
        run.result.step_limit_reached = any(i.active for i in run.result.instances)
    run.result.undelivered = list(run.pending)
    return run.result
