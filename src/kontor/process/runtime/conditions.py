"""Conditional events (BPMN 2.0 §10.5.5): when their conditions are evaluated and what fires.

Camunda 7 semantics: a condition is evaluated when its event becomes active (an intermediate
catch whose condition holds passes at once; an event sub-process of a new scope may start
before the scope's start event runs) and again on every variable change visible to it, top
down from the scope the variable changed in. ``camunda:variableName`` and
``camunda:variableEvents`` restrict which changes count. A non-interrupting event fires on
every counting change while its condition holds, as Camunda 7 documents, not only when the
condition turns from false to true. A condition that cannot be evaluated raises an incident
naming its event; the subscription rests until the incident is resolved.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from kontor.process.runtime import events
from kontor.process.runtime.effects import IncidentRaised
from kontor.process.runtime.errors import Stuck
from kontor.process.runtime.state import Incident, Subscription, Token

if TYPE_CHECKING:
    from kontor.process.runtime.execution import Execution

CREATE = "create"
UPDATE = "update"
DELETE = "delete"


@dataclass(frozen=True)
class VariableChange:
    """A variable ``name`` was created, updated or deleted in a scope (or a token's locals)."""

    scope_id: str
    name: str
    kind: str
    token_id: str | None = None


def settle(ex: Execution, fresh: list[str], changes: list[VariableChange]) -> None:
    """Evaluate newly opened condition subscriptions, then those the changes concern."""
    for subscription_id in fresh:
        subscription = ex.state.subscriptions.get(subscription_id)
        if subscription is not None and not _resting(ex, subscription):
            _evaluate(ex, subscription)
    for change in changes:
        for subscription in _concerned(ex, change):
            if subscription.id in ex.state.subscriptions and _counts(ex, subscription, change):
                _evaluate(ex, subscription)


def _concerned(ex: Execution, change: VariableChange) -> list[Subscription]:
    """Subscriptions the change is visible to, outer scopes first (top-down evaluation)."""
    found: list[tuple[float, Subscription]] = []
    for subscription in ex.state.subscriptions.values():
        if subscription.event != events.CONDITIONAL or _resting(ex, subscription):
            continue
        if change.token_id is not None and subscription.token_id != change.token_id:
            continue
        if any(s.id == change.scope_id for s in ex.scope_chain(_context_scope(ex, subscription))):
            found.append((_depth(ex, subscription), subscription))
    found.sort(key=lambda pair: pair[0])
    return [subscription for _, subscription in found]


def _depth(ex: Execution, subscription: Subscription) -> float:
    # An event sub-process listens at its scope's level; boundary and catch events half a
    # level below the scope their activity is in (so above a sub-process's own contents).
    if subscription.token_id is None:
        return len(ex.scope_chain(subscription.scope_id or ex.state.root_scope_id))
    holder = ex.state.tokens[subscription.token_id]
    return len(ex.scope_chain(holder.scope_id)) + 0.5


def _context_scope(ex: Execution, subscription: Subscription) -> str:
    """The scope whose variables (and its ancestors') the subscription sees."""
    if subscription.token_id is None:
        return subscription.scope_id or ex.state.root_scope_id
    holder = ex.state.tokens[subscription.token_id]
    if subscription.kind == events.BOUNDARY and holder.child_scope_id is not None:
        return holder.child_scope_id  # a sub-process's boundary sees its inner variables
    return holder.scope_id


def _counts(ex: Execution, subscription: Subscription, change: VariableChange) -> bool:
    node = ex.process.node(subscription.element_id)
    definition = events.definition_of(node, subscription.definition)
    if definition.variable_name is not None and definition.variable_name != change.name:
        return False
    return not definition.variable_events or change.kind in definition.variable_events


def _resting(ex: Execution, subscription: Subscription) -> bool:
    return any(i.subscription_id == subscription.id for i in ex.state.incidents.values())


def _evaluate(ex: Execution, subscription: Subscription) -> None:
    node = ex.process.node(subscription.element_id)
    holder = ex.state.tokens.get(subscription.token_id or "")
    context = holder or Token(
        id="", scope_id=_context_scope(ex, subscription), element_id=subscription.element_id
    )
    condition = events.definition_of(node, subscription.definition).condition
    try:
        if condition is None:
            raise Stuck(f"conditional event '{node.id}' has no condition")
        holds = ex.evaluate(context, condition) is True
    except Stuck as stuck:
        _rest(ex, subscription, f"condition of '{node.id}' could not be evaluated: {stuck.reason}")
        return
    if not holds:
        return
    try:
        events.trigger(ex, subscription, {})
    except Stuck as stuck:
        if holder is not None and holder.id in ex.state.tokens:
            ex.raise_incident(holder, stuck.reason, stuck.job_id, stuck.error_code)
        elif subscription.id in ex.state.subscriptions:
            _rest(ex, subscription, stuck.reason)


def _rest(ex: Execution, subscription: Subscription, reason: str) -> None:
    incident = Incident(
        id=ex.state.new_id("incident"),
        token_id=subscription.token_id or "",
        element_id=subscription.element_id,
        reason=reason,
        subscription_id=subscription.id,
    )
    ex.state.incidents[incident.id] = incident
    ex.effects.append(IncidentRaised(incident.id, incident.element_id, reason, None))
