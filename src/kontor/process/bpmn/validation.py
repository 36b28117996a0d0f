"""Deploy-time validation: structural issues, unsupported elements, an executable verdict."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, replace
from enum import StrEnum

from kontor.process.bpmn.juel_check import juel_errors
from kontor.process.bpmn.model import Definitions, EventKind, FlowNode, NodeKind, Process
from kontor.process.bpmn.support import unsupported_reason
from kontor.process.bpmn.validation_ad_hoc import enabled_activities
from kontor.process.bpmn.validation_camunda7 import camunda7_process_rules
from kontor.process.bpmn.validation_cycles import loops_without_wait_state
from kontor.process.bpmn.validation_rules import check_node_rules


class Severity(StrEnum):
    """How bad an issue is: errors block deployment, warnings and notes do not."""

    ERROR = "error"
    WARNING = "warning"
    NOTE = "note"
    """An execution problem of a modelling-only process (``isExecutable="false"``)."""


@dataclass(frozen=True)
class Issue:
    """One validation finding, positioned at an element."""

    severity: Severity
    code: str
    message: str
    process_id: str
    element_id: str | None = None
    line: int | None = None

    def __str__(self) -> str:
        where = f"line {self.line}, " if self.line is not None else ""
        element = f"'{self.element_id}'" if self.element_id else f"process '{self.process_id}'"
        return f"{self.severity.value}: {where}{element}: {self.message} [{self.code}]"


@dataclass(frozen=True)
class Verdict:
    """Whether a process can be deployed for execution, and why not."""

    process_id: str
    executable: bool
    reasons: tuple[str, ...]


def validate(definitions: Definitions) -> list[Issue]:
    """All issues of all processes in ``definitions``, in document order per process."""
    issues: list[Issue] = []
    for process in definitions.processes.values():
        issues.extend(validate_process(definitions, process))
    return issues


def validate_process(definitions: Definitions, process: Process) -> list[Issue]:
    """Issues of one process."""
    issues: list[Issue] = []

    def report(
        severity: Severity,
        code: str,
        message: str,
        node: FlowNode | None = None,
        element_id: str | None = None,
        line: int | None = None,
    ) -> None:
        issues.append(
            Issue(
                severity,
                code,
                message,
                process.id,
                element_id if node is None else node.id,
                line if node is None else node.line,
            )
        )

    if not process.start_events() and not process.instantiating_receive_tasks():
        report(Severity.ERROR, "no_start_event", "process has no start event", line=process.line)
    for tag, element_id, line in process.unrecognised:
        report(
            Severity.WARNING,
            "ignored_element",
            f"element '{tag}' is not understood and ignored",
            element_id=element_id or None,
            line=line,
        )
    unsupported: list[str] = []
    for node in process.nodes.values():
        container = process.nodes.get(node.container_id)
        in_event_sub_process = container is not None and container.triggered_by_event
        reason = unsupported_reason(node, in_event_sub_process)
        if reason is not None:
            unsupported.append(f"{node.id} ({reason})")
            report(Severity.ERROR, "unsupported", f"not supported: {reason}", node)
        for severity_name, code, message in check_node_rules(definitions, process, node):
            report(Severity(severity_name), code, message, node)
    for severity_name, code, message in camunda7_process_rules(definitions, process):
        report(Severity(severity_name), code, message, line=process.line)
    for element_id, line, message in juel_errors(process):
        report(Severity.ERROR, "juel_unsupported", message, element_id=element_id, line=line)
    for flow in process.flows.values():
        source, target = process.node(flow.source), process.node(flow.target)
        if source.container_id != target.container_id:
            report(
                Severity.ERROR,
                "flow_crosses_scope",
                f"sequence flow from '{source.id}' to '{target.id}' crosses a sub-process border",
                element_id=flow.id,
                line=flow.line,
            )
    for node_id in sorted(_unreachable(process), key=lambda n: process.node(n).line or 0):
        node = process.node(node_id)
        report(Severity.WARNING, "unreachable", "no path from a start event reaches it", node)
    for loop in loops_without_wait_state(process):
        report(
            Severity.WARNING,
            "loop_without_wait_state",
            f"loop without wait state: {' → '.join(loop)}; unless a condition leads out, "
            "a step runs it until the step budget stops it with an incident",
            process.node(loop[0]),
        )
    if unsupported:
        report(
            Severity.ERROR,
            "unsupported_summary",
            "process uses elements Kontor cannot execute: " + ", ".join(unsupported),
            line=process.line,
        )
    if not process.is_executable:
        # A modelling-only process: Camunda ignores it at deployment, and so does Kontor;
        # what would stop it running is a note, not an error.
        return [replace(issue, severity=Severity.NOTE) for issue in issues]
    return issues


def verdict(definitions: Definitions, process_id: str) -> Verdict:
    """Executable verdict for one process: isExecutable and free of errors."""
    process = definitions.process(process_id)
    reasons: list[str] = []
    if not process.is_executable:
        reasons.append("isExecutable is not true")
    reasons.extend(
        str(issue)
        for issue in validate_process(definitions, process)
        if issue.severity in (Severity.ERROR, Severity.NOTE) and issue.code != "unsupported_summary"
    )
    return Verdict(process_id, not reasons, tuple(reasons))


def verdicts(definitions: Definitions) -> dict[str, Verdict]:
    """Executable verdict per process id."""
    return {process_id: verdict(definitions, process_id) for process_id in definitions.processes}


def _unreachable(process: Process) -> set[str]:
    # Event sub-processes of the process are live as soon as the process is.
    starts = (*process.start_events(), *process.instantiating_receive_tasks())
    entry = [node.id for node in starts]
    if entry:
        entry.extend(sub.id for sub in process.event_sub_processes(process.id))
    link_targets: dict[str, list[str]] = {}
    for node in process.nodes.values():
        if node.kind is NodeKind.INTERMEDIATE_CATCH_EVENT and node.event_kind is EventKind.LINK:
            link_targets.setdefault(node.event.link_name or "", []).append(node.id)
    reached: set[str] = set()
    queue: deque[str] = deque(entry)
    while queue:
        node_id = queue.popleft()
        if node_id in reached:
            continue
        reached.add(node_id)
        node = process.node(node_id)
        queue.extend(process.flow(flow_id).target for flow_id in node.outgoing)
        queue.extend(boundary.id for boundary in process.boundary_events(node_id))
        if node.kind.is_container:
            queue.extend(child.id for child in process.start_events(node.id))
            queue.extend(sub.id for sub in process.event_sub_processes(node.id))
        if node.ad_hoc is not None:
            queue.extend(inner.id for inner in enabled_activities(process, node.id))
        if node.kind is NodeKind.INTERMEDIATE_THROW_EVENT and node.event_kind is EventKind.LINK:
            queue.extend(link_targets.get(node.event.link_name or "", []))
    compensation = {node.id for node in process.nodes.values() if node.is_for_compensation}
    return set(process.nodes) - reached - compensation
