"""Events with several event definitions (BPMN 2.0 §10.5: multiple and parallel multiple).

A catch event with several definitions is triggered by any one of them, or with
``parallelMultiple="true"`` by all of them; a throw event throws all of them.
"""

from __future__ import annotations

from collections.abc import Iterator

from kontor.process.bpmn.model import EventKind, FlowNode, NodeKind, Process

CATCH_DEFINITIONS = frozenset(
    {
        EventKind.MESSAGE,
        EventKind.TIMER,
        EventKind.SIGNAL,
        EventKind.CONDITIONAL,
        EventKind.ERROR,
        EventKind.ESCALATION,
    }
)
THROW_DEFINITIONS = frozenset({EventKind.MESSAGE, EventKind.SIGNAL})
CAUGHT_BY_PROPAGATION = frozenset({EventKind.ERROR, EventKind.ESCALATION})
"""Definitions a thrown error or escalation finds by walking up the scopes, not subscriptions."""

_CATCHING = frozenset(
    {NodeKind.START_EVENT, NodeKind.INTERMEDIATE_CATCH_EVENT, NodeKind.BOUNDARY_EVENT}
)
_THROWING = frozenset({NodeKind.END_EVENT, NodeKind.INTERMEDIATE_THROW_EVENT})


def multiple_event_reason(node: FlowNode, in_event_sub_process: bool) -> str | None:
    """Why the runtime cannot execute the several event definitions of ``node``, or None."""
    if node.kind in _CATCHING:
        allowed, role = CATCH_DEFINITIONS, "catch"
    elif node.kind in _THROWING:
        allowed, role = THROW_DEFINITIONS, "throw"
    else:
        return f"event definitions on a {node.kind.value}"
    others = sorted({d.kind.value for d in node.event_definitions if d.kind not in allowed})
    if others:
        return f"{', '.join(others)} definitions in multiple {role} events"
    is_process_start = node.kind is NodeKind.START_EVENT and not in_event_sub_process
    kinds = {definition.kind for definition in node.event_definitions}
    if is_process_start and EventKind.CONDITIONAL in kinds:
        return "conditional definitions in multiple start events of a process"
    propagated = sorted(kind.value for kind in kinds & CAUGHT_BY_PROPAGATION)
    catches_propagated = node.kind is NodeKind.BOUNDARY_EVENT or (
        node.kind is NodeKind.START_EVENT and in_event_sub_process
    )
    if propagated and not catches_propagated:
        where = "multiple events other than boundary events and event sub-process starts"
        return f"{', '.join(propagated)} definitions in {where}"
    if propagated and node.parallel_multiple:
        return f"{', '.join(propagated)} definitions in parallel multiple events"
    return None


def multiple_event_rules(process: Process, node: FlowNode) -> Iterator[tuple[str, str, str]]:
    """Wrong use of several event definitions: (severity, code, message) findings."""
    if node.parallel_multiple and node.kind in _THROWING:
        yield ("error", "parallel_multiple_throw", "parallelMultiple applies to catch events only")
    if not node.is_multiple:
        return
    container = process.nodes.get(node.container_id)
    is_process_start = node.kind is NodeKind.START_EVENT and (
        container is None or not container.triggered_by_event
    )
    timers = [d for d in node.event_definitions if d.kind is EventKind.TIMER]
    if is_process_start and len(timers) > 1:
        yield (
            "error",
            "multiple_start_timers",
            "a start event of a process may have one timer definition; use a start event per timer",
        )
    kinds = {definition.kind for definition in node.event_definitions}
    if EventKind.ERROR in kinds and not (node.cancel_activity and node.is_interrupting):
        yield (
            "error",
            "multiple_error_not_interrupting",
            "an event that catches an error interrupts; make it interrupting",
        )
    sources = [process.node(process.flow(flow_id).source) for flow_id in node.incoming]
    if any(source.kind is NodeKind.EVENT_BASED_GATEWAY for source in sources):
        yield (
            "error",
            "event_gateway_target_multiple",
            "an event after an event-based gateway must have one event definition",
        )
