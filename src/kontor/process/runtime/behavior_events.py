"""Events a multi-instance activity throws as its instances complete (BPMN 2.0 §10.3.7).

``behavior`` decides: ``None`` throws the none behaviour event each time an instance completes,
``One`` the one behaviour event when the first does, ``Complex`` the events of every complex
behaviour definition whose condition holds (with ``numberOfInstances``,
``numberOfCompletedInstances`` and ``numberOfActiveInstances``), ``All`` nothing. A signal is
broadcast, a message thrown (as by a throw event), an escalation raised from the activity: a
boundary event on it or an event sub-process around it catches it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from kontor.process.bpmn.model import EventDefinition, EventKind, FlowNode, MultiInstance
from kontor.process.runtime import errors_propagation, events
from kontor.process.runtime.errors import Stuck
from kontor.process.runtime.state import Token

if TYPE_CHECKING:
    from kontor.process.runtime.execution import Execution


def throw_behavior_events(
    ex: Execution,
    token: Token,
    node: FlowNode,
    characteristics: MultiInstance,
    counters: Mapping[str, Any],
) -> bool:
    """Throw what the behaviour asks for after ``token``'s instance completed; True if an
    interrupting escalation handler caught one (the activity is gone then)."""
    for definition in _due(ex, token, characteristics, counters):
        if events.publish(ex, token, node, definition):
            continue
        if definition.kind is EventKind.ESCALATION:
            code = errors_propagation.escalation_code_of(ex, definition)
            if errors_propagation.escalate(ex, token, code, before_interrupting=lambda: None):
                return True
        else:  # validation refuses the other kinds at deploy time
            raise Stuck(f"a {definition.kind.value} behaviour event is not supported")
    return False


def _due(
    ex: Execution, token: Token, characteristics: MultiInstance, counters: Mapping[str, Any]
) -> list[EventDefinition]:
    behavior = characteristics.behavior
    if behavior == "None" and characteristics.none_behavior_event is not None:
        return [characteristics.none_behavior_event]
    first = counters["numberOfCompletedInstances"] == 1
    if behavior == "One" and first and characteristics.one_behavior_event is not None:
        return [characteristics.one_behavior_event]
    if behavior != "Complex":
        return []
    return [
        event
        for definition in characteristics.complex_behaviors
        if definition.condition is None
        or ex.evaluate(token, definition.condition, counters) is True
        for event in definition.events
    ]
