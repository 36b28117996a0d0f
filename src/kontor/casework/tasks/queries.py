"""Work lists: a tenant's tasks by view and filters, sorted, in cursor pages, and their count."""

from __future__ import annotations

import base64
import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Select,
    and_,
    exists,
    func,
    literal,
    or_,
    select,
    tuple_,
)

from kontor.casework.tasks.domain import FINAL_STATES, Task, TaskState
from kontor.casework.tasks.filtering import search_condition, task_condition
from kontor.casework.tasks.store import TaskStore
from kontor.casework.tasks.tables import task_candidates, tasks
from kontor.errors import InvalidInput
from kontor.platform.saved_filters import Node

_NO_DUE_DATE = dt.datetime(9999, 12, 31, tzinfo=dt.UTC)  # undated tasks sort last


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


class TaskQueries:
    """Reads work lists of ``tenant_id``."""

    def __init__(self, connection: Connection, tenant_id: str) -> None:
        self.connection = connection
        self.tenant_id = tenant_id

    def page(
        self,
        viewer: Viewer,
        wanted: TaskFilter,
        sort: Sort,
        limit: int,
        cursor: str | None,
        now: dt.datetime,
    ) -> TaskPage:
        """The tasks after ``cursor`` in ``sort`` order, at most ``limit``."""
        key = _sort_key(sort)
        query = self._matching(select(tasks.c.task_id, key.label("k")), viewer, wanted, now)
        if cursor is not None:
            after_key, after_id = _decode(cursor, sort)
            after = tuple_(literal(after_key, key.type), literal(after_id))
            query = query.where(tuple_(key, tasks.c.task_id) > after)
        rows = self.connection.execute(query.order_by(key, tasks.c.task_id).limit(limit + 1)).all()
        items = TaskStore(self.connection, self.tenant_id).many([r.task_id for r in rows[:limit]])
        last = rows[limit - 1] if len(rows) > limit else None
        return TaskPage(items, None if last is None else _encode(last.k, last.task_id, sort))

    def count(self, viewer: Viewer, wanted: TaskFilter, now: dt.datetime) -> int:
        """How many tasks the work list holds."""
        query = self._matching(select(func.count()).select_from(tasks), viewer, wanted, now)
        return int(self.connection.execute(query).scalar_one())

    def listing(self, viewer: Viewer, wanted: TaskFilter, now: dt.datetime) -> Select[Any]:
        """The work list as a query, one row per task (``id`` and its list columns), for
        callers that add their own search, sorting and paging (the browser's tables)."""
        hidden = {"task_id", "tenant_id", "variables", "draft", "revision"}
        shown = [column for column in tasks.c if column.name not in hidden]
        return self._matching(select(tasks.c.task_id.label("id"), *shown), viewer, wanted, now)

    def _matching(
        self, query: Select[Any], viewer: Viewer, wanted: TaskFilter, now: dt.datetime
    ) -> Select[Any]:
        conditions: list[ColumnElement[bool]] = [tasks.c.tenant_id == self.tenant_id]
        states = wanted.states or [s for s in TaskState if s not in FINAL_STATES]
        conditions.append(tasks.c.state.in_([s.value for s in states]))
        conditions += _view(wanted.view, viewer, now)
        if wanted.assignee is not None:
            conditions.append(tasks.c.assignee == wanted.assignee)
        if wanted.group is not None:
            conditions.append(_candidate("group", [wanted.group]))
        if wanted.case_id is not None:
            conditions.append(tasks.c.case_id == wanted.case_id)
        if wanted.due_before is not None:
            conditions.append(tasks.c.due_at < wanted.due_before)
        if wanted.tree is not None:
            conditions.append(task_condition(wanted.tree, self.connection.dialect.name))
        if wanted.search:
            conditions.append(search_condition(wanted.search))
        return query.where(and_(*conditions))


def _view(view: View, viewer: Viewer, now: dt.datetime) -> list[ColumnElement[bool]]:
    if view == View.MINE:  # a task set aside until its follow-up date comes back then
        back = or_(tasks.c.follow_up_at.is_(None), tasks.c.follow_up_at <= now)
        return [tasks.c.assignee == viewer.user_id, back]
    if view == View.CANDIDATE:
        offered = or_(
            _candidate("user", [viewer.user_id]), _candidate("group", sorted(viewer.groups))
        )
        return [tasks.c.state == TaskState.READY.value, offered]
    if view == View.DELEGATED:
        return [tasks.c.owner == viewer.user_id, tasks.c.assignee != viewer.user_id]
    if view == View.OVERDUE:
        return [tasks.c.due_at < now]
    return []


def _candidate(kind: str, identities: list[str]) -> ColumnElement[bool]:
    return exists().where(
        task_candidates.c.tenant_id == tasks.c.tenant_id,  # lets the identity index serve
        task_candidates.c.task_id == tasks.c.task_id,
        task_candidates.c.kind == kind,
        task_candidates.c.identity.in_(identities),
    )


def _sort_key(sort: Sort) -> ColumnElement[Any]:
    if sort == Sort.DUE:
        return func.coalesce(tasks.c.due_at, literal(_NO_DUE_DATE, tasks.c.due_at.type))
    if sort == Sort.PRIORITY:
        return -tasks.c.priority  # the most urgent first
    return tasks.c.created_at


def _encode(key: Any, task_id: str, sort: Sort) -> str:
    value = key.isoformat() if isinstance(key, dt.datetime) else key
    raw = json.dumps([sort.value, value, task_id]).encode()
    return base64.urlsafe_b64encode(raw).decode()


def _decode(cursor: str, sort: Sort) -> tuple[Any, str]:
    try:
        kind, value, task_id = json.loads(base64.urlsafe_b64decode(cursor.encode()))
        if kind != sort.value:
            raise ValueError("the cursor belongs to another sort order")
        key = int(value) if sort == Sort.PRIORITY else dt.datetime.fromisoformat(value)
    except (ValueError, TypeError) as error:
        raise InvalidInput(f"invalid cursor: {error}", field="cursor") from None
    return key, str(task_id)
