"""Work lists: a tenant's tasks by view and filters, sorted, in cursor pages, and their count."""

from __future__ import annotations

import base64
import datetime as dt
import json
from collections.abc import Sequence
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
    true,
    tuple_,
    union_all,
)

from kontor.casework.tasks.domain import FINAL_STATES, TaskState
from kontor.casework.tasks.filtering import search_condition, task_condition
from kontor.casework.tasks.queues import QUEUE_JOIN, Queue, QueueSource, queue_key, queue_of
from kontor.casework.tasks.store import NO_DUE_DATE, TaskStore
from kontor.casework.tasks.tables import task_candidates, tasks
from kontor.casework.tasks.work_lists import (
    Sort,
    TaskCount,
    TaskFilter,
    TaskPage,
    View,
    Viewer,
)
from kontor.db import planned_rows
from kontor.errors import InvalidInput
from kontor.json_input import loads_bounded

__all__ = ["Sort", "TaskCount", "TaskFilter", "TaskPage", "TaskQueries", "View", "Viewer"]


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
        after = None if cursor is None else _decode(cursor, sort)
        query = self._ordered(viewer, wanted, sort, after, limit + 1, now)
        found = self.connection.execute(query).all()
        items = TaskStore(self.connection, self.tenant_id).many([r.task_id for r in found[:limit]])
        last = found[limit - 1] if len(found) > limit else None
        return TaskPage(items, None if last is None else _encode(last.k, last.task_id, sort))

    def ordered_ids(
        self, viewer: Viewer, wanted: TaskFilter, sort: Sort, now: dt.datetime, *,
        offset: int, limit: int,
    ) -> list[str]:  # fmt: skip
        """The ids of the tasks ``offset`` to ``offset + limit`` in ``sort`` order (the tables
        of the browser, which count pages instead of following cursors)."""
        query = self._ordered(viewer, wanted, sort, None, offset + limit, now)
        return [row.task_id for row in self.connection.execute(query).all()[offset:]]

    def _ordered(
        self,
        viewer: Viewer,
        wanted: TaskFilter,
        sort: Sort,
        after: tuple[Any, str] | None,
        limit: int,
        now: dt.datetime,
    ) -> Select[Any]:
        """The ids (``task_id``) and sort keys (``k``) of the list's first ``limit`` tasks after
        ``after``: walked along the candidates' index when the list is a queue of them."""
        queue = queue_of(viewer, wanted)
        if queue is not None:
            return self._from_queue(queue, viewer, wanted, now, sort, after, limit)
        key = _sort_key(sort)
        query = self._matching(select(tasks.c.task_id, key.label("k")), viewer, wanted, now)
        if after is not None:
            query = query.where(tuple_(key, tasks.c.task_id) > _after(after, key))
        # the key's order; for due dates spelled as the open tasks' due index has it
        order = tasks.c.due_at.asc().nulls_last() if sort == Sort.DUE else key
        return query.order_by(order, tasks.c.task_id).limit(limit)

    def count(
        self, viewer: Viewer, wanted: TaskFilter, now: dt.datetime, up_to: int | None = None
    ) -> int:
        """How many tasks the work list holds; with ``up_to``, counting stops above it (the
        answer is then ``up_to + 1``)."""
        cap = None if up_to is None else up_to + 1
        counted = select(func.count()).select_from(self._all(viewer, wanted, now, cap).subquery())
        return int(self.connection.execute(counted).scalar_one())

    def count_or_estimate(
        self, viewer: Viewer, wanted: TaskFilter, now: dt.datetime, exact_up_to: int
    ) -> TaskCount:
        """The count, exact up to ``exact_up_to``; beyond it on PostgreSQL the planner's
        estimate (at least the tasks counted), so that a long list is not walked to its end.
        SQLite, the embedded store of small installations, counts exactly."""
        found = self.count(viewer, wanted, now, up_to=exact_up_to)
        if found <= exact_up_to:
            return TaskCount(found)
        if self.connection.dialect.name != "postgresql":
            return TaskCount(self.count(viewer, wanted, now))
        expected = planned_rows(self.connection, self._all(viewer, wanted, now, None))
        return TaskCount(max(found, expected), estimated=True)

    def listing(
        self, viewer: Viewer, wanted: TaskFilter, now: dt.datetime, ids: Sequence[str] = ()
    ) -> Select[Any]:
        """The work list as a query, one row per task (``id`` and its list columns), for
        callers that add their own search, sorting and paging (the browser's tables); with
        ``ids``, only those of the list's tasks."""
        hidden = {"task_id", "tenant_id", "variables", "draft", "revision"}
        shown = [column for column in tasks.c if column.name not in hidden]
        query = self._matching(select(tasks.c.task_id.label("id"), *shown), viewer, wanted, now)
        return query.where(tasks.c.task_id.in_(ids)) if ids else query

    def _all(
        self, viewer: Viewer, wanted: TaskFilter, now: dt.datetime, limit: int | None
    ) -> Select[Any]:
        """The ids of the list's tasks, in no order, at most ``limit``."""
        queue = queue_of(viewer, wanted)
        if queue is not None:
            return self._from_queue(queue, viewer, wanted, now, None, None, limit)
        query = self._matching(select(tasks.c.task_id), viewer, wanted, now)
        return query if limit is None else query.limit(limit)

    def _from_queue(
        self,
        queue: Queue,
        viewer: Viewer,
        wanted: TaskFilter,
        now: dt.datetime,
        sort: Sort | None,
        after: tuple[Any, str] | None,
        limit: int | None,
    ) -> Select[Any]:
        """The matching tasks of the queue's identities, read from the candidates' index in
        ``sort`` order: one ordered, limited walk per identity, merged without duplicates."""
        key = queue_key(sort or Sort.DUE)
        parts = []
        for kind, identity in queue.members:
            part = self._matching(
                select(tasks.c.task_id, key.label("k")).select_from(QUEUE_JOIN),
                viewer, wanted, now, queue,
            ).where(
                task_candidates.c.tenant_id == self.tenant_id,
                task_candidates.c.kind == kind,
                task_candidates.c.identity == identity,
                task_candidates.c.is_open == true(),
            )  # fmt: skip
            if after is not None:
                part = part.where(tuple_(key, task_candidates.c.task_id) > _after(after, key))
            if sort is not None:
                part = part.order_by(key, task_candidates.c.task_id)
            parts.append(part if limit is None else part.limit(limit))
        if len(parts) == 1:
            return parts[0]
        merged = union_all(*(select(part.subquery()) for part in parts)).subquery()
        query = select(merged.c.task_id, merged.c.k).distinct()  # offered to me and my group
        if sort is not None:
            query = query.order_by(merged.c.k, merged.c.task_id)
        return query if limit is None else query.limit(limit)

    def _matching(
        self,
        query: Select[Any],
        viewer: Viewer,
        wanted: TaskFilter,
        now: dt.datetime,
        queue: Queue | None = None,
    ) -> Select[Any]:
        """``query`` narrowed to the list's tasks; what ``queue`` already ensures is left out."""
        source = None if queue is None else queue.source
        conditions: list[ColumnElement[bool]] = [tasks.c.tenant_id == self.tenant_id]
        states = wanted.states or [s for s in TaskState if s not in FINAL_STATES]
        conditions.append(tasks.c.state.in_([s.value for s in states]))
        if source == QueueSource.VIEW:  # the queue holds what is offered to the viewer
            conditions.append(tasks.c.state == TaskState.READY.value)
        else:
            conditions += _view(self.tenant_id, wanted.view, viewer, now)
        if wanted.assignee is not None:
            conditions.append(tasks.c.assignee == wanted.assignee)
        if wanted.group is not None and source != QueueSource.GROUP:
            conditions.append(_candidate(self.tenant_id, "group", [wanted.group]))
        if wanted.case_id is not None:
            conditions.append(tasks.c.case_id == wanted.case_id)
        if wanted.due_before is not None:
            conditions.append(tasks.c.due_at < wanted.due_before)
        tree = wanted.tree
        if queue is not None and source == QueueSource.TREE:
            tree = queue.rest_of_tree
        if tree is not None:
            conditions.append(task_condition(tree, self.connection.dialect.name))
        if wanted.search:
            conditions.append(search_condition(wanted.search))
        return query.where(and_(*conditions))


def _view(
    tenant_id: str, view: View, viewer: Viewer, now: dt.datetime
) -> list[ColumnElement[bool]]:
    if view == View.MINE:  # a task set aside until its follow-up date comes back then
        back = or_(tasks.c.follow_up_at.is_(None), tasks.c.follow_up_at <= now)
        return [tasks.c.assignee == viewer.user_id, back]
    if view == View.CANDIDATE:
        offered = select(task_candidates.c.task_id).where(
            task_candidates.c.tenant_id == tenant_id,
            or_(
                and_(
                    task_candidates.c.kind == "user", task_candidates.c.identity == viewer.user_id
                ),
                and_(
                    task_candidates.c.kind == "group",
                    task_candidates.c.identity.in_(sorted(viewer.groups)),
                ),
            ),
        )  # one semi-join the planner can drive from the candidates' index
        return [tasks.c.state == TaskState.READY.value, tasks.c.task_id.in_(offered)]
    if view == View.DELEGATED:
        return [tasks.c.owner == viewer.user_id, tasks.c.assignee != viewer.user_id]
    if view == View.OVERDUE:
        return [tasks.c.due_at < now]
    return []


def _candidate(tenant_id: str, kind: str, identities: list[str]) -> ColumnElement[bool]:
    return exists().where(
        task_candidates.c.tenant_id == tenant_id,  # a constant: the indexes lead with it
        task_candidates.c.task_id == tasks.c.task_id,
        task_candidates.c.kind == kind,
        task_candidates.c.identity.in_(identities),
    )


def _sort_key(sort: Sort) -> ColumnElement[Any]:
    if sort == Sort.DUE:
        return func.coalesce(tasks.c.due_at, literal(NO_DUE_DATE, tasks.c.due_at.type))
    if sort == Sort.PRIORITY:
        return -tasks.c.priority  # the most urgent first
    return tasks.c.created_at


def _after(after: tuple[Any, str], key: ColumnElement[Any]) -> ColumnElement[Any]:
    return tuple_(literal(after[0], key.type), literal(after[1]))


def _encode(key: Any, task_id: str, sort: Sort) -> str:
    value = key.isoformat() if isinstance(key, dt.datetime) else key
    raw = json.dumps([sort.value, value, task_id]).encode()
    return base64.urlsafe_b64encode(raw).decode()


def _decode(cursor: str, sort: Sort) -> tuple[Any, str]:
    try:
        kind, value, task_id = loads_bounded(base64.urlsafe_b64decode(cursor.encode()))
        if kind != sort.value:
            raise ValueError("the cursor belongs to another sort order")
        key = int(value) if sort == Sort.PRIORITY else dt.datetime.fromisoformat(value)
    except (ValueError, TypeError) as error:
        raise InvalidInput(f"invalid cursor: {error}", field="cursor") from None
    return key, str(task_id)
