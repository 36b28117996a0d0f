"""The activity tree of an instance: its activity history nested by the model's sub-processes."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from kontor.process import BpmnImportError, parse_bpmn
from kontor.process.bpmn.model import Process
from kontor.process.store.history import ActivityInstance

MAX_DEPTH = 6
"""Deeper nesting is shown at this depth (the page indents by class, not by inline style)."""


@dataclass(frozen=True)
class ActivityNode:
    """One activity instance with its element's name and how deep it is nested."""

    activity: ActivityInstance
    name: str
    depth: int


def activity_tree(
    activities: Sequence[ActivityInstance], process: Process | None
) -> list[ActivityNode]:
    """The activities in start order, each with the depth of its element in the model."""
    return [
        ActivityNode(row, _name(process, row.element_id), _depth(process, row.element_id))
        for row in activities
    ]


def targets(process: Process | None) -> list[tuple[str, str]]:
    """The elements a token may be moved to (no boundary events), as (id, name), by name."""
    if process is None:
        return []
    nodes = [node for node in process.nodes.values() if node.attached_to is None]
    return sorted(((n.id, n.name or n.id) for n in nodes), key=lambda pair: pair[1].casefold())


def process_model(bpmn_xml: str, process_key: str) -> Process | None:
    """The process ``process_key`` of a deployed model (None if it cannot be read)."""
    try:
        return parse_bpmn(bpmn_xml).processes.get(process_key)
    except BpmnImportError:  # deployed models parse; an old one that does not shows flat
        return None


def _name(process: Process | None, element_id: str) -> str:
    node = process.nodes.get(element_id) if process else None
    return (node.name if node else None) or element_id


def _depth(process: Process | None, element_id: str) -> int:
    depth, node = 0, process.nodes.get(element_id) if process else None
    while process and node and node.container_id in process.nodes and depth < MAX_DEPTH:
        depth += 1
        node = process.nodes[node.container_id]
    return depth
