"""Rules Camunda 7 enforces when it parses a model, which Kontor enforces the same way."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

from kontor.process.bpmn.model import Definitions, EventKind, FlowNode, NodeKind, Process

Finding = tuple[str, str, str]

_THROWING = (NodeKind.END_EVENT, NodeKind.INTERMEDIATE_THROW_EVENT)


def camunda7_node_rules(
    definitions: Definitions, process: Process, node: FlowNode
) -> Iterator[Finding]:
    """Findings for one node: Camunda attributes, escalation codes, catch ambiguity."""
    for problem in node.extensions.camunda7_problems:
        yield ("error", "camunda7_invalid", problem)
    if node.kind in _THROWING and node.event_kind is EventKind.ESCALATION:
        reference = node.event.escalation_ref
        escalation = definitions.escalations.get(reference or "")
        if reference is None:
            yield ("error", "escalation_missing", "throwing escalation event has no escalationRef")
        elif escalation is not None and not escalation.escalation_code:
            yield (
                "error",
                "escalation_code_missing",
                f"escalation '{reference}' thrown here has no escalationCode",
            )
    if node.kind.is_activity:
        catching = [
            b for b in process.boundary_events(node.id) if b.event_kind is EventKind.ESCALATION
        ]
        yield from _ambiguous(definitions, catching, "escalation boundary events")
    if node.kind.is_container:
        yield from _ambiguous_event_sub_processes(definitions, process, node.id)


def camunda7_process_rules(definitions: Definitions, process: Process) -> Iterator[Finding]:
    """Findings for the process itself: its event sub-processes and message start events."""
    yield from _ambiguous_event_sub_processes(definitions, process, process.id)
    names = Counter(
        (definitions.messages[start.event.message_ref or ""].name or "")
        for start in process.start_events()
        if start.event_kind is EventKind.MESSAGE
        and (start.event.message_ref or "") in definitions.messages
    )
    for name, count in sorted(names.items()):
        if count > 1:
            yield (
                "error",
                "message_start_ambiguous",
                f"{count} message start events wait for message '{name}'",
            )


def _ambiguous_event_sub_processes(
    definitions: Definitions, process: Process, container_id: str
) -> Iterator[Finding]:
    starts = [
        start
        for sub in process.event_sub_processes(container_id)
        for start in process.start_events(sub.id)
        if start.event_kind is EventKind.ESCALATION and start.is_interrupting
    ]
    yield from _ambiguous(definitions, starts, "interrupting escalation event sub-processes")


def _ambiguous(definitions: Definitions, catching: list[FlowNode], what: str) -> Iterator[Finding]:
    if len(catching) < 2:
        return
    codes = []
    for event in catching:
        reference = event.event.escalation_ref
        escalation = definitions.escalations.get(reference or "")
        codes.append(escalation.escalation_code if escalation is not None else None)
    if None in codes:
        yield ("error", "escalation_catch_ambiguous", f"{what}: one catches every code, so "
               "no other may be beside it")  # fmt: skip
    duplicated = sorted(code for code, n in Counter(c for c in codes if c).items() if n > 1)
    if duplicated:
        yield (
            "error",
            "escalation_catch_ambiguous",
            f"{what}: several catch code {', '.join(repr(c) for c in duplicated)}",
        )
