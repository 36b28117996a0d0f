"""Loops without wait state: cycles of sequence flows that the engine runs within one step.

Such a loop ends only when a condition leads out of it; if none does, the step runs until its
budget stops it. ``validate`` reports each as a warning naming the loop's elements.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator

from kontor.process.bpmn.model import EventKind, FlowNode, NodeKind, Process

_WAITING_KINDS = frozenset(
    {
        NodeKind.USER_TASK,
        NodeKind.SERVICE_TASK,  # a job: an inline handler runs in the step, the rest wait
        NodeKind.SEND_TASK,
        NodeKind.BUSINESS_RULE_TASK,
        NodeKind.RECEIVE_TASK,
        NodeKind.CALL_ACTIVITY,
        NodeKind.EVENT_BASED_GATEWAY,
    }
)


def loops_without_wait_state(process: Process) -> Iterator[list[str]]:
    """One loop per group of elements that reach each other without a wait state between.

    Each loop starts and ends at the element where a flow from outside enters it.
    """
    graph = _graph_without_waits(process)
    reach = {node_id: _reachable(graph, node_id) for node_id in graph}
    grouped: set[str] = set()
    for node_id in sorted(graph, key=lambda n: (process.node(n).line or 0, n)):
        if node_id in grouped or node_id not in reach[node_id]:
            continue
        group = {other for other in reach[node_id] if node_id in reach[other]}
        grouped |= group
        entries = [n for n in _in_order(process, group) if _entered_from_outside(process, n, group)]
        yield _shortest_round(graph, entries[0] if entries else node_id, group)


def _graph_without_waits(process: Process) -> dict[str, list[str]]:
    """Successors of every element that is no wait state, along flows and link events."""
    waits = {node.id for node in process.nodes.values() if _waits(process, node)}
    links: dict[str, list[str]] = {}
    for node in process.nodes.values():
        if node.kind is NodeKind.INTERMEDIATE_CATCH_EVENT and node.event_kind is EventKind.LINK:
            links.setdefault(node.event.link_name or "", []).append(node.id)
    graph: dict[str, list[str]] = {}
    for node in process.nodes.values():
        if node.id in waits:
            continue
        targets = [process.flow(flow_id).target for flow_id in node.outgoing]
        if node.kind is NodeKind.INTERMEDIATE_THROW_EVENT and node.event_kind is EventKind.LINK:
            targets.extend(links.get(node.event.link_name or "", []))
        graph[node.id] = [target for target in targets if target not in waits]
    return graph


def _waits(process: Process, node: FlowNode) -> bool:
    if node.extensions.async_before or node.extensions.async_after:
        return True
    if node.kind in _WAITING_KINDS:
        return True
    if node.kind is NodeKind.SCRIPT_TASK:
        return node.extensions.task_definition is not None  # a job, not an inline script
    if node.kind is NodeKind.INTERMEDIATE_CATCH_EVENT:
        return node.event_kind is not EventKind.LINK
    if node.kind.is_container:
        return any(_waits(process, child) for child in process.children(node.id))
    return False


def _reachable(graph: dict[str, list[str]], start: str) -> set[str]:
    """Elements reachable from ``start`` in one flow or more."""
    seen: set[str] = set()
    queue = deque(graph[start])
    while queue:
        node_id = queue.popleft()
        if node_id not in seen:
            seen.add(node_id)
            queue.extend(graph[node_id])
    return seen


def _in_order(process: Process, group: set[str]) -> list[str]:
    return sorted(group, key=lambda n: (process.node(n).line or 0, n))


def _entered_from_outside(process: Process, node_id: str, group: set[str]) -> bool:
    sources = (process.flow(flow_id).source for flow_id in process.node(node_id).incoming)
    return any(source not in group for source in sources)


def _shortest_round(graph: dict[str, list[str]], entry: str, group: set[str]) -> list[str]:
    """The shortest path from ``entry`` back to itself inside ``group``."""
    came_from: dict[str, str] = {}
    queue = deque([entry])
    while queue:
        node_id = queue.popleft()
        for target in graph[node_id]:
            if target == entry:
                path = [node_id]
                while path[-1] != entry:
                    path.append(came_from[path[-1]])
                return [*reversed(path), entry]
            if target in group and target not in came_from:
                came_from[target] = node_id
                queue.append(target)
    return [entry, entry]  # unreachable: every element of ``group`` leads back to ``entry``
