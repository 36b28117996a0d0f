"""Events with several event definitions at run time (BPMN 2.0 §10.5, multiple events).

A multiple catch event waits for all its definitions at once and fires on the first that
arrives, closing the others. A parallel multiple event remembers each definition as it arrives
(in ``InstanceState.event_arrivals``) and fires when the last one arrived, with the payloads
of all of them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from kontor.process.bpmn.model import FlowNode
from kontor.process.runtime.effects import SubscriptionClosed, TimerCancelled
from kontor.process.runtime.state import EventArrival, Subscription, Timer

if TYPE_CHECKING:
    from kontor.process.runtime.execution import Execution


def arrive(
    ex: Execution, row: Timer | Subscription, node: FlowNode, variables: Mapping[str, Any]
) -> dict[str, Any] | None:
    """Remember that ``row``'s definition arrived; all payloads once every definition has."""
    state = ex.state
    if isinstance(row, Timer):
        state.timers.pop(row.id, None)
    else:
        state.subscriptions.pop(row.id, None)
    arrival = _arrival_of(ex, row)
    if row.definition not in arrival.arrived:
        arrival.arrived.append(row.definition)
    arrival.variables.update(variables)
    if len(arrival.arrived) < len(node.event_definitions):
        return None
    del state.event_arrivals[arrival.id]
    return arrival.variables


def _arrival_of(ex: Execution, row: Timer | Subscription) -> EventArrival:
    for arrival in ex.state.event_arrivals.values():
        if (arrival.element_id, arrival.token_id, arrival.scope_id) == (
            row.element_id,
            row.token_id,
            row.scope_id,
        ):
            return arrival
    arrival = EventArrival(
        id=ex.state.new_id("arrival"),
        element_id=row.element_id,
        token_id=row.token_id,
        scope_id=row.scope_id,
    )
    ex.state.event_arrivals[arrival.id] = arrival
    return arrival


def close_others(ex: Execution, row: Timer | Subscription) -> None:
    """Close the timers and subscriptions of the other definitions of ``row``'s event."""
    state = ex.state

    def sibling(other: Timer | Subscription) -> bool:
        return (
            other.id != row.id
            and other.element_id == row.element_id
            and other.token_id == row.token_id
            and other.scope_id == row.scope_id
        )

    for timer in [t for t in state.timers.values() if sibling(t)]:
        del state.timers[timer.id]
        ex.effects.append(TimerCancelled(timer.id, timer.element_id))
    for subscription in [s for s in state.subscriptions.values() if sibling(s)]:
        del state.subscriptions[subscription.id]
        ex.effects.append(SubscriptionClosed(subscription.id, subscription.element_id))


def forget_arrivals(
    ex: Execution, token_id: str | None = None, scope_id: str | None = None
) -> None:
    """Drop what arrived for the events held by a cancelled token or scope."""
    arrivals = ex.state.event_arrivals
    for key in [
        key
        for key, arrival in arrivals.items()
        if (token_id is not None and arrival.token_id == token_id)
        or (scope_id is not None and arrival.scope_id == scope_id)
    ]:
        del arrivals[key]
