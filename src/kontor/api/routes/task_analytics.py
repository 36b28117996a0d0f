"""Task analytics over a period, as JSON or CSV."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import StreamingResponse
from pydantic import BaseModel

from kontor.api.body_routes import StrictJsonRoute
from kontor.api.downloads import download
from kontor.api.security import requires
from kontor.api.wiring import kontor_of
from kontor.casework.tasks.analytics import COLUMNS, Dimension, Figures, task_analytics
from kontor.errors import InvalidInput
from kontor.exchange.tabular import CSV_MEDIA_TYPE, Column, csv_stream
from kontor.platform import Principal

router = APIRouter(prefix="/api/tasks", tags=["tasks"], route_class=StrictJsonRoute)
MAX_PERIOD = dt.timedelta(days=366)


class FiguresOut(BaseModel):
    """One group's figures; times in seconds, shares between 0 and 1."""

    key: str
    created: int
    completed: int
    open: int
    cycle_p50: float | None
    cycle_p90: float | None
    waiting_p50: float | None
    waiting_p90: float | None
    delegated: float
    rejected: float
    escalated: float
    forwarded: float
    deadlines_missed: int


class AnalyticsOut(BaseModel):
    """The period, the grouping and a row per key."""

    start: dt.datetime
    end: dt.datetime
    by: Dimension
    rows: list[FiguresOut]


@router.get("/analytics", response_model=None)
def analytics(
    request: Request,
    caller: Annotated[Principal, requires("tasks:manage")],
    start: Annotated[dt.datetime, Query(alias="from")],
    end: Annotated[dt.datetime, Query(alias="to")],
    by: Dimension = Dimension.NAME,
    format: Annotated[str, Query(pattern="^(json|csv)$")] = "json",
) -> AnalyticsOut | StreamingResponse:
    """Figures of the tasks created from ``from`` to ``to`` (at most a year), grouped ``by``
    task name, form, candidate group or user; ``format=csv`` gives the same as a file."""
    start, end = _utc(start), _utc(end)
    if not (start < end and end - start <= MAX_PERIOD):
        raise InvalidInput("the period runs forward and spans at most 366 days", field="to")
    with kontor_of(request).bus.reading() as uow:
        rows = task_analytics(uow.connection, caller.tenant_id, start, end, by)
    if format == "csv":
        name = f"aufgaben-auswertung-{start:%Y%m%d}-{end:%Y%m%d}.csv"
        table = csv_stream([Column(c, c) for c in COLUMNS], (_cells(r) for r in rows))
        return download(table, name, CSV_MEDIA_TYPE)
    return AnalyticsOut(start=start, end=end, by=by, rows=[FiguresOut(**_fields(r)) for r in rows])


def _fields(figures: Figures) -> dict[str, Any]:
    return {name: getattr(figures, name) for name in COLUMNS}


def _cells(figures: Figures) -> list[Any]:
    return [getattr(figures, name) for name in COLUMNS]


def _utc(moment: dt.datetime) -> dt.datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)
