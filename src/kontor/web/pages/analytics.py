"""Analytics as pictures: task figures per key and week; cases per status over the weeks."""

from __future__ import annotations

import datetime as dt
import json
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from kontor.api.body_routes import StrictJsonRoute
from kontor.api.wiring import kontor_of
from kontor.casework.cases.analytics import case_types_in_use, statuses_by_week
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
READ_CASES = "cases:read"
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
    start, end, problem = _period(request, start, end)
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


@router.get("/analytics/cases")
def case_analytics_page(
    request: Request,
    caller: Annotated[Principal, page_requires(READ_CASES)],
    case_type: Annotated[str | None, Query(alias="type", max_length=100)] = None,
    start: Annotated[dt.date | None, Query(alias="from")] = None,
    end: Annotated[dt.date | None, Query(alias="to")] = None,
) -> HTMLResponse:
    """How many cases of a type stood in each status at the end of each week of the period."""
    kontor = kontor_of(request)
    start, end, problem = _period(request, start, end)
    since, until = _midnight(start), _midnight(end + dt.timedelta(days=1))
    with kontor.bus.reading() as uow:
        types = case_types_in_use(uow.connection, caller.tenant_id)
        chosen = case_type if case_type in types else (types[0] if types else None)
        series = None
        if chosen is not None:
            series = statuses_by_week(
                uow.connection, caller.tenant_id, chosen, since, until, BERLIN
            )
    if case_type is not None and case_type != chosen:
        problem = problem or "Diese Vorgangsart gibt es in Ihrem Mandanten nicht."
    data: dict[str, Any] = {"weeks": [], "counts": {}}
    if series is not None:
        data = {
            "weeks": [day.isoformat() for day in _last_days(series.moments)],
            "counts": series.counts,
        }
    values = {
        "principal": caller, "start": start, "end": end, "types": types, "chosen": chosen,
        "series": series, "days": _last_days(series.moments) if series else [],
        "problem": problem,
        "chart_data": json.dumps(data, ensure_ascii=False),
    }  # fmt: skip
    return render(request, "case_analytics.html", values, status=422 if problem else 200)


def _period(
    request: Request, start: dt.date | None, end: dt.date | None
) -> tuple[dt.date, dt.date, str | None]:
    """The period asked for (the last 12 weeks by default) and a problem with it, if any."""
    end = end or kontor_of(request).clock.now().astimezone(BERLIN).date()
    start = start or end - dt.timedelta(weeks=DEFAULT_WEEKS)
    if start <= end and (end - start).days <= MAX_DAYS:
        return start, end, None
    problem = "Der Zeitraum muss vorwärts laufen und darf höchstens 366 Tage umfassen."
    return end - dt.timedelta(weeks=DEFAULT_WEEKS), end, problem


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


def _last_days(moments: list[dt.datetime]) -> list[dt.date]:
    """The day each count stands for: the last day before its moment (a Sunday, or the end)."""
    return [(moment.astimezone(BERLIN) - dt.timedelta(microseconds=1)).date() for moment in moments]


def _midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), BERLIN)
