"""Which candidates' queue a work list can be read from, in the order of the list.

A work list that keeps only tasks offered to some users or groups (the candidate view, a group
filter, a top-level ``candidate_group``/``candidate_user`` condition) is read from the candidate
rows of those identities: each carries its task's openness and sort keys, so one index walk per
identity yields the queue in due, priority or creation order and stops at the page's end, rather
than visiting every task of the group.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sqlalchemy import ColumnElement, and_

from kontor.casework.tasks.domain import FINAL_STATES
from kontor.casework.tasks.tables import task_candidates, tasks
from kontor.casework.tasks.work_lists import Sort, TaskFilter, View, Viewer
from kontor.platform.saved_filters import Condition, Group, Node, Operator


class QueueSource(StrEnum):
    """What limits the list to the queue: the candidate view, the group filter or the tree."""

    VIEW = "view"
    GROUP = "group"
    TREE = "tree"


@dataclass(frozen=True)
class Queue:
    """The identities whose candidate rows hold every task of the list; what limited it."""

    source: QueueSource
    members: Sequence[tuple[str, str]]  # (kind, identity)
    rest_of_tree: Node | None = None  # the filter tree without the condition used


QUEUE_JOIN = task_candidates.join(
    tasks,
    and_(
        tasks.c.tenant_id == task_candidates.c.tenant_id,
        tasks.c.task_id == task_candidates.c.task_id,
    ),
)
"""A candidate row with its task."""

_KINDS = {"candidate_group": "group", "candidate_user": "user"}
_KEYS = {Sort.DUE: "due_key", Sort.PRIORITY: "priority_order", Sort.CREATED: "created_at"}


def queue_of(viewer: Viewer, wanted: TaskFilter) -> Queue | None:
    """The narrowest queue holding every task of the list, if the list is limited to
    candidates and holds open tasks only."""
    if any(state in FINAL_STATES for state in wanted.states):
        return None  # finished tasks are not in the queues' open part
    found: list[Queue] = []
    if wanted.group is not None:
        found.append(Queue(QueueSource.GROUP, [("group", wanted.group)]))
    if wanted.tree is not None:
        found += _from_tree(wanted.tree)
    if wanted.view == View.CANDIDATE:
        members = [("user", viewer.user_id), *(("group", g) for g in sorted(viewer.groups))]
        found.append(Queue(QueueSource.VIEW, members))
    return min(found, key=lambda queue: len(queue.members), default=None)


def queue_key(sort: Sort) -> ColumnElement[Any]:
    """The candidate row's column that orders the queue as ``sort`` orders the list."""
    return task_candidates.c[_KEYS[sort]]


def _from_tree(tree: Node) -> list[Queue]:
    parts = tree.parts if isinstance(tree, Group) and tree.all else (tree,)
    found = []
    for index, part in enumerate(parts):
        members = _members(part)
        if members is not None:
            rest = parts[:index] + parts[index + 1 :]
            found.append(Queue(QueueSource.TREE, members, Group(True, rest) if rest else None))
    return found


def _members(node: Node) -> list[tuple[str, str]] | None:
    if not isinstance(node, Condition) or node.field.name not in _KINDS:
        return None
    kind = _KINDS[node.field.name]
    if node.op == Operator.EQ and isinstance(node.value, str):
        return [(kind, node.value)]
    if node.op == Operator.IN and node.value and all(isinstance(v, str) for v in node.value):
        return [(kind, v) for v in dict.fromkeys(node.value)]
    return None
