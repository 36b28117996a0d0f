"""Gateways: exclusive, parallel, inclusive and complex (joins with upstream reachability),
event-based."""

from __future__ import annotations

from collections import deque
from typing import TYPE_CHECKING

from kontor.process.bpmn.model import EventKind, FlowNode, NodeKind
from kontor.process.runtime import events
from kontor.process.runtime.effects import ActivityCompleted, ActivityMerged
from kontor.process.runtime.errors import Stuck
from kontor.process.runtime.state import Scope, Token, Wait

if TYPE_CHECKING:
    from kontor.process.runtime.execution import Execution

ACTIVATION_COUNT_NAMES = ("_activationCount", "activationCount")
"""Names under which a complex gateway's activation condition reads how many incoming flows
hold a token (BPMN 2.0 §13.3.6; the second is the name Camunda's documentation uses)."""


def enter(ex: Execution, token: Token, node: FlowNode) -> None:
    """Handle a token arriving at a gateway."""
    kind = node.kind
    if kind is NodeKind.EXCLUSIVE_GATEWAY:
        _leave(ex, token, node, [_choose_exclusive(ex, token, node)])
    elif kind is NodeKind.PARALLEL_GATEWAY:
        _arrive_parallel(ex, token, node)
    elif kind is NodeKind.INCLUSIVE_GATEWAY:
        if len(node.incoming) > 1:
            token.wait = Wait.JOIN  # activated once nothing else can arrive, see below
        else:
            _fork_inclusive(ex, token, node)
    elif kind is NodeKind.EVENT_BASED_GATEWAY:
        _arm_event_gateway(ex, token, node)
    elif kind is NodeKind.COMPLEX_GATEWAY:
        token.wait = Wait.JOIN
        _advance_complex(ex, ex.state.scopes[token.scope_id], node, settle=False)
    else:
        raise Stuck(f"{kind.value} is not supported by the runtime")


def _leave(ex: Execution, token: Token, node: FlowNode, flow_ids: list[str]) -> None:
    token.wait = None
    ex.effects.append(ActivityCompleted(node.id, node.kind.value, token.id, ex.stamp()))
    ex.take_flows(token, flow_ids)


def _condition_holds(ex: Execution, token: Token, flow_id: str) -> bool:
    condition = ex.process.flow(flow_id).condition
    return condition is None or ex.evaluate(token, condition) is True


def _choose_exclusive(ex: Execution, token: Token, node: FlowNode) -> str:
    for flow_id in node.outgoing:
        if flow_id != node.default_flow and _condition_holds(ex, token, flow_id):
            return flow_id
    if node.default_flow is not None:
        return node.default_flow
    raise Stuck(f"no outgoing flow of gateway '{node.id}' has a true condition")


def _fork_inclusive(ex: Execution, token: Token, node: FlowNode) -> None:
    _leave(ex, token, node, _choose_inclusive(ex, token, node))


def _choose_inclusive(ex: Execution, token: Token, node: FlowNode) -> list[str]:
    chosen = [
        flow_id
        for flow_id in node.outgoing
        if flow_id != node.default_flow and _condition_holds(ex, token, flow_id)
    ]
    if not chosen and node.default_flow is not None:
        chosen = [node.default_flow]
    if not chosen:
        raise Stuck(f"no outgoing flow of gateway '{node.id}' has a true condition")
    return chosen


def _arrive_parallel(ex: Execution, token: Token, node: FlowNode) -> None:
    if len(node.incoming) <= 1:
        _leave(ex, token, node, list(node.outgoing))
        return
    token.wait = Wait.JOIN
    waiting = _joining(ex, token.scope_id, node.id)
    first_per_flow: dict[str, Token] = {}
    for candidate in waiting:
        first_per_flow.setdefault(candidate.arrived_via or "", candidate)
    if not all(flow_id in first_per_flow for flow_id in node.incoming):
        return
    _merge_and_leave(ex, node, list(first_per_flow.values()), list(node.outgoing))


def _joining(ex: Execution, scope_id: str, element_id: str) -> list[Token]:
    return [
        t
        for t in ex.tokens_in_scope(scope_id)
        if t.element_id == element_id and t.wait is Wait.JOIN
    ]


def _merge_and_leave(ex: Execution, node: FlowNode, merged: list[Token], flows: list[str]) -> None:
    survivor, *others = merged
    _merge(ex, node, others)
    _leave(ex, survivor, node, flows)


def _merge(ex: Execution, node: FlowNode, others: list[Token]) -> None:
    """Drop the tokens a join merged, closing their waits in the history."""
    for other in others:
        del ex.state.tokens[other.id]
        ex.effects.append(ActivityMerged(node.id, node.kind.value, other.id, ex.stamp()))


def activate_ready_joins(ex: Execution) -> bool:
    """Fire inclusive joins no further token can reach, settle complex gateways; True if any
    of them moved."""
    inclusive: set[tuple[str, str]] = set()
    complex_joins: set[tuple[str, str]] = set()
    for t in ex.state.tokens.values():
        if t.wait is Wait.JOIN:
            kind = ex.kind_of(t.element_id)
            if kind is NodeKind.INCLUSIVE_GATEWAY:
                inclusive.add((t.scope_id, t.element_id))
            elif kind is NodeKind.COMPLEX_GATEWAY:
                complex_joins.add((t.scope_id, t.element_id))
    for scope in ex.state.scopes.values():
        complex_joins.update((scope.id, gateway_id) for gateway_id in scope.complex_rounds)
    fired = _activate_inclusive(ex, inclusive)
    for scope_id, element_id in sorted(complex_joins):
        fired = _settle_complex(ex, scope_id, ex.process.node(element_id)) or fired
    return fired


def _activate_inclusive(ex: Execution, pending: set[tuple[str, str]]) -> bool:
    fired = False
    for scope_id, element_id in sorted(pending):
        node = ex.process.node(element_id)
        waiting = _joining(ex, scope_id, element_id)
        first_per_flow: dict[str, Token] = {}
        for candidate in waiting:
            first_per_flow.setdefault(candidate.arrived_via or "", candidate)
        filled = set(first_per_flow)
        empty = set(node.incoming) - filled
        if empty and _token_can_still_arrive(ex, scope_id, node, filled, empty):
            continue
        survivor, *others = first_per_flow.values()
        _merge(ex, node, others)
        try:
            _fork_inclusive(ex, survivor, node)
        except Stuck as stuck:
            ex.raise_incident(survivor, stuck.reason)
        fired = True
    return fired


def _settle_complex(ex: Execution, scope_id: str, node: FlowNode) -> bool:
    scope = ex.state.scopes.get(scope_id)
    if scope is None:
        return False
    try:
        return _advance_complex(ex, scope, node, settle=True)
    except Stuck as stuck:
        waiting = _joining(ex, scope_id, node.id)
        if not waiting:
            raise
        ex.raise_incident(waiting[0], stuck.reason)
        return True


def _advance_complex(ex: Execution, scope: Scope, node: FlowNode, *, settle: bool) -> bool:
    """Let a complex gateway fire or reset; True if it did (or raised an incident).

    ``settle``: nothing moves any more in this step, so a token that cannot arrive now will
    not arrive at all (BPMN 2.0 §13.3.6 waits only for tokens that still can).
    """
    at_gateway = [t for t in ex.tokens_in_scope(scope.id) if t.element_id == node.id]
    if any(t.wait is Wait.INCIDENT for t in at_gateway):
        return False  # decided again once the incident is resolved
    if node.id in scope.complex_rounds:
        return _reset_complex(ex, scope, node, settle=settle)
    return _fire_complex(ex, scope, node, settle=settle)


def _first_per_flow(tokens: list[Token]) -> dict[str, Token]:
    first: dict[str, Token] = {}
    for token in tokens:
        first.setdefault(token.arrived_via or "", token)
    return first


def _fire_complex(ex: Execution, scope: Scope, node: FlowNode, *, settle: bool) -> bool:
    arrived = _first_per_flow(_joining(ex, scope.id, node.id))
    if not arrived:
        return False
    survivor, *others = arrived.values()
    filled = set(arrived)
    missing = set(node.incoming) - filled
    if not _activated(ex, survivor, node, len(filled), missing):
        if (
            settle
            and node.activation_condition is not None
            and not _can_fill(ex, scope, node, filled, missing)
        ):
            ex.raise_incident(
                survivor,
                f"activation condition of complex gateway '{node.id}' does not hold "
                "and no further token can arrive",
            )
            return True
        return False
    chosen = _choose_inclusive(ex, survivor, node)  # before any change: may raise Stuck
    _merge(ex, node, others)
    if missing:
        scope.complex_rounds[node.id] = sorted(filled)
    _leave(ex, survivor, node, chosen)
    return True


def _can_fill(
    ex: Execution, scope: Scope, node: FlowNode, filled: set[str], missing: set[str]
) -> bool:
    """Whether a token can still arrive on one of the ``missing`` incoming flows."""
    return bool(missing) and _token_can_still_arrive(ex, scope.id, node, filled, missing)


def _activated(ex: Execution, token: Token, node: FlowNode, count: int, missing: set[str]) -> bool:
    if node.activation_condition is None:
        return not missing  # like a parallel join
    counts = dict.fromkeys(ACTIVATION_COUNT_NAMES, count)
    return ex.evaluate(token, node.activation_condition, counts) is True


def _reset_complex(ex: Execution, scope: Scope, node: FlowNode, *, settle: bool) -> bool:
    consumed = scope.complex_rounds[node.id]
    late = {
        flow_id: token
        for flow_id, token in _first_per_flow(_joining(ex, scope.id, node.id)).items()
        if flow_id not in consumed
    }
    _merge(ex, node, list(late.values()))  # the round's late tokens: consumed, no firing
    consumed.extend(sorted(late))
    missing = set(node.incoming) - set(consumed)
    if missing and (not settle or _can_fill(ex, scope, node, set(consumed), missing)):
        return bool(late)
    del scope.complex_rounds[node.id]  # reset: tokens waiting now start the next round
    _fire_complex(ex, scope, node, settle=settle)
    ex.check_scope_done(scope.id)  # the absorbed token may have been the scope's last
    return True


def _predecessors(ex: Execution, node_id: str) -> list[str]:
    node = ex.process.node(node_id)
    found = [ex.process.flow(flow_id).source for flow_id in node.incoming]
    if node.attached_to is not None:
        found.append(node.attached_to)  # a boundary event is reached through its host
    if node.kind is NodeKind.INTERMEDIATE_CATCH_EVENT and node.event_kind is EventKind.LINK:
        found.extend(
            n.id
            for n in ex.process.children(node.container_id)
            if n.kind is NodeKind.INTERMEDIATE_THROW_EVENT
            and n.event.link_name == node.event.link_name
        )
    return found


def _upstream(ex: Execution, starts: set[str], gateway_id: str, blocked: set[str]) -> set[str]:
    seen: set[str] = set()
    queue = deque(node_id for node_id in starts if node_id not in blocked)
    while queue:
        node_id = queue.popleft()
        if node_id in seen or node_id == gateway_id:
            continue
        seen.add(node_id)
        queue.extend(p for p in _predecessors(ex, node_id) if p not in blocked)
    return seen


def _token_can_still_arrive(
    ex: Execution, scope_id: str, gateway: FlowNode, filled: set[str], empty: set[str]
) -> bool:
    # BPMN 2.0 §13.3.5: the join waits while a token has a path to an empty incoming flow
    # that neither passes the gateway nor a node upstream of an already filled flow.
    sources_of = {flow_id: ex.process.flow(flow_id).source for flow_id in gateway.incoming}
    feeding_filled = _upstream(ex, {sources_of[f] for f in filled}, gateway.id, set())
    feeding_empty = _upstream(ex, {sources_of[f] for f in empty}, gateway.id, feeding_filled)
    return any(
        t.element_id in feeding_empty
        for t in ex.tokens_in_scope(scope_id)
        if t.element_id != gateway.id
    )


def _arm_event_gateway(ex: Execution, token: Token, node: FlowNode) -> None:
    token.wait = Wait.EVENT_GATEWAY
    for flow_id in node.outgoing:
        target = ex.process.node(ex.process.flow(flow_id).target)
        if target.kind is NodeKind.RECEIVE_TASK:
            events.subscribe_message(ex, token, target, target.message_ref, events.EVENT_GATEWAY)
        elif target.event_kind is EventKind.TIMER:
            events.schedule_timer(ex, target, events.EVENT_GATEWAY, holder=token)
        elif target.event_kind is EventKind.MESSAGE:
            events.subscribe_message(
                ex, token, target, target.event.message_ref, events.EVENT_GATEWAY
            )
        elif target.event_kind is EventKind.SIGNAL:
            events.subscribe_signal(ex, target, events.EVENT_GATEWAY, holder=token)
        elif target.event_kind is EventKind.CONDITIONAL:
            events.subscribe_condition(ex, target, events.EVENT_GATEWAY, holder=token)
        else:
            raise Stuck(f"event-based gateway '{node.id}' leads to unsupported '{target.id}'")
