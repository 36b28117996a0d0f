"""Task analytics as pictures: cycle times, shares and missed deadlines per key, over weeks."""

from __future__ import annotations

import datetime as dt
import json
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from kontor.api.body_routes import StrictJsonRoute
from kontor.api.wiring import kontor_of
from kontor.casework.tasks.analytics import (
    Dimension,
    Figures,
    Week,
    task_analytics,
    task_analytics_by_week,
)
from kontor.platform import Principal
from kontor.web.i18n import BERLIN
from kontor.web.security import page_requires
from kontor.web.templating import render

router = APIRouter(route_class=StrictJsonRoute, include_in_schema=False)
MANAGE_TASKS = "tasks:manage"
DEFAULT_WEEKS = 12
MAX_DAYS = 366
DIMENSIONS = {
    Dimension.GROUP: "Gruppe",
    Dimension.NAME: "Aufgabe",
    Dimension.FORM: "Formular",
    Dimension.USER: "Bearbeiter",
}
HOUR = 3600.0


@router.get("/analytics/tasks")
def task_analytics_page(
    request: Request,
    caller: Annotated[Principal, page_requires(MANAGE_TASKS)],
    start: Annotated[dt.date | None, Query(alias="from")] = None,
    end: Annotated[dt.date | None, Query(alias="to")] = None,
    by: Dimension = Dimension.GROUP,
) -> HTMLResponse:
    """Charts of the tasks created from ``from`` to ``to`` (days in Europe/Berlin) per ``by``."""
    kontor = kontor_of(request)
    end = end or kontor.clock.now().astimezone(BERLIN).date()
    start = start or end - dt.timedelta(weeks=DEFAULT_WEEKS)
    problem = None
    if not (start <= end and (end - start).days <= MAX_DAYS):
        problem = "Der Zeitraum muss vorwärts laufen und darf höchstens 366 Tage umfassen."
        start = end - dt.timedelta(weeks=DEFAULT_WEEKS)
    since, until = _midnight(start), _midnight(end + dt.timedelta(days=1))
    with kontor.bus.reading() as uow:
        totals = task_analytics(uow.connection, caller.tenant_id, since, until, by)
        weeks = task_analytics_by_week(uow.connection, caller.tenant_id, since, until, by, BERLIN)
    values = {
        "principal": caller, "start": start, "end": end, "by": by, "dimensions": DIMENSIONS,
        "totals": totals, "weeks": weeks, "problem": problem,
        "chart_data": json.dumps(chart_data(totals, weeks), ensure_ascii=False),
    }  # fmt: skip
    return render(request, "analytics.html", values, status=422 if problem else 200)


def chart_data(totals: list[Figures], weeks: list[Week]) -> dict[str, Any]:
    """What the page's charts draw: per key over the period, and per week and key."""
    keys = [row.key for row in totals]
    return {
        "keys": keys,
        "cycle_p50_hours": [_hours(row.cycle_p50) for row in totals],
        "cycle_p90_hours": [_hours(row.cycle_p90) for row in totals],
        "shares": {
            name: [round(getattr(row, name) * 100, 1) for row in totals]
            for name in ("delegated", "rejected", "escalated", "forwarded")
        },
        "weeks": [week.monday.isoformat() for week in weeks],
        "created": _per_week(keys, weeks, "created"),
        "completed": _per_week(keys, weeks, "completed"),
        "deadlines_missed": _per_week(keys, weeks, "deadlines_missed"),
    }


def _per_week(keys: list[str], weeks: list[Week], name: str) -> dict[str, list[int]]:
    counts = {key: [0] * len(weeks) for key in keys}
    for index, week in enumerate(weeks):
        for row in week.rows:
            counts.setdefault(row.key, [0] * len(weeks))[index] = getattr(row, name)
    return counts


def _hours(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds / HOUR, 2)


def _midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), BERLIN)
