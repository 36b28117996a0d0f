"""The case list (a declared table view) and a simple case view with data and timeline."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Annotated, Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import Select, select

from kontor.api.body_routes import StrictJsonRoute
from kontor.api.wiring import kontor_of
from kontor.casework.cases import CaseNotFound, CaseStore, Timeline
from kontor.platform import Principal
from kontor.web.registry import WebRegistry
from kontor.web.security import page_requires
from kontor.web.templating import render
from kontor.web.views import Column, Filter, Kind, TableView, ViewContext

router = APIRouter(route_class=StrictJsonRoute, include_in_schema=False)

OPENNESS = (("open", "offen"), ("closed", "geschlossen"))


def case_rows(context: ViewContext, filters: Mapping[str, str]) -> Select[Any]:
    """The tenant's cases, open or closed ones as the filter ``open`` says."""
    with context.kontor.engine.connect() as connection:
        query = CaseStore(connection, context.principal.tenant_id).listing()
    chosen = query.selected_columns
    if filters.get("open") == "open":
        return query.where(chosen.closed_at.is_(None))
    if filters.get("open") == "closed":
        return query.where(chosen.closed_at.is_not(None))
    return query


def statuses(context: ViewContext) -> Sequence[tuple[str, str]]:
    """The statuses the tenant's cases are in (loaded when the list is shown, tenant-scoped)."""
    with context.kontor.engine.connect() as connection:
        listing = CaseStore(connection, context.principal.tenant_id).listing().subquery()
        found = connection.execute(select(listing.c.status).distinct().order_by(listing.c.status))
        return [(str(status), str(status)) for status in found.scalars()]


CASE_LIST = TableView(
    name="vorgaenge",
    path="/cases",
    title="Vorgänge",
    permission="cases:read",
    columns=(
        Column("business_key", "Geschäftszeichen"),
        Column("title", "Titel"),
        Column("case_type", "Art"),
        Column("status", "Status", sortable=True),
        Column("owner", "Verantwortlich", Kind.USER, sortable=True),
        Column("due_date", "Fällig am", Kind.DATE),
        Column("created_at", "Angelegt am", Kind.DATETIME),
    ),
    rows=case_rows,
    default_sort="-created_at",
    search_fields=("business_key", "title", "case_type", "status", "owner", "group_id"),
    filters=(
        Filter("open", "Offen/geschlossen", lambda _context: list(OPENNESS), "open"),
        Filter("status", "Status", statuses, column=True),
    ),
    detail_url=lambda row: f"/cases/{row['id']}",
    export_permission="cases:read",
)
"""The case list: open cases first by age, searchable, filtered by status."""


def declare(registry: WebRegistry) -> None:
    """Declare the case list."""
    registry.add_table(CASE_LIST)


@router.get("/cases/{case_id}")
def show_case(
    case_id: str, request: Request, caller: Annotated[Principal, page_requires("cases:read")]
) -> HTMLResponse:
    """A case: its data, links and timeline."""
    with kontor_of(request).engine.connect() as connection:
        try:
            case = CaseStore(connection, caller.tenant_id).get(case_id)
        except CaseNotFound:
            message = "Diesen Vorgang gibt es nicht."
            return render(request, "error.html", {"message": message}, status=404)
        links = CaseStore(connection, caller.tenant_id).links(case_id)
        timeline = Timeline(connection, caller.tenant_id).entries(case_id)
    values = {"principal": caller, "case": case, "links": links, "timeline": timeline}
    return render(request, "case.html", values)
