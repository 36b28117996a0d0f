"""Deploy-time rules for compensation and transactions (BPMN 2.0 §10.5.6, §10.3.1.7)."""

from __future__ import annotations

from collections.abc import Iterator

from kontor.process.bpmn.model import EventKind, FlowNode, NodeKind, Process, StandardLoop

Finding = tuple[str, str, str]

_THROWS = frozenset({NodeKind.INTERMEDIATE_THROW_EVENT, NodeKind.END_EVENT})


def check_compensation_rules(process: Process, node: FlowNode) -> Iterator[Finding]:
    """Findings about compensation handlers, compensation events and cancel events."""
    kind = node.event_kind
    if node.is_for_compensation:
        yield from _handler(process, node)
    if node.kind is NodeKind.BOUNDARY_EVENT and kind is EventKind.COMPENSATION:
        yield from _compensation_boundary(process, node)
    elif node.kind in _THROWS and kind is EventKind.COMPENSATION:
        yield from _compensation_throw(process, node)
    elif node.kind is NodeKind.START_EVENT and kind is EventKind.COMPENSATION:
        yield from _compensation_start(process, node)
    elif node.kind is NodeKind.END_EVENT and kind is EventKind.CANCEL:
        container = process.nodes.get(node.container_id)
        if container is None or container.kind is not NodeKind.TRANSACTION:
            yield ("error", "cancel_outside_transaction", "cancel end event outside a transaction")
    elif node.kind is NodeKind.BOUNDARY_EVENT and kind is EventKind.CANCEL:
        host = process.nodes.get(node.attached_to or "")
        if host is None or host.kind is not NodeKind.TRANSACTION:
            yield ("error", "cancel_boundary_host", "cancel boundary event not on a transaction")
    if node.kind is NodeKind.TRANSACTION:
        yield from _transaction(process, node)


def _handler(process: Process, node: FlowNode) -> Iterator[Finding]:
    if node.incoming or node.outgoing:
        yield (
            "error",
            "compensation_handler_flows",
            "compensation handler must not have sequence flows",
        )
    if node.id not in process.compensation_handlers.values():
        yield (
            "warning",
            "compensation_handler_unused",
            "no compensation boundary event is associated with this compensation handler",
        )


def _compensation_boundary(process: Process, node: FlowNode) -> Iterator[Finding]:
    host = node.attached_to or ""
    siblings = [
        other.id
        for other in process.boundary_events(host)
        if other.event_kind is EventKind.COMPENSATION
    ]
    if siblings and siblings[0] != node.id:
        yield (
            "error",
            "compensation_boundary_twice",
            f"activity '{host}' has more than one compensation boundary event"
            f" ({siblings[0]} first)",
        )
    if any(_compensation_sub_process(process, child) for child in process.children(host)):
        yield (
            "error",
            "compensation_boundary_and_sub_process",
            f"activity '{host}' has a compensation event sub-process and a compensation boundary "
            "event; it may have only one of them",
        )
    if node.outgoing:
        yield (
            "error",
            "compensation_boundary_flows",
            "compensation boundary event must not have outgoing sequence flows "
            "(an association leads to its handler)",
        )
    if node.id not in process.compensation_handlers:
        yield (
            "warning",
            "compensation_handler_missing",
            "compensation boundary event has no association to an activity with "
            'isForCompensation="true": compensating its activity does nothing (as in Camunda 7)',
        )


def _compensation_throw(process: Process, node: FlowNode) -> Iterator[Finding]:
    reference = node.event.activity_ref
    if reference is None:
        return
    target = process.nodes.get(reference)
    scope = _compensated_container(process, node)
    if target is None or not target.kind.is_activity or target.container_id != scope:
        yield (
            "error",
            "compensation_activity_ref",
            f"activityRef '{reference}' names no activity of the scope being compensated",
        )


def _compensated_container(process: Process, node: FlowNode) -> str:
    """The container whose activities a throw compensates (an event sub-process: its parent)."""
    container = process.nodes.get(node.container_id)
    if container is not None and container.triggered_by_event:
        return container.container_id
    return node.container_id


def _compensation_sub_process(process: Process, node: FlowNode) -> bool:
    """Whether ``node`` is an event sub-process started by a compensation event."""
    return node.triggered_by_event and any(
        child.kind is NodeKind.START_EVENT and child.event_kind is EventKind.COMPENSATION
        for child in process.children(node.id)
    )


def _compensation_start(process: Process, node: FlowNode) -> Iterator[Finding]:
    if node.event.activity_ref is not None:
        yield (
            "error",
            "compensation_start_activity_ref",
            "the start event of a compensation event sub-process takes no activityRef",
        )
    event_sub_process = process.nodes.get(node.container_id)
    if event_sub_process is not None:
        first = next(
            (
                other.id
                for other in process.children(event_sub_process.container_id)
                if _compensation_sub_process(process, other)
            ),
            event_sub_process.id,
        )
        if first != event_sub_process.id:
            yield (
                "error",
                "compensation_event_sub_process_twice",
                f"the scope has more than one compensation event sub-process ({first} first)",
            )
    parent = (
        process.nodes.get(event_sub_process.container_id) if event_sub_process is not None else None
    )
    if parent is None or not parent.kind.is_container:
        yield (
            "error",
            "compensation_event_sub_process_level",
            "a compensation event sub-process must lie inside an embedded sub-process",
        )


def _transaction(process: Process, node: FlowNode) -> Iterator[Finding]:
    cancels = any(
        child.kind is NodeKind.END_EVENT and child.event_kind is EventKind.CANCEL
        for child in process.children(node.id)
    )
    caught = any(
        boundary.event_kind is EventKind.CANCEL for boundary in process.boundary_events(node.id)
    )
    if cancels and not caught:
        yield (
            "error",
            "cancel_boundary_missing",
            "transaction has a cancel end event but no cancel boundary event",
        )
    if cancels and isinstance(node.loop, StandardLoop):
        yield (
            "error",
            "cancel_in_loop",
            "a transaction with a cancel end event cannot be a standard loop",
        )
