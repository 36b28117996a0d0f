"""What a work list is: its views, sort orders, viewer, filter, page and count."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from kontor.casework.tasks.domain import Task, TaskState
from kontor.platform.saved_filters import Node


class View(StrEnum):
    """The work lists a person opens."""

    MINE = "mine"  # assigned to me
    CANDIDATE = "candidate"  # in the queue of one of my groups (or offered to me)
    DELEGATED = "delegated"  # I own it, someone else works on it
    OVERDUE = "overdue"  # open and past its due date
    ALL = "all"


class Sort(StrEnum):
    """The orders a work list offers (each backed by an index)."""

    DUE = "due"
    PRIORITY = "priority"
    CREATED = "created"


@dataclass(frozen=True)
class Viewer:
    """Whose work list it is."""

    user_id: str
    groups: frozenset[str]


@dataclass(frozen=True)
class TaskFilter:
    """What a work list shows: a view and optional filters (open tasks unless ``states``)."""

    view: View = View.ALL
    states: Sequence[TaskState] = ()
    assignee: str | None = None
    group: str | None = None
    case_id: str | None = None
    due_before: dt.datetime | None = None
    tree: Node | None = None  # a saved or inline filter over ``TASK_FILTER_FIELDS``
    search: str | None = None  # text any of the searched columns contains


@dataclass(frozen=True)
class TaskPage:
    """One page of a work list and the cursor of the next (None: this was the last)."""

    items: list[Task]
    next_cursor: str | None


@dataclass(frozen=True)
class TaskCount:
    """How many tasks a work list holds; ``estimated``: the planner's estimate, not a count."""

    count: int
    estimated: bool = False
