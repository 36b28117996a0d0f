"""Public commands of the pure runtime: each returns the new state and the emitted effects.

Commands never change the state they are given; they work on a copy, run every token to a
wait state and return ``StepResult(state, effects)``.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Collection, Mapping
from typing import Any, NamedTuple

from kontor.messaging import Clock
from kontor.process.bpmn.model import Definitions, EventKind, FlowNode
from kontor.process.runtime import activities, ad_hoc, data, errors_propagation, events
from kontor.process.runtime.effects import Effect, JobCreated, JobFailed
from kontor.process.runtime.errors import (
    InstanceNotActiveError,
    InstanceSuspendedError,
    NotCaughtError,
    NotCorrelatedError,
    RuntimeCommandError,
    Stuck,
    TimerNotDueError,
    UnknownWaitStateError,
    UnsupportedProcessError,
)
from kontor.process.runtime.execution import Execution
from kontor.process.runtime.ports import ExpressionEvaluator
from kontor.process.runtime.state import (
    InstanceState,
    InstanceStatus,
    ScopeKind,
    Subscription,
    Timer,
    Token,
    Wait,
)
from kontor.process.runtime.timers import parse_date


class StepResult(NamedTuple):
    """The instance state after a command and the effects it emitted, in order."""

    state: InstanceState
    effects: list[Effect]


def start(
    definitions: Definitions,
    process_id: str,
    variables: Mapping[str, Any] | None,
    clock: Clock,
    *,
    evaluator: ExpressionEvaluator,
    instance_id: str | None = None,
    start_event_id: str | None = None,
) -> StepResult:
    """Start an instance at the none start event (or ``start_event_id``) and run it."""
    process = definitions.processes.get(process_id)
    if process is None:
        raise UnsupportedProcessError(f"no process '{process_id}' in the definitions")
    receiving = {node.id: node for node in process.instantiating_receive_tasks()}
    start_event = receiving.get(start_event_id or "") or _choose_start(
        process.start_events(), start_event_id, process_id
    )
    state = InstanceState(instance_id=instance_id or uuid.uuid4().hex, process_id=process_id)
    ex = Execution(definitions, state, evaluator, clock.now())
    try:
        root = ex.open_scope(ScopeKind.PROCESS, process_id, None, dict(variables or {}))
    except Stuck as stuck:
        raise UnsupportedProcessError(stuck.reason) from stuck
    state.root_scope_id = root.id
    token = ex.new_token(root.id, start_event.id)
    if start_event.data_outputs:  # what started it (a message's data) into data objects
        data.associate_outputs(ex, token, start_event.data_outputs, variables or {})
    ex.schedule(token)
    ex.run()
    if start_event.id in receiving:
        # an instantiating receive task: the message that started the instance is its message
        opened = next((s for s in state.subscriptions.values() if s.token_id == token.id), None)
        if opened is not None:
            _trigger(ex, opened, {})
            ex.run()
    return StepResult(state, ex.effects)


def _choose_start(starts: list[FlowNode], wanted: str | None, process_id: str) -> FlowNode:
    if wanted is not None:
        for node in starts:
            if node.id == wanted:
                return node
        raise UnsupportedProcessError(f"'{wanted}' is no start event of process '{process_id}'")
    for node in starts:
        if node.event_kind is EventKind.NONE:
            return node
    raise UnsupportedProcessError(f"process '{process_id}' has no none start event")


def _command(
    definitions: Definitions,
    state: InstanceState,
    clock: Clock,
    evaluator: ExpressionEvaluator,
    action: Callable[[Execution], None],
    *,
    while_suspended: bool = False,
    owned: bool = False,
) -> StepResult:
    if state.status is not InstanceStatus.ACTIVE:
        raise InstanceNotActiveError(f"instance {state.instance_id} is {state.status.value}")
    if state.suspended and not while_suspended:
        raise InstanceSuspendedError(f"instance {state.instance_id} is suspended; resume it first")
    working = state if owned else state.copy()
    ex = Execution(definitions, working, evaluator, clock.now())
    try:
        action(ex)
    except Stuck as stuck:
        # Only scope-level triggers (no token to park) get here; refuse the command whole.
        raise RuntimeCommandError(stuck.reason) from stuck
    ex.run()
    return StepResult(working, ex.effects)


def _trigger(ex: Execution, row: Timer | Subscription, variables: Mapping[str, Any]) -> None:
    holder = ex.state.tokens.get(row.token_id or "")
    if holder is None:
        events.trigger(ex, row, variables)
    else:
        _guarded(ex, holder, lambda: events.trigger(ex, row, variables))


def _guarded(ex: Execution, token: Token, step: Callable[[], None]) -> None:
    try:
        step()
    except Stuck as stuck:
        if token.id not in ex.state.tokens:
            raise
        ex.raise_incident(ex.state.tokens[token.id], stuck.reason, stuck.job_id, stuck.error_code)


def complete_user_task(
    definitions: Definitions,
    state: InstanceState,
    task_id: str,
    variables: Mapping[str, Any] | None,
    clock: Clock,
    *,
    evaluator: ExpressionEvaluator,
) -> StepResult:
    """A person completed user task ``task_id`` with result ``variables``."""

    def action(ex: Execution) -> None:
        task = ex.state.user_tasks.pop(task_id, None)
        if task is None:
            raise UnknownWaitStateError(f"no open user task '{task_id}'")
        token = ex.state.tokens[task.token_id]
        _guarded(ex, token, lambda: activities.complete_activity(ex, token, variables or {}))

    return _command(definitions, state, clock, evaluator, action)


def complete_job(
    definitions: Definitions,
    state: InstanceState,
    job_id: str,
    variables: Mapping[str, Any] | None,
    clock: Clock,
    *,
    evaluator: ExpressionEvaluator,
    owned: bool = False,
) -> StepResult:
    """A worker completed job ``job_id`` with result ``variables``.

    ``owned``: the caller hands ``state`` over (a fresh step result), so it changes in place.
    """

    def action(ex: Execution) -> None:
        job = ex.state.jobs.pop(job_id, None)
        if job is None:
            raise UnknownWaitStateError(f"no open job '{job_id}'")
        token = ex.state.tokens[job.token_id]
        purpose = job.purpose
        _guarded(
            ex, token, lambda: activities.complete_job_wait(ex, token, purpose, variables or {})
        )

    return _command(definitions, state, clock, evaluator, action, owned=owned)


def fail_job(
    definitions: Definitions,
    state: InstanceState,
    job_id: str,
    retries: int,
    error_message: str,
    clock: Clock,
    *,
    evaluator: ExpressionEvaluator,
) -> StepResult:
    """A worker failed job ``job_id``; with no retries left the job becomes an incident."""

    def action(ex: Execution) -> None:
        job = ex.state.jobs.get(job_id)
        if job is None:
            raise UnknownWaitStateError(f"no open job '{job_id}'")
        job.retries = max(retries, 0)
        job.error_message = error_message
        ex.effects.append(JobFailed(job.id, job.element_id, job.retries, error_message))
        if job.retries == 0:
            token = ex.state.tokens[job.token_id]
            ex.raise_incident(token, f"job failed: {error_message}", job.id)

    return _command(definitions, state, clock, evaluator, action)


def resolve_incident(
    definitions: Definitions,
    state: InstanceState,
    incident_id: str,
    clock: Clock,
    *,
    evaluator: ExpressionEvaluator,
    retries: int = 1,
) -> StepResult:
    """Retry after an incident: re-offer its job, or re-enter the element it stopped at."""

    def action(ex: Execution) -> None:
        incident = ex.state.incidents.pop(incident_id, None)
        if incident is None:
            raise UnknownWaitStateError(f"no open incident '{incident_id}'")
        if incident.subscription_id is not None:  # a failed condition: evaluate it again
            ex.check_condition(incident.subscription_id)
            return
        token = ex.state.tokens[incident.token_id]
        job = ex.state.jobs.get(incident.job_id or "")
        if job is not None:
            job.retries = max(retries, 1)
            token.wait = Wait.JOB
            ex.effects.append(
                JobCreated(
                    job.id,
                    job.element_id,
                    job.type,
                    job.retries,
                    dict(job.headers),
                    ex.visible(token),
                )
            )
        else:
            token.wait = None
            ex.schedule(token)

    return _command(definitions, state, clock, evaluator, action)


def throw_bpmn_error(
    definitions: Definitions,
    state: InstanceState,
    job_id: str,
    error_code: str,
    clock: Clock,
    *,
    evaluator: ExpressionEvaluator,
    message: str = "",
    variables: Mapping[str, Any] | None = None,
    owned: bool = False,
) -> StepResult:
    """A worker reports business error ``error_code`` for job ``job_id`` (``owned`` as above)."""

    def action(ex: Execution) -> None:
        job = ex.state.jobs.get(job_id)
        if job is None:
            raise UnknownWaitStateError(f"no open job '{job_id}'")
        token = ex.state.tokens[job.token_id]
        if errors_propagation.throw_from_activity(ex, token, error_code, variables or {}):
            ex.state.jobs.pop(job_id, None)
        else:
            reason = f"unhandled BPMN error '{error_code}'" + (f": {message}" if message else "")
            ex.raise_incident(token, reason, job.id, error_code)

    return _command(definitions, state, clock, evaluator, action, owned=owned)


def fire_timer(
    definitions: Definitions,
    state: InstanceState,
    timer_id: str,
    clock: Clock,
    *,
    evaluator: ExpressionEvaluator,
) -> StepResult:
    """A due timer fires."""

    def action(ex: Execution) -> None:
        timer = ex.state.timers.get(timer_id)
        if timer is None:
            raise UnknownWaitStateError(f"no scheduled timer '{timer_id}'")
        if parse_date(timer.due) > ex.now:
            raise TimerNotDueError(f"timer '{timer_id}' is due at {timer.due}")
        _trigger(ex, timer, {})

    return _command(definitions, state, clock, evaluator, action)


def correlate_message(
    definitions: Definitions,
    state: InstanceState,
    name: str,
    correlation_key: str | None,
    variables: Mapping[str, Any] | None,
    clock: Clock,
    *,
    evaluator: ExpressionEvaluator,
) -> StepResult:
    """Deliver message ``name`` to the first matching subscription of the instance."""

    def action(ex: Execution) -> None:
        key = None if correlation_key is None else str(correlation_key)
        for subscription in list(ex.state.subscriptions.values()):
            if subscription.event != "message" or subscription.name != name:
                continue
            if subscription.correlation_key not in (None, key):
                continue
            _trigger(ex, subscription, variables or {})
            return
        raise NotCorrelatedError(f"no subscription for message '{name}' with key {key!r}")

    return _command(definitions, state, clock, evaluator, action)


def broadcast_signal(
    definitions: Definitions,
    state: InstanceState,
    name: str,
    variables: Mapping[str, Any] | None,
    clock: Clock,
    *,
    evaluator: ExpressionEvaluator,
) -> StepResult:
    """Deliver signal ``name`` to every matching subscription of the instance."""
    if state.suspended:
        return StepResult(state, [])  # a suspended instance does not hear broadcasts

    def action(ex: Execution) -> None:
        matching = [
            s.id for s in ex.state.subscriptions.values() if s.event == "signal" and s.name == name
        ]
        for subscription_id in matching:
            subscription = ex.state.subscriptions.get(subscription_id)
            if subscription is not None:
                _trigger(ex, subscription, variables or {})

    return _command(definitions, state, clock, evaluator, action)


def set_variables(
    definitions: Definitions,
    state: InstanceState,
    variables: Mapping[str, Any],
    clock: Clock,
    *,
    evaluator: ExpressionEvaluator,
    scope_id: str | None = None,
    remove: Collection[str] = (),
) -> StepResult:
    """Set (and ``remove``) variables of a scope (default: the process), e.g. before resolving
    an incident."""

    def action(ex: Execution) -> None:
        target = scope_id or ex.state.root_scope_id
        if target not in ex.state.scopes:
            raise UnknownWaitStateError(f"no scope '{target}'")
        ex.set_local_variables(target, variables)
        ex.remove_local_variables(target, remove)

    return _command(definitions, state, clock, evaluator, action, while_suspended=True)


def activate_ad_hoc_activity(
    definitions: Definitions,
    state: InstanceState,
    element_id: str,
    clock: Clock,
    *,
    evaluator: ExpressionEvaluator,
    scope_id: str | None = None,
) -> StepResult:
    """Start the enabled inner activity ``element_id`` of a running ad-hoc sub-process.

    ``scope_id`` chooses the sub-process instance when it runs more than once.
    """
    return _command(
        definitions, state, clock, evaluator, lambda ex: ad_hoc.activate(ex, element_id, scope_id)
    )


def complete_ad_hoc_sub_process(
    definitions: Definitions,
    state: InstanceState,
    element_id: str,
    clock: Clock,
    *,
    evaluator: ExpressionEvaluator,
    scope_id: str | None = None,
) -> StepResult:
    """Complete the ad-hoc sub-process ``element_id``; refused while inner activities run."""
    return _command(
        definitions, state, clock, evaluator, lambda ex: ad_hoc.complete(ex, element_id, scope_id)
    )


def complete_call_activity(
    definitions: Definitions,
    state: InstanceState,
    token_id: str,
    variables: Mapping[str, Any] | None,
    clock: Clock,
    *,
    evaluator: ExpressionEvaluator,
) -> StepResult:
    """The process started by a call activity completed with ``variables``."""

    def action(ex: Execution) -> None:
        token = _calling(ex, token_id)
        called = ex.node_of(token).extensions.called_element
        propagate = called is None or called.propagate_all_child_variables
        result = dict(variables or {}) if propagate else {}
        # Output mappings read the called instance's variables even when none propagate.
        child = dict(variables or {})
        _guarded(ex, token, lambda: activities.complete_activity(ex, token, result, child))

    return _command(definitions, state, clock, evaluator, action)


def fail_call_activity(
    definitions: Definitions,
    state: InstanceState,
    token_id: str,
    reason: str,
    clock: Clock,
    *,
    evaluator: ExpressionEvaluator,
) -> StepResult:
    """The process a call activity names could not be started: an incident at the activity.

    Resolving the incident enters the call activity again (and so retries the call).
    """

    def action(ex: Execution) -> None:
        ex.raise_incident(_calling(ex, token_id), reason)

    return _command(definitions, state, clock, evaluator, action)


def throw_call_error(
    definitions: Definitions,
    state: InstanceState,
    token_id: str,
    error_code: str,
    clock: Clock,
    *,
    evaluator: ExpressionEvaluator,
) -> StepResult:
    """The called instance ended in BPMN error ``error_code`` it did not catch itself.

    Refused (``NotCaughtError``) when nothing in this instance catches it either.
    """

    def action(ex: Execution) -> None:
        token = _calling(ex, token_id)
        if not errors_propagation.throw_from_activity(ex, token, error_code, {}):
            raise NotCaughtError(f"'{token.element_id}' does not catch error '{error_code}'")

    return _command(definitions, state, clock, evaluator, action)


def _calling(ex: Execution, token_id: str) -> Token:
    token = ex.state.tokens.get(token_id)
    if token is None or token.wait is not Wait.CALL_ACTIVITY:
        raise UnknownWaitStateError(f"no call activity waiting with token '{token_id}'")
    return token
