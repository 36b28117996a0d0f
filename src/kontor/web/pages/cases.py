"""The case list and the case view: both declared (a table view and a detail view)."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Select, select

from kontor.casework.cases import CaseNotFound, CaseStore, Timeline
from kontor.web.registry import WebRegistry
from kontor.web.views import Column, DetailView, Filter, Kind, Section, TableView, ViewContext

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


def load_case(context: ViewContext, case_id: str) -> Mapping[str, Any] | None:
    """The case as the detail view shows it; None when the caller's tenant has none."""
    with context.kontor.engine.connect() as connection:
        try:
            case = CaseStore(connection, context.principal.tenant_id).get(case_id)
        except CaseNotFound:
            return None
    return vars(case)


def case_data(context: ViewContext, case_id: str) -> Sequence[Mapping[str, Any]]:
    """The case's data, one row per field."""
    case = load_case(context, case_id) or {}
    return [{"field": key, "value": value} for key, value in case.get("data", {}).items()]


def case_links(context: ViewContext, case_id: str) -> Sequence[Mapping[str, Any]]:
    """What the case is linked to (process instances, tasks, …)."""
    with context.kontor.engine.connect() as connection:
        links = CaseStore(connection, context.principal.tenant_id).links(case_id)
    return [{"kind": kind, "target": target} for kind, target in links]


def case_timeline(context: ViewContext, case_id: str) -> Sequence[Mapping[str, Any]]:
    """The case's timeline, oldest first."""
    with context.kontor.engine.connect() as connection:
        entries = Timeline(connection, context.principal.tenant_id).entries(case_id)
    return [
        {
            "at": e.at,
            "kind": e.kind,
            "actor": e.actor,
            "details": json.dumps(e.details, default=str),
        }
        for e in entries
    ]


CASE_VIEW = DetailView(
    name="vorgang",
    path="/cases",
    permission="cases:read",
    title_field="title",
    load=load_case,
    fields=(
        Column("business_key", "Geschäftszeichen"),
        Column("case_type", "Art"),
        Column("status", "Status"),
        Column("owner", "Verantwortlich", Kind.USER),
        Column("group_id", "Gruppe"),
        Column("due_date", "Fällig am", Kind.DATE),
        Column("created_at", "Angelegt am", Kind.DATETIME),
        Column("closed_at", "Geschlossen am", Kind.DATETIME),
    ),
    sections=(
        Section("Daten", (Column("field", "Feld"), Column("value", "Wert")), case_data),
        Section("Verknüpfungen", (Column("kind", "Art"), Column("target", "Ziel")), case_links),
        Section(
            "Verlauf",
            (
                Column("at", "Zeit", Kind.DATETIME),
                Column("kind", "Eintrag"),
                Column("actor", "Von", Kind.USER),
                Column("details", "Einzelheiten"),
            ),
            case_timeline,
        ),
    ),
    back=("Zur Vorgangsliste", "/cases"),
    not_found="Diesen Vorgang gibt es nicht.",
    id_name="case_id",
)
"""A case: its fields, data, links and timeline."""


def declare(registry: WebRegistry) -> None:
    """Declare the case list and the case view."""
    registry.add_table(CASE_LIST)
    registry.add_detail(CASE_VIEW)
