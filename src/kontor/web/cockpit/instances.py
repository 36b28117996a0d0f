"""The instance list of the cockpit: a declared table with search, filters and operations."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from sqlalchemy import Select

from kontor.db import reading
from kontor.messaging import Command
from kontor.process import CancelInstance, ResumeInstance, SuspendInstance
from kontor.web.cockpit.queries import instance_rows, process_keys
from kontor.web.views import Action, Column, Filter, Kind, TableView, ViewContext
from kontor.web.views.declarations import ActionRun

STATUS_WORDS = {"active": "läuft", "completed": "abgeschlossen", "terminated": "abgebrochen"}
"""The instance statuses in German."""


def rows(context: ViewContext, filters: Mapping[str, str]) -> Select[Any]:
    """The caller's tenant's instances (of one process key, if the filter names one)."""
    return instance_rows(context.principal.tenant_id, filters)


def keys(context: ViewContext) -> Sequence[tuple[str, str]]:
    """The tenant's process keys as filter options."""
    with reading(context.kontor.engine) as connection:
        return [(key, key) for key in process_keys(connection, context.principal.tenant_id)]


def operation(kind: Callable[..., Command]) -> ActionRun:
    """An action sending ``kind`` for one instance in the caller's name."""

    def run(context: ViewContext, row_id: str, reason: str | None) -> None:
        fields = {"reason": reason or ""} if kind is CancelInstance else {}
        context.kontor.bus.handle(
            kind(
                tenant_id=context.principal.tenant_id,
                instance_id=row_id,
                actor=context.principal.user_id,
                **fields,
            )
        )

    return run


INSTANCE_LIST = TableView(
    name="prozessinstanzen",
    path="/cockpit/instances",
    title="Prozessinstanzen",
    permission="process:read",
    columns=(
        Column("process_key", "Prozess"),
        Column("version", "Version", Kind.NUMBER),
        Column("business_key", "Geschäftsschlüssel"),
        Column("status", "Status", Kind.BADGE, labels=STATUS_WORDS),
        Column("incidents", "Offene Vorfälle", Kind.NUMBER),
        Column("started_at", "Gestartet am", Kind.DATETIME, sortable=True),
        Column("ended_at", "Beendet am", Kind.DATETIME),
        Column("id", "Instanz"),
    ),
    rows=rows,
    default_sort="-started_at",
    search_fields=("process_key", "business_key", "status", "id"),
    filters=(
        Filter("process_key", "Prozess", keys),
        Filter("status", "Status", lambda _context: list(STATUS_WORDS.items()), column=True),
    ),
    actions=(
        Action("suspend", "Anhalten", "process:operate", operation(SuspendInstance)),
        Action("resume", "Fortsetzen", "process:operate", operation(ResumeInstance)),
        Action("cancel", "Abbrechen", "process:operate", operation(CancelInstance)),
    ),
    detail_url=lambda row: f"/cockpit/instances/{row['id']}",
    export_permission="process:read",
)
"""The instance list: newest first, searchable, filtered by process and status."""
