"""The audit log in the browser: the tenant's entries as a table with export, and the history
of one record (who changed what when) for those who may read the log."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Annotated, Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import Select, String, cast, select

from kontor.api.body_routes import StrictJsonRoute
from kontor.api.wiring import kontor_of
from kontor.db import reading
from kontor.platform import Principal
from kontor.platform.audit import AuditQuery, every_entry
from kontor.web.people import display_names
from kontor.web.security import page_requires
from kontor.web.templating import render
from kontor.web.views import Column, Filter, Kind, TableView, ViewContext

READ, EXPORT = "audit:read", "audit:export"
router = APIRouter(route_class=StrictJsonRoute, include_in_schema=False)


def audit_rows(context: ViewContext, filters: Mapping[str, str]) -> Select[Any]:
    """The caller's tenant's entries (the change as text; erased ones empty)."""
    del filters
    a = every_entry().c
    return select(
        a.entry_id.label("id"), a.recorded_at, a.actor, a.action, a.entity_type, a.entity_id,
        cast(a.difference, String).label("difference"),
    ).where(a.tenant_id == context.principal.tenant_id)  # fmt: skip


def entity_types(context: ViewContext) -> Sequence[tuple[str, str]]:
    """The kinds of records the tenant's log names."""
    with reading(context.kontor.engine) as connection:
        log = every_entry().c
        found = connection.scalars(
            select(log.entity_type)
            .where(log.tenant_id == context.principal.tenant_id)
            .distinct()
            .order_by(log.entity_type)
        )
        return [(str(kind), str(kind)) for kind in found]


AUDIT_LOG = TableView(
    name="protokoll",
    path="/admin/audit",
    title="Protokoll",
    permission=READ,
    columns=(
        Column("recorded_at", "Zeit", Kind.DATETIME, sortable=True),
        Column("actor", "Von", Kind.USER),
        Column("action", "Aktion"),
        Column("entity_type", "Art"),
        Column("entity_id", "Datensatz", link=lambda row: history_url(row)),
        Column("difference", "Änderung"),
    ),
    rows=audit_rows,
    default_sort="-recorded_at",
    search_fields=("action", "entity_type", "entity_id", "actor"),
    filters=(Filter("entity_type", "Art", entity_types, column=True),),
    export_permission=EXPORT,
    exact_count_up_to=1000,
)
"""Every state change of the tenant, newest first: searchable, filtered by kind, exported."""


def history_url(row: Mapping[str, Any]) -> str:
    """The history page of the record an entry names."""
    return f"/history/{row['entity_type']}/{row['entity_id']}"


def _changes(difference: Mapping[str, Any] | None) -> list[tuple[str, str, str | None]]:
    """(field, before, after) of an entry's change; erased: one line with no after."""
    if difference is None:
        return [("", "", None)]
    before = difference.get("before") or {}
    after = difference.get("after") or {}
    fields = sorted(set(before) | set(after))
    return [(name, _text(before.get(name)), _text(after.get(name))) for name in fields]


def _text(value: Any) -> str:
    if value is None:
        return ""
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)


@router.get("/history/{entity_type}/{entity_id}")
def record_history(
    entity_type: str, entity_id: str, request: Request,
    caller: Annotated[Principal, page_requires(READ)],
) -> HTMLResponse:  # fmt: skip
    """Who changed the record what and when, oldest first, from the tenant's audit log."""
    kontor = kontor_of(request)
    if kontor.audit is None:
        return _no_history(request)
    with reading(kontor.engine) as connection:
        query = AuditQuery(entity_type=entity_type, entity_id=entity_id)
        entries = list(kontor.audit.entries(connection, caller.tenant_id, query))
        if not entries:  # another tenant's record, or none at all
            return _no_history(request)
        names = display_names(connection, caller.tenant_id, (e.actor for e in entries))
    rows = [(entry, _changes(entry.difference)) for entry in entries]
    values = {"principal": caller, "entity_type": entity_type, "entity_id": entity_id,
              "rows": rows, "names": names}  # fmt: skip
    return render(request, "history.html", values)


def _no_history(request: Request) -> HTMLResponse:
    message = "Eine Historie zu diesem Datensatz gibt es nicht."
    return render(request, "error.html", {"message": message}, status=404)
