"""Multi-instance activities: a body scope holding parallel or sequential inner instances."""

from __future__ import annotations

from typing import TYPE_CHECKING

from kontor.process.bpmn.model import FlowNode, MultiInstance
from kontor.process.runtime import compensation
from kontor.process.runtime.behavior_events import throw_behavior_events
from kontor.process.runtime.effects import ActivityCompleted
from kontor.process.runtime.errors import Stuck
from kontor.process.runtime.state import Scope, ScopeKind, Token

if TYPE_CHECKING:
    from kontor.process.runtime.execution import Execution


def _characteristics(node: FlowNode) -> MultiInstance:
    characteristics = node.multi_instance
    if characteristics is None:  # callers check first; this keeps the type precise
        raise Stuck(f"'{node.id}' is not a multi-instance activity")
    return characteristics


def enter_body(ex: Execution, token: Token, node: FlowNode) -> None:
    """Open the multi-instance body for ``token`` and start the first instance(s)."""
    characteristics = _characteristics(node)
    items: list[object] | None = None
    if characteristics.input_collection is not None:
        collection = ex.evaluate(token, characteristics.input_collection)
        if not isinstance(collection, list | tuple):
            raise Stuck(f"input collection of '{node.id}' is not a list: {collection!r}")
        items = list(collection)
        total = len(items)
    elif characteristics.loop_cardinality is not None:
        cardinality = ex.evaluate(token, characteristics.loop_cardinality)
        try:
            total = int(cardinality)
        except (TypeError, ValueError) as exc:
            raise Stuck(f"loop cardinality of '{node.id}' is not a number") from exc
    else:
        raise Stuck(f"'{node.id}' has neither loop cardinality nor input collection")
    body = ex.open_scope(ScopeKind.MULTI_INSTANCE_BODY, node.id, token, {})
    body.items = items
    body.total = total
    body.outputs = [None] * total
    if total <= 0:
        _finish_body(ex, body, node)
        return
    for _ in range(1 if characteristics.is_sequential else total):
        _spawn(ex, body, node)


def _spawn(ex: Execution, body: Scope, node: FlowNode) -> None:
    characteristics = _characteristics(node)
    index = body.started
    body.started += 1
    local_variables: dict[str, object] = {"loopCounter": index + 1}
    if characteristics.input_element and body.items is not None:
        local_variables[characteristics.input_element] = body.items[index]
    inner = ex.new_token(body.id, node.id, loop_counter=index + 1, locals=local_variables)
    ex.schedule(inner)


def inner_completed(ex: Execution, token: Token, node: FlowNode) -> None:
    """One inner instance finished: collect its output and continue or close the body."""
    characteristics = _characteristics(node)
    body = ex.state.scopes[token.scope_id]
    if characteristics.output_element is not None and token.loop_counter is not None:
        body.outputs[token.loop_counter - 1] = ex.evaluate(token, characteristics.output_element)
    body.completed += 1
    done_early = False
    counters = {
        "numberOfInstances": body.total,
        "numberOfCompletedInstances": body.completed,
        "numberOfActiveInstances": ex.count_tokens_in(body.id) - 1,  # all but this one
    }
    if characteristics.completion_condition is not None:
        done_early = ex.evaluate(token, characteristics.completion_condition, counters) is True
    ex.cancel_waits(token.id)
    ex.effects.append(ActivityCompleted(node.id, node.kind.value, token.id, ex.stamp()))
    del ex.state.tokens[token.id]
    if characteristics.behavior != "All" and throw_behavior_events(
        ex, token, node, characteristics, counters
    ):
        return  # an interrupting escalation handler ended the activity
    if done_early:
        for other in ex.tokens_in_scope(body.id):
            ex.terminate_token(other)
    elif characteristics.is_sequential and body.started < body.total:
        _spawn(ex, body, node)
        return
    if not ex.count_tokens_in(body.id):
        _finish_body(ex, body, node)


def _finish_body(ex: Execution, body: Scope, node: FlowNode) -> None:
    characteristics = _characteristics(node)
    ex.state.scopes.pop(body.id, None)
    if body.parent_token_id is None:
        return
    parent = ex.state.tokens[body.parent_token_id]
    parent.child_scope_id = None
    parent.wait = None
    if characteristics.output_collection:
        ex.set_variable(parent.scope_id, characteristics.output_collection, list(body.outputs))
    if ex.state.compensables:
        compensation.remember_body(ex, parent, node, body)
    ex.cancel_waits(parent.id)
    ex.complete_node(parent, node)
