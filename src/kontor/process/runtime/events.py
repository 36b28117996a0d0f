"""Behaviour of events: start/end/intermediate events, boundaries, event sub-processes."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

from kontor.process.bpmn.model import (
    EventDefinition,
    EventKind,
    FlowNode,
    Message,
    NodeKind,
    TimerDefinition,
)
from kontor.process.bpmn.multiple_events import CAUGHT_BY_PROPAGATION
from kontor.process.runtime import (
    activities,
    compensation,
    data,
    errors_propagation,
    multiple_events,
)
from kontor.process.runtime.effects import (
    ActivityCompleted,
    ActivityStarted,
    MessageSubscriptionOpened,
    MessageThrown,
    SignalSubscriptionOpened,
    SignalThrown,
    TimerScheduled,
)
from kontor.process.runtime.errors import Stuck
from kontor.process.runtime.state import Scope, ScopeKind, Subscription, Timer, Token, Wait
from kontor.process.runtime.timer_schedule import first_schedule, next_due
from kontor.process.runtime.timers import TimerFormatError, parse_date

if TYPE_CHECKING:
    from kontor.process.runtime.execution import Execution

CATCH = "catch"
BOUNDARY = "boundary"
EVENT_GATEWAY = "event_gateway"
EVENT_SUB_PROCESS = "event_sub_process"
CONDITIONAL = "conditional"  # the ``event`` of condition subscriptions


def enter(ex: Execution, token: Token, node: FlowNode) -> None:
    """Handle a token arriving at an event."""
    kind = node.event_kind
    if node.kind in (NodeKind.START_EVENT, NodeKind.BOUNDARY_EVENT):
        ex.complete_node(token, node)
    elif node.is_multiple and node.kind in (NodeKind.END_EVENT, NodeKind.INTERMEDIATE_THROW_EVENT):
        _publish(ex, token, node)  # a multiple throw event throws all its definitions
        ex.complete_node(token, node)
    elif node.kind is NodeKind.END_EVENT:
        _end(ex, token, node, kind)
    elif node.kind is NodeKind.INTERMEDIATE_THROW_EVENT:
        _throw(ex, token, node, kind)
    elif node.is_multiple:
        arm_definitions(ex, node, CATCH, holder=token)
    elif kind is EventKind.LINK:
        ex.complete_node(token, node)
    elif kind is EventKind.TIMER:
        schedule_timer(ex, node, CATCH, holder=token)
    elif kind is EventKind.MESSAGE:
        subscribe_message(ex, token, node, node.event.message_ref, CATCH)
    elif kind is EventKind.SIGNAL:
        subscribe_signal(ex, node, CATCH, holder=token)
    elif kind is EventKind.CONDITIONAL:
        subscribe_condition(ex, node, CATCH, holder=token)
    else:
        raise Stuck(f"{kind.value} {node.kind.value} is not supported by the runtime")


def _end(ex: Execution, token: Token, node: FlowNode, kind: EventKind) -> None:
    if kind is EventKind.TERMINATE:
        ex.effects.append(ActivityCompleted(node.id, node.kind.value, token.id, ex.stamp()))
        scope_id = token.scope_id
        del ex.state.tokens[token.id]
        ex.terminate_scope_content(scope_id)
        ex.check_scope_done(scope_id, terminated=True)
    elif kind is EventKind.ERROR:
        errors_propagation.throw_from_end_event(ex, token, node)
    elif kind is EventKind.ESCALATION:
        errors_propagation.throw_escalation(ex, token, node)
    elif kind is EventKind.MESSAGE and node.extensions.task_definition is not None:
        data.associate_inputs(ex, token, node.data_inputs)
        activities.create_job(ex, token, node)
    elif kind is EventKind.COMPENSATION:
        compensation.throw(ex, token, node)
    elif kind is EventKind.CANCEL:
        compensation.cancel_transaction(ex, token, node)
    else:
        _publish(ex, token, node)
        ex.complete_node(token, node)


def _throw(ex: Execution, token: Token, node: FlowNode, kind: EventKind) -> None:
    if kind is EventKind.ESCALATION:
        errors_propagation.throw_escalation(ex, token, node)
    elif kind is EventKind.COMPENSATION:
        compensation.throw(ex, token, node)
    elif kind is EventKind.LINK:
        name = node.event.link_name
        targets = [
            n
            for n in ex.process.children(node.container_id)
            if n.kind is NodeKind.INTERMEDIATE_CATCH_EVENT
            and n.event_kind is EventKind.LINK
            and n.event.link_name == name
        ]
        if not targets:
            raise Stuck(f"no link catch event named '{name}'")
        ex.effects.append(ActivityCompleted(node.id, node.kind.value, token.id, ex.stamp()))
        token.element_id = targets[0].id
        token.arrived_via = None
        ex.schedule(token)
    elif kind is EventKind.MESSAGE and node.extensions.task_definition is not None:
        data.associate_inputs(ex, token, node.data_inputs)
        activities.create_job(ex, token, node)
    else:
        _publish(ex, token, node)
        ex.complete_node(token, node)


def _publish(ex: Execution, token: Token, node: FlowNode) -> None:
    if node.data_inputs:
        data.associate_inputs(ex, token, node.data_inputs)  # the data inputs go with it
    for definition in node.event_definitions:
        publish(ex, token, node, definition)


def publish(ex: Execution, token: Token, node: FlowNode, definition: EventDefinition) -> bool:
    """Throw a message or signal definition of ``node`` with the token's variables; False for
    other kinds (the caller handles those)."""
    if definition.kind is EventKind.MESSAGE:
        message = ex.definitions.messages.get(definition.message_ref or "")
        name = (message.name or message.id) if message else node.id
        ex.effects.append(MessageThrown(node.id, name, ex.visible(token)))
    elif definition.kind is EventKind.SIGNAL:
        signal = ex.definitions.signals.get(definition.signal_ref or "")
        name = (signal.name or signal.id) if signal else node.id
        ex.effects.append(SignalThrown(node.id, name, ex.visible(token)))
    else:
        return False
    return True


# -- subscriptions and timers -------------------------------------------------------------------


def definition_of(node: FlowNode, index: int) -> EventDefinition:
    """The ``index``-th event definition of ``node`` (its only one for a plain event)."""
    return node.event_definitions[index] if node.event_definitions else node.event


def arm_definitions(
    ex: Execution,
    node: FlowNode,
    kind: str,
    holder: Token | None = None,
    scope_id: str | None = None,
) -> None:
    """Open a timer or subscription for every event definition of a multiple event."""
    for index, definition in enumerate(node.event_definitions):
        if definition.kind is EventKind.TIMER:
            schedule_timer(ex, node, kind, holder, scope_id, definition=index)
        elif definition.kind is EventKind.MESSAGE:
            subscribe_message(
                ex, holder, node, definition.message_ref, kind, scope_id, definition=index
            )
        elif definition.kind is EventKind.SIGNAL:
            subscribe_signal(ex, node, kind, holder, scope_id, definition=index)
        elif definition.kind is EventKind.CONDITIONAL:
            subscribe_condition(ex, node, kind, holder, scope_id, definition=index)
        elif definition.kind not in CAUGHT_BY_PROPAGATION:
            raise Stuck(f"{definition.kind.value} definitions of multiple events are not supported")


def _context_token(ex: Execution, holder: Token | None, scope_id: str | None) -> Token:
    if holder is not None:
        return holder
    # Event sub-process triggers belong to a scope, not a token; evaluate in that scope.
    return Token(id="", scope_id=scope_id or ex.state.root_scope_id, element_id="")


def subscribe_message(
    ex: Execution,
    holder: Token | None,
    node: FlowNode,
    message_ref: str | None,
    kind: str,
    scope_id: str | None = None,
    definition: int = 0,
) -> None:
    """Open a message subscription for a catch event, receive task, boundary or trigger."""
    message = ex.definitions.messages.get(message_ref or "")
    if message is None and message_ref is None and node.kind is NodeKind.RECEIVE_TASK:
        message = Message(node.id, node.id)  # Camunda 7: a plain wait state; named by its id
    if message is None or not message.name:
        raise Stuck(f"'{node.id}' refers to no named message")
    key = None
    if message.correlation_key is not None:
        context = _context_token(ex, holder, scope_id)
        value = ex.evaluate(context, message.correlation_key)
        key = None if value is None else str(value)
    subscription = Subscription(
        id=ex.state.new_id("subscription"),
        event="message",
        name=message.name,
        element_id=node.id,
        kind=kind,
        correlation_key=key,
        token_id=holder.id if holder is not None else None,
        scope_id=scope_id,
        definition=definition,
    )
    ex.state.subscriptions[subscription.id] = subscription
    ex.effects.append(MessageSubscriptionOpened(subscription.id, node.id, message.name, key))
    if kind == CATCH and holder is not None:
        holder.wait = Wait.MESSAGE


def subscribe_signal(
    ex: Execution,
    node: FlowNode,
    kind: str,
    holder: Token | None = None,
    scope_id: str | None = None,
    definition: int = 0,
) -> None:
    """Open a signal subscription."""
    signal = ex.definitions.signals.get(definition_of(node, definition).signal_ref or "")
    if signal is None:
        raise Stuck(f"'{node.id}' refers to no signal")
    name = signal.name or signal.id
    subscription = Subscription(
        id=ex.state.new_id("subscription"),
        event="signal",
        name=name,
        element_id=node.id,
        kind=kind,
        token_id=holder.id if holder is not None else None,
        scope_id=scope_id,
        definition=definition,
    )
    ex.state.subscriptions[subscription.id] = subscription
    ex.effects.append(SignalSubscriptionOpened(subscription.id, node.id, name))
    if kind == CATCH and holder is not None:
        holder.wait = Wait.SIGNAL


def subscribe_condition(
    ex: Execution,
    node: FlowNode,
    kind: str,
    holder: Token | None = None,
    scope_id: str | None = None,
    definition: int = 0,
) -> None:
    """Open a condition subscription; its condition is evaluated before the next step."""
    subscription = Subscription(
        id=ex.state.new_id("subscription"),
        event=CONDITIONAL,
        name=node.id,
        element_id=node.id,
        kind=kind,
        token_id=holder.id if holder is not None else None,
        scope_id=scope_id,
        definition=definition,
    )
    ex.state.subscriptions[subscription.id] = subscription
    ex.check_condition(subscription.id)
    if kind == CATCH and holder is not None:
        holder.wait = Wait.CONDITION


def schedule_timer(
    ex: Execution,
    node: FlowNode,
    kind: str,
    holder: Token | None = None,
    scope_id: str | None = None,
    definition: int = 0,
) -> None:
    """Schedule the timer of ``node`` (of its event definition number ``definition``)."""
    timer_definition = definition_of(node, definition).timer
    if timer_definition is None:
        raise Stuck(f"timer '{node.id}' has no time")
    due, repetitions_left, interval = _first_due(
        ex, _context_token(ex, holder, scope_id), timer_definition
    )
    timer = Timer(
        id=ex.state.new_id("timer"),
        element_id=node.id,
        due=due.isoformat(),
        kind=kind,
        token_id=holder.id if holder is not None else None,
        scope_id=scope_id,
        repetitions_left=repetitions_left,
        interval=interval,
        definition=definition,
    )
    ex.state.timers[timer.id] = timer
    ex.effects.append(TimerScheduled(timer.id, node.id, timer.due))
    if kind == CATCH and holder is not None:
        holder.wait = Wait.TIMER


def _first_due(
    ex: Execution, context: Token, definition: TimerDefinition
) -> tuple[datetime, int | None, str | None]:
    value: Any = ex.evaluate(context, definition.value)
    try:
        schedule = first_schedule(definition.kind, value, ex.now)
    except TimerFormatError as exc:
        raise Stuck(str(exc)) from exc
    return schedule.due, schedule.repetitions_left, schedule.interval


def rearm(ex: Execution, timer: Timer) -> bool:
    """Schedule the next round of a cycle timer; False if no repetitions are left."""
    if timer.interval is None or timer.repetitions_left == 0:
        return False
    previous = parse_date(timer.due)
    timer.due = next_due(timer.interval, previous).isoformat()
    if timer.repetitions_left is not None:
        timer.repetitions_left -= 1
    ex.effects.append(TimerScheduled(timer.id, timer.element_id, timer.due))
    return True


def open_boundary_events(
    ex: Execution, host: Token, node: FlowNode, armed: Collection[str] = ()
) -> None:
    """Arm the boundary events (timer, message, signal, conditional) of a waiting activity.

    Those in ``armed`` are armed already.
    """
    for boundary in ex.process.boundary_events(node.id):
        kind = boundary.event_kind
        if boundary.id in armed:
            continue
        if boundary.is_multiple:
            arm_definitions(ex, boundary, BOUNDARY, holder=host)
        elif kind is EventKind.TIMER:
            schedule_timer(ex, boundary, BOUNDARY, holder=host)
        elif kind is EventKind.MESSAGE:
            subscribe_message(ex, host, boundary, boundary.event.message_ref, BOUNDARY)
        elif kind is EventKind.SIGNAL:
            subscribe_signal(ex, boundary, BOUNDARY, holder=host)
        elif kind is EventKind.CONDITIONAL:
            subscribe_condition(ex, boundary, BOUNDARY, holder=host)


def open_event_sub_process_triggers(
    ex: Execution, scope: Scope, armed: Collection[str] = ()
) -> None:
    """Arm the start events of event sub-processes living in ``scope`` (not ``armed``)."""
    for sub in ex.process.event_sub_processes(scope.element_id):
        for start in ex.process.start_events(sub.id):
            kind = start.event_kind
            if start.id in armed:
                continue
            if start.is_multiple:
                arm_definitions(ex, start, EVENT_SUB_PROCESS, scope_id=scope.id)
            elif kind is EventKind.TIMER:
                schedule_timer(ex, start, EVENT_SUB_PROCESS, scope_id=scope.id)
            elif kind is EventKind.MESSAGE:
                subscribe_message(
                    ex, None, start, start.event.message_ref, EVENT_SUB_PROCESS, scope.id
                )
            elif kind is EventKind.SIGNAL:
                subscribe_signal(ex, start, EVENT_SUB_PROCESS, scope_id=scope.id)
            elif kind is EventKind.CONDITIONAL:
                subscribe_condition(ex, start, EVENT_SUB_PROCESS, scope_id=scope.id)


# -- triggering -------------------------------------------------------------------------------


def trigger(ex: Execution, row: Timer | Subscription, variables: Mapping[str, Any]) -> None:
    """An armed timer fired or a subscription received its message/signal."""
    node = ex.process.node(row.element_id)
    if node.waits_for_all:
        arrived = multiple_events.arrive(ex, row, node, variables)
        if arrived is None:
            return  # other definitions of the event have yet to arrive
        variables = arrived
    if row.kind == CATCH:
        token = ex.state.tokens[row.token_id or ""]
        _forget(ex, row)
        if node.is_multiple:
            multiple_events.close_others(ex, row)
        if node.kind.is_activity:
            activities.complete_activity(ex, token, variables)
        else:
            token.wait = None
            received(ex, token, node, variables)
            ex.complete_node(token, node)
    elif row.kind == BOUNDARY:
        host = ex.state.tokens[row.token_id or ""]
        if node.cancel_activity:
            ex.terminate_token(host)
        else:
            _keep_listening(ex, row, node, host=host)
        start_boundary_path(ex, node, host.scope_id, variables)
    elif row.kind == EVENT_GATEWAY:
        _pass_event_gateway(ex, row, node, variables)
    elif row.kind == EVENT_SUB_PROCESS:
        scope = ex.state.scopes[row.scope_id or ""]
        if node.is_interrupting:
            ex.terminate_scope_content(scope.id)
            ex.cancel_scope_waits(scope.id)
        else:
            _keep_listening(ex, row, node, scope_id=scope.id)
        start_event_sub_process(ex, scope, node, variables)


def _keep_listening(
    ex: Execution,
    row: Timer | Subscription,
    node: FlowNode,
    host: Token | None = None,
    scope_id: str | None = None,
) -> None:
    # A non-interrupting event stays armed: a cycle timer schedules its next round (or is
    # done), a parallel multiple event waits for all its definitions anew.
    if node.waits_for_all:
        arm_definitions(ex, node, row.kind, holder=host, scope_id=scope_id)
    elif isinstance(row, Timer) and not rearm(ex, row):
        _forget(ex, row)


def _forget(ex: Execution, row: Timer | Subscription) -> None:
    if isinstance(row, Timer):
        ex.state.timers.pop(row.id, None)
    else:
        ex.state.subscriptions.pop(row.id, None)


def start_boundary_path(
    ex: Execution, boundary: FlowNode, scope_id: str, variables: Mapping[str, Any]
) -> None:
    """Put a token on a triggered boundary event and let it run."""
    token = ex.new_token(scope_id, boundary.id)
    received(ex, token, boundary, variables)
    ex.schedule(token)


def received(ex: Execution, token: Token, node: FlowNode, variables: Mapping[str, Any]) -> None:
    """What a catch event received becomes the token's variables and, through its data output
    associations, data objects."""
    ex.merge_into(token, variables)
    if node.data_outputs:
        data.associate_outputs(ex, token, node.data_outputs, variables)


def start_event_sub_process(
    ex: Execution, scope: Scope, start: FlowNode, variables: Mapping[str, Any]
) -> None:
    """Open an event sub-process inside ``scope`` at its triggered ``start`` event."""
    sub = ex.process.node(start.container_id)
    ex.effects.append(ActivityStarted(sub.id, sub.kind.value, "", ex.stamp()))
    inner = ex.open_scope(ScopeKind.EVENT_SUB_PROCESS, sub.id, None, {}, parent_scope_id=scope.id)
    token = ex.new_token(inner.id, start.id)
    received(ex, token, start, variables)
    ex.schedule(token)


def _pass_event_gateway(
    ex: Execution, row: Timer | Subscription, target: FlowNode, variables: Mapping[str, Any]
) -> None:
    token = ex.state.tokens[row.token_id or ""]
    gateway = ex.node_of(token)
    ex.cancel_waits(token.id)
    ex.effects.append(ActivityCompleted(gateway.id, gateway.kind.value, token.id, ex.stamp()))
    token.element_id = target.id
    token.arrived_via = next(
        (f for f in gateway.outgoing if ex.process.flow(f).target == target.id), None
    )
    token.wait = None
    ex.effects.append(ActivityStarted(target.id, target.kind.value, token.id, ex.stamp()))
    if target.kind.is_activity:
        activities.complete_activity(ex, token, variables)
    else:
        received(ex, token, target, variables)
        ex.complete_node(token, target)
