"""Cases per status over time: how many cases of one type stood in each status, week by week.

Replayed from the case timeline (the ``created`` entry names the first status, every
``status_changed`` entry the next), so it needs no table of its own and shows the past as it was.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Connection, and_, select

from kontor.casework.cases.domain import CREATED, STATUS_CHANGED
from kontor.casework.cases.tables import case_timeline, cases


@dataclass(frozen=True)
class StatusSeries:
    """For each week end (Sunday 24:00 local, or the period's end), the cases per status."""

    moments: list[dt.datetime]
    counts: dict[str, list[int]]


def case_types_in_use(connection: Connection, tenant_id: str) -> list[str]:
    """The case types the tenant has cases of, by name."""
    found = connection.execute(
        select(cases.c.case_type).where(cases.c.tenant_id == tenant_id).distinct()
    )
    return sorted(found.scalars())


def statuses_by_week(
    connection: Connection,
    tenant_id: str,
    case_type: str,
    start: dt.datetime,
    end: dt.datetime,
    zone: dt.tzinfo,
) -> StatusSeries:
    """The tenant's cases of ``case_type`` per status at the end of each week of the period."""
    moments = _week_ends(start, end, zone)
    t = case_timeline
    entries = connection.execute(
        select(t.c.case_id, t.c.at, t.c.kind, t.c.details)
        .join(cases, and_(cases.c.tenant_id == t.c.tenant_id, cases.c.case_id == t.c.case_id))
        .where(
            t.c.tenant_id == tenant_id,
            cases.c.case_type == case_type,
            t.c.kind.in_((CREATED, STATUS_CHANGED)),
            t.c.at < end,
        )
        .order_by(t.c.at, t.c.entry_id)
    )
    status_of: dict[str, str] = {}
    counts: dict[str, list[int]] = {}
    index = 0
    for case_id, at, kind, details in entries:
        while index < len(moments) and _aware(at) >= moments[index]:
            _count(status_of, counts, index, len(moments))
            index += 1
        status = details.get("status") if kind == CREATED else details.get("to")
        if isinstance(status, str):
            status_of[case_id] = status
    while index < len(moments):
        _count(status_of, counts, index, len(moments))
        index += 1
    return StatusSeries(moments, dict(sorted(counts.items())))


def _count(status_of: dict[str, str], counts: dict[str, list[int]], index: int, size: int) -> None:
    for status in status_of.values():
        counts.setdefault(status, [0] * size)[index] += 1


def _week_ends(start: dt.datetime, end: dt.datetime, zone: dt.tzinfo) -> list[dt.datetime]:
    day = _aware(start).astimezone(zone).date()
    sunday = day + dt.timedelta(days=6 - day.weekday())
    moments = []
    while True:
        moment = dt.datetime.combine(sunday + dt.timedelta(days=1), dt.time(), zone)
        if moment >= end:
            moments.append(_aware(end))
            return moments
        moments.append(moment)
        sunday += dt.timedelta(days=7)


def _aware(moment: dt.datetime) -> dt.datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)
