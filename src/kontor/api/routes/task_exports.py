"""A work list as a CSV or XLSX file, streamed: the same filters and order as the list."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import StreamingResponse

from kontor.api.body_routes import StrictJsonRoute
from kontor.api.downloads import download
from kontor.api.routes.task_filters import WorkListQuery, work_list_query
from kontor.api.security import requires
from kontor.api.wiring import kontor_of
from kontor.bootstrap import Kontor
from kontor.casework.tasks import Sort, Task, TaskFilter, TaskQueries, Viewer
from kontor.exchange.tabular import Column, ExportFormat, ExportTooLarge, capped, stream
from kontor.platform import Principal

router = APIRouter(prefix="/api/tasks", tags=["tasks"], route_class=StrictJsonRoute)
PAGE = 500

TASK_COLUMNS = (
    Column("id", "Aufgaben-ID"),
    Column("name", "Aufgabe"),
    Column("state", "Status"),
    Column("assignee", "Bearbeiter"),
    Column("owner", "Eigentümer"),
    Column("candidate_groups", "Gruppen"),
    Column("priority", "Priorität"),
    Column("due_at", "Fällig am"),
    Column("follow_up_at", "Wiedervorlage"),
    Column("created_at", "Erstellt am"),
    Column("case_id", "Vorgang"),
    Column("form_key", "Formular"),
    Column("outcome", "Ergebnis"),
)
"""The columns of a work-list export, with German headings."""


@router.get("/export")
def export_tasks(
    request: Request,
    caller: Annotated[Principal, requires("tasks:read")],
    query: Annotated[WorkListQuery, Depends(work_list_query)],
    format: ExportFormat = ExportFormat.CSV,
    sort: Sort | None = None,
) -> StreamingResponse:
    """The work list (same filters as ``GET /api/tasks``) as CSV or XLSX, streamed page by page;
    422 when it holds more rows than ``KONTOR_EXPORT_MAX_ROWS``."""
    kontor = kontor_of(request)
    wanted, saved_sort = query.resolve(request, caller)
    order = sort or saved_sort or Sort.DUE
    viewer = Viewer(caller.user_id, caller.groups)
    limit = kontor.settings.export_max_rows
    with kontor.bus.reading() as uow:
        rows = TaskQueries(uow.connection, caller.tenant_id).count(
            viewer, wanted, kontor.clock.now()
        )
    if rows > limit:
        raise ExportTooLarge(rows, limit)
    tasks = capped(_rows(kontor, caller.tenant_id, viewer, wanted, order), limit)
    name = f"aufgaben-{kontor.clock.now():%Y%m%d-%H%M}.{format.value}"
    return download(stream(format, TASK_COLUMNS, tasks, "Aufgaben"), name, format.media_type)


def _rows(
    kontor: Kontor, tenant_id: str, viewer: Viewer, wanted: TaskFilter, sort: Sort
) -> Iterator[Sequence[Any]]:
    cursor: str | None = None
    now = kontor.clock.now()
    while True:
        with kontor.bus.reading() as uow:  # one short read per page: no transaction held open
            page = TaskQueries(uow.connection, tenant_id).page(
                viewer, wanted, sort, PAGE, cursor, now
            )
        yield from (_row(task) for task in page.items)
        if page.next_cursor is None:
            return
        cursor = page.next_cursor


def _row(task: Task) -> Sequence[Any]:
    return [_value(task, column.key) for column in TASK_COLUMNS]


def _value(task: Task, key: str) -> Any:
    value = getattr(task, key)
    return value.value if key == "state" else value
