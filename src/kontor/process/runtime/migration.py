"""Migration of one instance's state to another version of its process.

``check_mapping`` validates a mapping against both models, ``check_instance`` validates one
instance against it (every active element must have a counterpart of a compatible kind in
the same scope) and ``migrate`` rewrites the state: element ids follow the mapping (elements
not in it keep their id), boundary events and event sub-process triggers that the target
added are armed, removed ones are closed.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from kontor.messaging import Clock
from kontor.process.bpmn.model import Definitions, FlowNode, Process
from kontor.process.runtime import compensation, events
from kontor.process.runtime.activities import ASYNC_AFTER, ASYNC_BEFORE
from kontor.process.runtime.commands import StepResult
from kontor.process.runtime.control import require_active
from kontor.process.runtime.effects import Effect, SubscriptionClosed, TimerCancelled
from kontor.process.runtime.errors import MigrationRefusedError, Stuck
from kontor.process.runtime.execution import Execution
from kontor.process.runtime.ports import ExpressionEvaluator
from kontor.process.runtime.state import (
    Incident,
    InstanceState,
    Job,
    ScopeKind,
    Subscription,
    Timer,
    Token,
    UserTask,
    Wait,
)

_TRIGGERS = (events.BOUNDARY, events.EVENT_SUB_PROCESS)
"""Timer/subscription kinds the target model decides anew: kept, armed or closed."""


def check_mapping(source: Process, target: Process, mapping: Mapping[str, str]) -> list[str]:
    """Problems of the mapping itself: unknown elements and incompatible pairs."""
    problems = []
    for old, new in mapping.items():
        if old not in source.nodes:
            problems.append(f"mapping names {old!r}, which the source version does not have")
        elif new not in target.nodes:
            problems.append(f"mapping sends {old!r} to {new!r}, which the target does not have")
        else:
            reason = _incompatible(source.node(old), target.node(new))
            if reason:
                problems.append(f"mapping sends {old!r} to {new!r}: {reason}")
    return problems


def check_instance(
    source: Process, target: Process, mapping: Mapping[str, str], state: InstanceState
) -> list[str]:
    """Problems that stop this instance from migrating, each naming an element id."""
    problems: dict[str, str] = {}
    for element_id, container_id in _active_elements(state):
        if element_id in problems:
            continue
        new_id = mapping.get(element_id, element_id)
        new = target.nodes.get(new_id)
        if new is None:
            problems[element_id] = (
                f"active element {element_id!r} has no counterpart in the target "
                "(map it to an element of the target version)"
            )
            continue
        reason = _incompatible(source.node(element_id), new)
        if reason is None and container_id is not None:
            expected = mapping.get(container_id, container_id)
            if new.container_id != expected:
                reason = f"{new_id!r} lies in {new.container_id!r}, not in {expected!r}"
        if reason:
            problems[element_id] = (
                f"active element {element_id!r} cannot become {new_id!r}: {reason}"
            )
    if state.compensation_runs:
        problems.setdefault(
            "",
            "compensation is running; migrate the instance after its handlers have ended",
        )
    if state.event_arrivals:
        problems.setdefault(
            "#arrivals",
            "a parallel multiple event has part of its events; migrate after it fired",
        )
    for token in state.tokens.values():
        flow_id = token.arrived_via
        if (
            token.wait is Wait.JOIN
            and flow_id
            and not _target_flow(source, target, mapping, flow_id)
        ):
            problems.setdefault(
                token.element_id,
                f"join {token.element_id!r} waits on flow {flow_id!r}, "
                "which has no counterpart in the target",
            )
    return list(problems.values())


def migrate(
    source: Definitions,
    target: Definitions,
    state: InstanceState,
    mapping: Mapping[str, str],
    clock: Clock,
    *,
    evaluator: ExpressionEvaluator,
) -> StepResult:
    """The instance's state in the target version, with the effects of re-armed triggers."""
    require_active(state)
    old, new = source.process(state.process_id), target.process(state.process_id)
    problems = check_instance(old, new, mapping, state)
    if problems:
        raise MigrationRefusedError(problems)
    working = state.copy()
    ex = Execution(target, working, evaluator, clock.now())
    _rewrite(ex, old, mapping)
    try:
        _arm_new_triggers(ex)
    except Stuck as stuck:
        raise MigrationRefusedError([stuck.reason]) from stuck
    return StepResult(working, ex.effects)


def renamed_elements(state: InstanceState, mapping: Mapping[str, str]) -> dict[str, str]:
    """The element ids of ``state`` that ``mapping`` changes (old → new), for stored rows."""
    return {
        element_id: mapping[element_id]
        for element_id, _ in _active_elements(state)
        if mapping.get(element_id, element_id) != element_id
    } | {
        row.element_id: mapping[row.element_id]
        for row in _triggers(state)
        if mapping.get(row.element_id, row.element_id) != row.element_id
    }


# -- validation --------------------------------------------------------------------------------


def _incompatible(old: FlowNode, new: FlowNode) -> str | None:
    if old.kind is not new.kind:
        return f"{old.id!r} is a {old.kind.value}, {new.id!r} a {new.kind.value}"
    if old.event_kind is not new.event_kind:
        return f"{old.id!r} is a {old.event_kind.value} event, {new.id!r} a {new.event_kind.value}"
    if [e.kind for e in old.event_definitions] != [e.kind for e in new.event_definitions]:
        return f"{old.id!r} and {new.id!r} have other event definitions"
    if (old.multi_instance is None) != (new.multi_instance is None):
        return f"only one of {old.id!r} and {new.id!r} is multi-instance"
    if old.triggered_by_event != new.triggered_by_event:
        return f"only one of {old.id!r} and {new.id!r} is an event sub-process"
    return None


def _active_elements(state: InstanceState) -> Iterator[tuple[str, str | None]]:
    """Ids of elements the instance is in, with the container they must stay in (if known).

    A scope's ``element_id`` is the id of its sub-process, or the process id for the root.
    """
    scopes = state.scopes
    for token in state.tokens.values():
        scope = scopes[token.scope_id]
        if scope.kind is ScopeKind.MULTI_INSTANCE_BODY:
            yield token.element_id, None  # an inner instance: its body's host is checked
        else:
            yield token.element_id, scope.element_id
    for scope in scopes.values():
        if scope.kind is ScopeKind.EVENT_SUB_PROCESS and scope.parent_id is not None:
            yield scope.element_id, scopes[scope.parent_id].element_id
        elif scope.kind is not ScopeKind.PROCESS:
            yield scope.element_id, None  # held by a token checked above
    for row in _rows(state):
        if row.kind not in _TRIGGERS:
            yield row.element_id, None
    for waiting in _waits(state):
        yield waiting.element_id, None


def _rows(state: InstanceState) -> Iterator[Timer | Subscription]:
    yield from state.timers.values()
    yield from state.subscriptions.values()


def _triggers(state: InstanceState) -> Iterator[Timer | Subscription]:
    return (row for row in _rows(state) if row.kind in _TRIGGERS)


def _waits(state: InstanceState) -> Iterator[UserTask | Job | Incident]:
    yield from state.user_tasks.values()
    yield from state.jobs.values()
    yield from state.incidents.values()


def _target_flow(
    source: Process, target: Process, mapping: Mapping[str, str], flow_id: str
) -> str | None:
    """The target flow into the mapped join that comes from the mapped source element."""
    flow = source.flows.get(flow_id)
    if flow is None:
        return None
    origin = mapping.get(flow.source, flow.source)
    join = target.nodes.get(mapping.get(flow.target, flow.target))
    if join is None:
        return None
    return next((f for f in join.incoming if target.flow(f).source == origin), None)


# -- rewriting ---------------------------------------------------------------------------------


def _rewrite(ex: Execution, source: Process, mapping: Mapping[str, str]) -> None:
    state, target = ex.state, ex.process

    def moved(element_id: str) -> str:
        return mapping.get(element_id, element_id)

    for token in state.tokens.values():
        if token.arrived_via is not None:
            token.arrived_via = _target_flow(source, target, mapping, token.arrived_via)
        token.element_id = moved(token.element_id)
    for scope in state.scopes.values():
        scope.element_id = moved(scope.element_id)
    for waiting in _waits(state):
        waiting.element_id = moved(waiting.element_id)
    if state.compensables:
        compensation.follow_migration(ex, moved)
    for row in list(_rows(state)):
        new_id = moved(row.element_id)
        if row.kind not in _TRIGGERS or _still_armed(ex, source.node(row.element_id), row, new_id):
            row.element_id = new_id
        else:
            _close(ex, row)


def _still_armed(ex: Execution, old: FlowNode, row: Timer | Subscription, new_id: str) -> bool:
    """Whether a boundary/event sub-process trigger has a matching event in the target."""
    node = ex.process.nodes.get(new_id)
    if node is None or _incompatible(old, node) is not None:
        return False
    if row.kind == events.BOUNDARY:
        host = ex.state.tokens.get(row.token_id or "")
        return host is not None and node.attached_to == host.element_id
    scope = ex.state.scopes.get(row.scope_id or "")
    if scope is None:
        return False
    container = ex.process.nodes.get(node.container_id)
    return (
        container is not None
        and container.triggered_by_event
        and container.container_id == scope.element_id
    )


def _close(ex: Execution, row: Timer | Subscription) -> None:
    effect: Effect
    if isinstance(row, Timer):
        del ex.state.timers[row.id]
        effect = TimerCancelled(row.id, row.element_id)
    else:
        del ex.state.subscriptions[row.id]
        effect = SubscriptionClosed(row.id, row.element_id)
    ex.effects.append(effect)


def _arm_new_triggers(ex: Execution) -> None:
    """Arm boundary events and event sub-process starts the target has and the state lacks."""
    state = ex.state
    for token in list(state.tokens.values()):
        if _holds_boundaries(ex, token):
            armed = {r.element_id for r in _rows(state) if r.token_id == token.id}
            events.open_boundary_events(ex, token, ex.node_of(token), armed)
    for scope in list(state.scopes.values()):
        running = any(t.scope_id == scope.id for t in state.tokens.values())
        if scope.kind is not ScopeKind.MULTI_INSTANCE_BODY and running:
            armed = {r.element_id for r in _rows(state) if r.scope_id == scope.id}
            events.open_event_sub_process_triggers(ex, scope, armed)


def _holds_boundaries(ex: Execution, token: Token) -> bool:
    """Whether the token's activity waits the way that arms its boundary events."""
    if token.wait in (None, Wait.INCIDENT) or not ex.node_of(token).kind.is_activity:
        return False
    if ex.is_inner_instance(token):
        return False
    return not any(
        job.token_id == token.id and job.purpose in (ASYNC_BEFORE, ASYNC_AFTER)
        for job in ex.state.jobs.values()
    )
