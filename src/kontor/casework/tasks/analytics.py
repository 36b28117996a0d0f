"""Task analytics over a period: per task definition (name or form), group or user — counts,
cycle and waiting times (p50, p90), how often tasks were delegated, rejected, escalated or
forwarded, and missed deadlines. One query over tasks and their history; no extra tables.

Cycle time runs from creation to completion; waiting time from creation until someone first
held the task (reserved or in progress; a task created for an assignee waits 0 s). A missed
deadline is an ``escalate`` history entry whose reason speaks of a deadline (``deadline``,
``Frist``, ``fällig``) or a ``deadline_missed`` entry.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from sqlalchemy import ColumnElement, Connection, and_, case, func, or_, select

from kontor.casework.tasks.tables import task_candidates, task_history, tasks

NOBODY = "(keine)"
_HELD = ("reserved", "in_progress")
_SHARES = ("delegate", "reject", "escalate", "forward")
_DEADLINE_WORDS = ("%deadline%", "%frist%", "%fällig%")


class Dimension(StrEnum):
    """What the figures are grouped by."""

    NAME = "name"  # the task definition's name
    FORM = "form"  # the form key
    GROUP = "group"  # each candidate group (a task in two groups counts in both)
    USER = "user"  # the assignee (for a completed task: who completed it)


@dataclass
class Figures:
    """The figures of one group of tasks in the period."""

    key: str
    created: int = 0
    completed: int = 0
    open: int = 0
    cycle_p50: float | None = None
    cycle_p90: float | None = None
    waiting_p50: float | None = None
    waiting_p90: float | None = None
    delegated: float = 0.0  # share of the tasks, 0..1
    rejected: float = 0.0
    escalated: float = 0.0
    forwarded: float = 0.0
    deadlines_missed: int = 0
    _cycles: list[float] = field(default_factory=list, repr=False)
    _waits: list[float] = field(default_factory=list, repr=False)
    _counts: dict[str, int] = field(default_factory=dict, repr=False)


def task_analytics(
    connection: Connection, tenant_id: str, start: dt.datetime, end: dt.datetime, by: Dimension
) -> list[Figures]:
    """The figures of the tasks created in ``[start, end)``, one row per key, by key."""
    groups: dict[str, Figures] = {}
    for row in connection.execute(_query(tenant_id, start, end, by)):
        figures = groups.setdefault(row.key or NOBODY, Figures(row.key or NOBODY))
        _add(figures, row)
    return [_finish(groups[key]) for key in sorted(groups)]


@dataclass(frozen=True)
class Week:
    """The figures of the tasks created in one calendar week (Monday to Sunday, local time)."""

    monday: dt.date
    rows: list[Figures]


def task_analytics_by_week(
    connection: Connection,
    tenant_id: str,
    start: dt.datetime,
    end: dt.datetime,
    by: Dimension,
    zone: dt.tzinfo,
) -> list[Week]:
    """The figures of the tasks created in ``[start, end)`` per calendar week in ``zone`` and
    key; every week of the period is listed, also one without tasks."""
    weeks: dict[dt.date, dict[str, Figures]] = {}
    monday = _monday(start, zone)
    while monday < _utc(end).astimezone(zone).date():
        weeks[monday] = {}
        monday += dt.timedelta(days=7)
    for row in connection.execute(_query(tenant_id, start, end, by)):
        groups = weeks.setdefault(_monday(row.created_at, zone), {})
        key = row.key or NOBODY
        _add(groups.setdefault(key, Figures(key)), row)
    return [
        Week(week, [_finish(groups[key]) for key in sorted(groups)])
        for week, groups in sorted(weeks.items())
    ]


def _monday(moment: dt.datetime, zone: dt.tzinfo) -> dt.date:
    day = _utc(moment).astimezone(zone).date()
    return day - dt.timedelta(days=day.weekday())


def _query(tenant_id: str, start: dt.datetime, end: dt.datetime, by: Dimension) -> Any:
    h = task_history
    missed = or_(
        h.c.operation == "deadline_missed",
        and_(
            h.c.operation == "escalate",
            or_(*(func.lower(h.c.reason).like(w) for w in _DEADLINE_WORDS)),
        ),
    )
    columns = [
        tasks.c.task_id,
        _key(by).label("key"),
        tasks.c.created_at,
        tasks.c.state,
        func.min(case((h.c.state.in_(_HELD), h.c.at))).label("held_at"),
        func.max(case((h.c.state == "completed", h.c.at))).label("completed_at"),
        func.sum(case((missed, 1), else_=0)).label("missed"),
        *(func.max(case((h.c.operation == op, 1), else_=0)).label(op) for op in _SHARES),
    ]
    query = (
        select(*columns)
        .select_from(tasks)
        .join(h, and_(h.c.tenant_id == tasks.c.tenant_id, h.c.task_id == tasks.c.task_id))
    )
    if by == Dimension.GROUP:
        query = query.outerjoin(
            task_candidates,
            and_(task_candidates.c.task_id == tasks.c.task_id, task_candidates.c.kind == "group"),
        )
    return query.where(
        tasks.c.tenant_id == tenant_id, tasks.c.created_at >= start, tasks.c.created_at < end
    ).group_by(tasks.c.task_id, _key(by), tasks.c.created_at, tasks.c.state)


def _key(by: Dimension) -> ColumnElement[Any]:
    # the raw column, grouped by as it is; no value becomes NOBODY in Python
    if by == Dimension.NAME:
        return tasks.c.name
    if by == Dimension.FORM:
        return tasks.c.form_key
    if by == Dimension.GROUP:
        return task_candidates.c.identity
    return tasks.c.assignee


def _add(figures: Figures, row: Any) -> None:
    figures.created += 1
    if row.completed_at is not None:
        figures.completed += 1
        figures._cycles.append(_seconds(row.created_at, row.completed_at))
    elif row.state in ("created", "ready", "reserved", "in_progress", "suspended"):
        figures.open += 1
    if row.held_at is not None:
        figures._waits.append(_seconds(row.created_at, row.held_at))
    for op in _SHARES:
        figures._counts[op] = figures._counts.get(op, 0) + int(getattr(row, op) or 0)
    figures.deadlines_missed += int(row.missed or 0)


def _seconds(start: dt.datetime, end: dt.datetime) -> float:
    return max((_utc(end) - _utc(start)).total_seconds(), 0.0)


def _utc(moment: dt.datetime) -> dt.datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def _finish(figures: Figures) -> Figures:
    figures.cycle_p50, figures.cycle_p90 = (
        percentile(figures._cycles, 50),
        percentile(figures._cycles, 90),
    )
    figures.waiting_p50, figures.waiting_p90 = (
        percentile(figures._waits, 50),
        percentile(figures._waits, 90),
    )
    shares = {op: figures._counts.get(op, 0) / figures.created for op in _SHARES}
    figures.delegated, figures.rejected = shares["delegate"], shares["reject"]
    figures.escalated, figures.forwarded = shares["escalate"], shares["forward"]
    return figures


def percentile(values: Iterable[float], rank: float) -> float | None:
    """The ``rank``-th percentile (linear between the closest ranks); None without values."""
    ordered = sorted(values)
    if not ordered:
        return None
    position = (len(ordered) - 1) * rank / 100
    low, high = math.floor(position), math.ceil(position)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


COLUMNS = (
    "key", "created", "completed", "open", "cycle_p50", "cycle_p90", "waiting_p50",
    "waiting_p90", "delegated", "rejected", "escalated", "forwarded", "deadlines_missed",
)  # fmt: skip
"""The figures' fields in the order a table shows them."""
