"""What Kontor's runtime executes; validation rejects the rest at deploy time.

Kept in one place so validation, documentation and the runtime agree.
"""

from __future__ import annotations

from kontor.process.bpmn.model import EventKind, FlowNode, NodeKind
from kontor.process.bpmn.multiple_events import multiple_event_reason

UNSUPPORTED_NODE_KINDS: dict[NodeKind, str] = {}

# Event definitions the runtime understands, per kind of event node.
SUPPORTED_EVENTS: dict[NodeKind, frozenset[EventKind]] = {
    NodeKind.START_EVENT: frozenset(
        {
            EventKind.NONE,
            EventKind.MESSAGE,
            EventKind.TIMER,
            EventKind.SIGNAL,
            EventKind.ERROR,
            EventKind.CONDITIONAL,
        }
    ),
    NodeKind.END_EVENT: frozenset(
        {
            EventKind.NONE,
            EventKind.TERMINATE,
            EventKind.ERROR,
            EventKind.MESSAGE,
            EventKind.SIGNAL,
            EventKind.ESCALATION,
            EventKind.COMPENSATION,
            EventKind.CANCEL,
        }
    ),
    NodeKind.INTERMEDIATE_CATCH_EVENT: frozenset(
        {
            EventKind.MESSAGE,
            EventKind.TIMER,
            EventKind.SIGNAL,
            EventKind.LINK,
            EventKind.CONDITIONAL,
        }
    ),
    NodeKind.INTERMEDIATE_THROW_EVENT: frozenset(
        {
            EventKind.NONE,
            EventKind.MESSAGE,
            EventKind.SIGNAL,
            EventKind.LINK,
            EventKind.ESCALATION,
            EventKind.COMPENSATION,
        }
    ),
    NodeKind.BOUNDARY_EVENT: frozenset(
        {
            EventKind.MESSAGE,
            EventKind.TIMER,
            EventKind.SIGNAL,
            EventKind.ERROR,
            EventKind.ESCALATION,
            EventKind.COMPENSATION,
            EventKind.CANCEL,
            EventKind.CONDITIONAL,
        }
    ),
}

# Kinds of event-sub-process start events the runtime can trigger.
SUPPORTED_EVENT_SUB_PROCESS_STARTS = frozenset(
    {
        EventKind.MESSAGE,
        EventKind.TIMER,
        EventKind.SIGNAL,
        EventKind.ERROR,
        EventKind.ESCALATION,
        EventKind.COMPENSATION,
        EventKind.CONDITIONAL,
    }
)

EVENT_BASED_TARGET_EVENTS = frozenset(
    {EventKind.MESSAGE, EventKind.TIMER, EventKind.SIGNAL, EventKind.CONDITIONAL}
)


def unsupported_reason(node: FlowNode, in_event_sub_process: bool = False) -> str | None:
    """Why the runtime cannot execute ``node``, or None if it can."""
    reason = UNSUPPORTED_NODE_KINDS.get(node.kind)
    if reason is not None:
        return reason
    if node.is_multiple:
        return multiple_event_reason(node, in_event_sub_process)
    supported = SUPPORTED_EVENTS.get(node.kind)
    if supported is None:
        return None
    kind = node.event_kind
    if node.kind is NodeKind.START_EVENT and in_event_sub_process:
        if kind not in SUPPORTED_EVENT_SUB_PROCESS_STARTS:
            return f"{kind.value} start events in event sub-processes"
        return None
    if kind not in supported:
        return f"{kind.value} {_event_label(node.kind)}"
    return None


def _event_label(kind: NodeKind) -> str:
    return {
        NodeKind.START_EVENT: "start events",
        NodeKind.END_EVENT: "end events",
        NodeKind.INTERMEDIATE_CATCH_EVENT: "intermediate catch events",
        NodeKind.INTERMEDIATE_THROW_EVENT: "intermediate throw events",
        NodeKind.BOUNDARY_EVENT: "boundary events",
    }[kind]
