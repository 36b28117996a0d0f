"""``startQuantity`` and ``completionQuantity`` of activities (BPMN 2.0 §13.2.1).

An activity starts only once ``startQuantity`` tokens have arrived on its incoming flows (the
earlier ones wait there, as at a join); on completion it puts ``completionQuantity`` tokens on
each outgoing flow.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from kontor.process.bpmn.model import FlowNode
from kontor.process.runtime.effects import ActivityMerged
from kontor.process.runtime.state import Token, Wait

if TYPE_CHECKING:
    from kontor.process.runtime.execution import Execution


def gathered(ex: Execution, token: Token, node: FlowNode) -> bool:
    """Whether ``token`` completes the start quantity of ``node``; else it waits there."""
    if token.loop_counter is not None:
        return True  # a further round of a loop, not an arrival
    waiting = [
        t
        for t in ex.tokens_in_scope(token.scope_id)
        if t.element_id == node.id and t.wait is Wait.JOIN and t.id != token.id
    ]
    if len(waiting) + 1 < node.start_quantity:
        token.wait = Wait.JOIN
        return False
    for other in waiting[: node.start_quantity - 1]:
        del ex.state.tokens[other.id]
        ex.effects.append(ActivityMerged(node.id, node.kind.value, other.id, ex.stamp()))
    return True


def repeated(node: FlowNode, flow_ids: list[str] | tuple[str, ...]) -> list[str]:
    """The flows a completing ``node`` leaves by, each ``completionQuantity`` times."""
    return [flow_id for flow_id in flow_ids for _ in range(node.completion_quantity)]
