"""The case list and the case view: both declared (a table view and a detail view); the
view's documents are uploaded, downloaded and removed through the routes here."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Annotated, Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, StreamingResponse
from sqlalchemy import Select, select
from starlette.concurrency import run_in_threadpool

from kontor.api.body_routes import StreamingUploadRoute
from kontor.api.routes.attachments import attachments_of, receive, remove
from kontor.api.wiring import kontor_of
from kontor.casework.attachments import DOCUMENT_ADDED, DOCUMENT_REMOVED
from kontor.casework.cases import CaseNotFound, CaseStore, Timeline, domain
from kontor.casework.tasks import TaskFilter, TaskQueries, TaskState, View, Viewer
from kontor.db import reading
from kontor.errors import KontorError
from kontor.platform import Principal
from kontor.web.messages import STATE_WORDS, german_error
from kontor.web.pages.tasks import HISTORY_WORDS, file_page
from kontor.web.registry import WebRegistry
from kontor.web.security import page_requires
from kontor.web.templating import render
from kontor.web.views import (
    Column,
    DetailView,
    Filter,
    Kind,
    RowButton,
    Section,
    SectionUpload,
    TableView,
    ViewContext,
)
from kontor.web.views.detail_routes import show_detail

router = APIRouter(route_class=StreamingUploadRoute, include_in_schema=False)

OPENNESS = (("open", "offen"), ("closed", "geschlossen"))


def case_rows(context: ViewContext, filters: Mapping[str, str]) -> Select[Any]:
    """The tenant's cases, open or closed ones as the filter ``open`` says."""
    with reading(context.kontor.engine) as connection:
        query = CaseStore(connection, context.principal.tenant_id).listing()
    chosen = query.selected_columns
    if filters.get("open") == "open":
        return query.where(chosen.closed_at.is_(None))
    if filters.get("open") == "closed":
        return query.where(chosen.closed_at.is_not(None))
    return query


def statuses(context: ViewContext) -> Sequence[tuple[str, str]]:
    """The statuses the tenant's cases are in (loaded when the list is shown, tenant-scoped)."""
    with reading(context.kontor.engine) as connection:
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
    with reading(context.kontor.engine) as connection:
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
    with reading(context.kontor.engine) as connection:
        links = CaseStore(connection, context.principal.tenant_id).links(case_id)
    return [{"kind": kind, "target": target} for kind, target in links]


STAGE_WORDS = {"current": "aktuell", "passed": "durchlaufen", "next": "möglich als nächstes"}
TIMELINE_WORDS = {
    domain.CREATED: "Angelegt", domain.STATUS_CHANGED: "Status geändert",
    domain.UPDATED: "Geändert", domain.CLOSED: "Geschlossen", domain.REOPENED: "Wieder geöffnet",
    domain.COMMENTED: "Kommentar", domain.LINKED: "Verknüpft",
    DOCUMENT_ADDED: "Dokument hinzugefügt", DOCUMENT_REMOVED: "Dokument entfernt",
    "process_completed": "Prozess beendet", "decision": "Entscheidung",
    **{f"task_{operation}": f"Aufgabe: {word}" for operation, word in HISTORY_WORDS.items()},
}  # fmt: skip
"""The timeline's kinds in German (a task's steps as the task's history calls them)."""


def case_stages(context: ViewContext, case_id: str) -> Sequence[Mapping[str, Any]]:
    """The case type's statuses in order: the current one, those passed, those possible next."""
    with reading(context.kontor.engine) as connection:
        try:
            case = CaseStore(connection, context.principal.tenant_id).get(case_id)
        except CaseNotFound:
            return []
        entries = Timeline(connection, context.principal.tenant_id).entries(case_id)
    case_type = context.kontor.cases.case_types.get(case.case_type)
    passed = {case_type.initial_status} | {
        str(e.details.get("from")) for e in entries if e.kind == domain.STATUS_CHANGED
    }
    following = set(case_type.transitions.get(case.status, ()))
    rows = []
    for status in case_type.statuses:
        stage = (
            "current" if status == case.status else "next" if status in following
            else "passed" if status in passed else None
        )  # fmt: skip
        rows.append({"status": status, "stage": stage})
    return rows


def case_tasks(context: ViewContext, case_id: str) -> Sequence[Mapping[str, Any]]:
    """The case's tasks, open and done, by due date."""
    viewer = Viewer(context.principal.user_id, context.principal.groups)
    with reading(context.kontor.engine) as connection:
        queries = TaskQueries(connection, context.principal.tenant_id)
        wanted = TaskFilter(View.ALL, states=tuple(TaskState), case_id=case_id)
        listed = queries.listing(viewer, wanted, context.now)
        return [dict(row) for row in connection.execute(listed).mappings()]


def case_documents(context: ViewContext, case_id: str) -> Sequence[Mapping[str, Any]]:
    """The case's documents with its tasks' attachments, oldest first."""
    found = attachments_of(context.kontor, context.principal.tenant_id, case_id=case_id)
    return [
        {"id": a.attachment_id, "file_name": a.file_name, "size": a.size, "task_id": a.task_id,
         "added_by": a.added_by, "added_at": a.added_at, "case_id": a.case_id}
        for a in found
    ]  # fmt: skip


def case_timeline(context: ViewContext, case_id: str) -> Sequence[Mapping[str, Any]]:
    """The case's one timeline (its own steps, its tasks', its documents'), oldest first."""
    with reading(context.kontor.engine) as connection:
        entries = Timeline(connection, context.principal.tenant_id).entries(case_id)
    return [
        {"at": e.at, "kind": e.kind, "actor": e.actor, "details": _summary(e.details)}
        for e in entries
    ]


def _summary(details: Mapping[str, Any]) -> str:
    """A timeline entry's details in one line: a task's or document's name first."""
    named = details.get("task_name") or details.get("file_name")
    rest = {k: v for k, v in details.items() if k not in ("task_id", "task_name", "attachment_id")}
    if named and set(rest) <= {"file_name", "state", "reason", "size"}:
        reason = details.get("reason") or ""
        file_name = details.get("file_name") if details.get("task_name") else None
        return " · ".join(str(part) for part in (named, file_name, reason) if part)
    return json.dumps(rest, default=str, ensure_ascii=False)


def task_url(row: Mapping[str, Any]) -> str | None:
    """The page of the task a document was attached to (None: the case's own)."""
    return f"/tasks/{row['task_id']}" if row["task_id"] else None


def document_url(row: Mapping[str, Any]) -> str:
    """Where a listed document is downloaded."""
    return f"/cases/{row['case_id']}/documents/{row['id']}"


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
        Section(
            "Phasen",
            (
                Column("status", "Status"),
                Column("stage", "Stand", Kind.BADGE, labels=STAGE_WORDS),
            ),
            case_stages,
        ),
        Section(
            "Aufgaben",
            (
                Column("name", "Aufgabe", link=lambda row: f"/tasks/{row['id']}"),
                Column("state", "Status", Kind.BADGE, labels=STATE_WORDS),
                Column("assignee", "Bearbeiter", Kind.USER),
                Column("due_at", "Fällig am", Kind.DATETIME),
            ),
            case_tasks,
        ),
        Section(
            "Dokumente",
            (
                Column("file_name", "Datei", link=document_url),
                Column("size", "Größe", Kind.SIZE),
                Column("task_id", "Aus Aufgabe", link=task_url),
                Column("added_by", "Von", Kind.USER),
                Column("added_at", "Hinzugefügt am", Kind.DATETIME),
            ),
            case_documents,
            button=RowButton(
                "Entfernen",
                "cases:write",
                lambda row: None if row["task_id"] else f"{document_url(row)}/remove",
                "Dieses Dokument entfernen?",
            ),
            upload=SectionUpload(
                "Dokument hinzufügen", "cases:write", lambda case_id: f"/cases/{case_id}/documents"
            ),
        ),
        Section("Verknüpfungen", (Column("kind", "Art"), Column("target", "Ziel")), case_links),
        Section(
            "Verlauf",
            (
                Column("at", "Zeit", Kind.DATETIME),
                Column("kind", "Eintrag", Kind.BADGE, labels=TIMELINE_WORDS),
                Column("actor", "Von", Kind.USER),
                Column("details", "Einzelheiten"),
            ),
            case_timeline,
        ),
    ),
    back=("Zur Vorgangsliste", "/cases"),
    not_found="Diesen Vorgang gibt es nicht.",
    id_name="case_id",
    audited_as="case",
)
"""A case: its fields, data, stages, tasks, documents, links and one timeline."""


def declare(registry: WebRegistry) -> None:
    """Declare the case list and the case view."""
    registry.add_table(CASE_LIST)
    registry.add_detail(CASE_VIEW)


def _case_answer(
    request: Request, caller: Principal, case_id: str, done: str,
    error: KontorError | None = None,
) -> HTMLResponse:  # fmt: skip
    """The case's page after a change to its documents: what was done, or why not."""
    if isinstance(error, CaseNotFound):
        return render(request, "error.html", {"message": CASE_VIEW.not_found}, status=404)
    if error is not None:
        return show_detail(
            request, CASE_VIEW, caller, case_id, status=error.status, problem=german_error(error)
        )
    return show_detail(request, CASE_VIEW, caller, case_id, message=done)


@router.post("/cases/{case_id}/documents")
async def add_document(
    case_id: str, request: Request, caller: Annotated[Principal, page_requires("cases:write")]
) -> HTMLResponse:
    """Keep the uploaded file with the case."""
    done = "Dokument gespeichert."
    try:
        await receive(request, caller, case_id=case_id)
    except KontorError as error:
        return await run_in_threadpool(_case_answer, request, caller, case_id, done, error)
    return await run_in_threadpool(_case_answer, request, caller, case_id, done)


@router.get("/cases/{case_id}/documents/{attachment_id}", response_model=None)
def download_document(
    case_id: str, attachment_id: str, request: Request,
    caller: Annotated[Principal, page_requires("cases:read")],
) -> StreamingResponse | HTMLResponse:  # fmt: skip
    """The document's file, to save."""
    missing = "Dieses Dokument gibt es nicht."
    return file_page(request, caller, attachment_id, missing, case_id=case_id)


@router.post("/cases/{case_id}/documents/{attachment_id}/remove")
def remove_document(
    case_id: str, attachment_id: str, request: Request,
    caller: Annotated[Principal, page_requires("cases:write")],
) -> HTMLResponse:  # fmt: skip
    """Remove one of the case's own documents (the one who added it, or a case manager)."""
    done = "Dokument entfernt."
    try:
        remove(kontor_of(request), caller, attachment_id, manager="cases:manage", case_id=case_id)
    except KontorError as error:
        return _case_answer(request, caller, case_id, done, error)
    return _case_answer(request, caller, case_id, done)
