"""Deploy-time rules of ad-hoc sub-processes (BPMN 2.0 §10.3.5)."""

from __future__ import annotations

from collections.abc import Iterator

from kontor.process.bpmn.model import FlowNode, NodeKind, Process

Finding = tuple[str, str, str]

_ORDERINGS = ("Parallel", "Sequential")


def enabled_activities(process: Process, ad_hoc_id: str) -> list[FlowNode]:
    """The inner activities of an ad-hoc sub-process that may be activated at run time."""
    return [
        node
        for node in process.children(ad_hoc_id)
        if node.kind.is_activity
        and not node.incoming
        and not node.triggered_by_event
        and not node.is_for_compensation
    ]


def in_ad_hoc(process: Process, node: FlowNode) -> bool:
    """Whether ``node`` lies directly inside an ad-hoc sub-process."""
    container = process.nodes.get(node.container_id)
    return container is not None and container.kind is NodeKind.AD_HOC_SUB_PROCESS


def check_ad_hoc_rules(process: Process, node: FlowNode) -> Iterator[Finding]:
    """Findings for an ad-hoc sub-process and for the elements directly inside one."""
    if node.ad_hoc is not None:
        if node.ad_hoc.ordering not in _ORDERINGS:
            yield (
                "error",
                "ad_hoc_ordering",
                f"ordering '{node.ad_hoc.ordering}' is neither Parallel nor Sequential",
            )
        if not enabled_activities(process, node.id):
            yield (
                "error",
                "ad_hoc_empty",
                "ad-hoc sub-process has no activity without incoming flow to activate",
            )
    if in_ad_hoc(process, node) and node.kind in (NodeKind.START_EVENT, NodeKind.END_EVENT):
        yield (
            "error",
            "ad_hoc_start_end",
            f"an ad-hoc sub-process must not contain a {node.kind.value} (BPMN 2.0 §10.3.5)",
        )
