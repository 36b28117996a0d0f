"""The work lists (declared table views) and the task view with its operations and form."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, StreamingResponse
from sqlalchemy import Select
from starlette.concurrency import run_in_threadpool

from kontor.api.body_routes import StreamingUploadRoute, StrictJsonRoute
from kontor.api.routes.attachments import content_of, receive, remove
from kontor.api.routes.tasks import COUNT_EXACT_UP_TO
from kontor.api.wiring import kontor_of
from kontor.casework.attachments import ATTACH, DETACH, AttachmentStore
from kontor.casework.forms import InvalidFormData
from kontor.casework.tasks import (
    Sort,
    Task,
    TaskFilter,
    TaskQueries,
    TaskState,
    TaskStore,
    View,
    Viewer,
    WorkOnTask,
)
from kontor.casework.tasks.filtering import SEARCHED
from kontor.db import reading
from kontor.errors import InvalidInput, KontorError
from kontor.platform import Principal
from kontor.web.forms import coerce, validation_errors
from kontor.web.messages import STATE_WORDS, german_error
from kontor.web.pages.camunda_forms import (
    camunda_form_of,
    field_messages,
    initial_data,
    script_json,
    submitted_data,
)
from kontor.web.pages.forms import form_of
from kontor.web.people import display_names
from kontor.web.registry import WebRegistry
from kontor.web.security import page_requires
from kontor.web.templating import render
from kontor.web.views import Action, Column, Filter, FormView, Kind, TableView, ViewContext
from kontor.web.views.declarations import ActionRun, PagedRows
from kontor.web.views.state import TableState

router = APIRouter(route_class=StrictJsonRoute, include_in_schema=False)
uploads = APIRouter(route_class=StreamingUploadRoute, include_in_schema=False)
NO_TASK = "Diese Aufgabe gibt es nicht."

LISTS = (
    (View.MINE, "Meine Aufgaben"),
    (View.CANDIDATE, "Aufgaben meiner Gruppen"),
    (View.DELEGATED, "Von mir delegiert"),
    (View.OVERDUE, "Überfällig"),
    (View.ALL, "Alle offenen Aufgaben"),
)
OPERATION_LABELS = {
    "claim": "Übernehmen",
    "release": "Zurückgeben",
    "start": "Beginnen",
    "complete": "Abschließen",
    "delegate": "Delegieren",
    "resolve": "Erledigt zurückgeben",
    "forward": "Weiterleiten",
    "reject": "Ablehnen",
    "escalate": "Eskalieren",
    "save_draft": "Entwurf speichern",
    "comment": "Kommentieren",
}
"""The operations the task view offers, in German."""
HISTORY_WORDS = {
    **OPERATION_LABELS,
    "create": "Angelegt",
    "assign": "Zugewiesen",
    "save_draft": "Entwurf gespeichert",
    "suspend": "Angehalten",
    "resume": "Fortgesetzt",
    "cancel": "Abgebrochen",
    "fail": "Fehlgeschlagen",
    "obsolete": "Hinfällig geworden",
    "route": "Nach Regel verteilt",
    "comment": "Kommentar",
    ATTACH: "Anhang hinzugefügt",
    DETACH: "Anhang entfernt",
}
"""The history's operations in German."""
OPERATION_FIELDS: dict[str, tuple[str, ...]] = {
    "delegate": ("user_id", "reason"),
    "forward": ("user_id", "group_id", "reason"),
    "reject": ("reason",),
    "escalate": ("reason", "user_id", "group_id"),
    "comment": ("message",),
}


def _viewer(principal: Principal) -> Viewer:
    return Viewer(principal.user_id, principal.groups)


def _list_of(filters: Mapping[str, str]) -> View:
    chosen = filters.get("list", View.MINE.value)
    return View(chosen) if chosen in View.__members__.values() else View.MINE


def work_list_rows(context: ViewContext, filters: Mapping[str, str]) -> Select[Any]:
    """The caller's work list (chosen by the filter ``list``), tenant-scoped."""
    with reading(context.kontor.engine) as connection:
        queries = TaskQueries(connection, context.principal.tenant_id)
        return queries.listing(
            _viewer(context.principal), TaskFilter(_list_of(filters)), context.now
        )


STATES = frozenset(state.value for state in TaskState)
PAGED_SORTS = {"due_at": Sort.DUE, "-priority": Sort.PRIORITY, "created_at": Sort.CREATED}
"""The table's sort orders the task system walks along its indexes (the API's orders)."""


def work_list_page(
    context: ViewContext, state: TableState, offset: int, limit: int
) -> PagedRows | None:
    """A page of the work list read as the API reads it (group queues along the candidates'
    index, the count exact up to a hundred); None for condition trees and other sort orders."""
    sort = PAGED_SORTS.get(state.sort)
    chosen_state = state.filters.get("state")
    if sort is None or state.tree is not None or chosen_state not in (None, "", *STATES):
        return None
    states = (TaskState(chosen_state),) if chosen_state else ()
    wanted = TaskFilter(_list_of(state.filters), states, search=state.search or None)
    viewer = _viewer(context.principal)
    with reading(context.kontor.engine) as connection:
        queries = TaskQueries(connection, context.principal.tenant_id)
        ids = queries.ordered_ids(viewer, wanted, sort, context.now, offset=offset, limit=limit)
        listed = queries.listing(viewer, wanted, context.now, ids) if ids else None
        rows = {} if listed is None else {
            row["id"]: dict(row) for row in connection.execute(listed).mappings()
        }  # fmt: skip
        counted = queries.count_or_estimate(viewer, wanted, context.now, COUNT_EXACT_UP_TO)
    return PagedRows([rows[i] for i in ids if i in rows], counted.count, counted.estimated)


def _work(operation: str) -> ActionRun:
    """An action running a task operation through the task system's handler."""

    def run(context: ViewContext, row_id: str, reason: str | None) -> None:
        arguments = {"reason": reason or ""} if operation in ("escalate", "reject") else {}
        context.kontor.bus.handle(
            WorkOnTask(
                tenant_id=context.principal.tenant_id, actor=context.principal.user_id,
                task_id=row_id, operation=operation, arguments=arguments,
                actor_groups=sorted(context.principal.groups),
                as_manager=context.principal.has("tasks:manage"),
            )
        )  # fmt: skip

    return run


WORK_LIST = TableView(
    name="aufgaben",
    path="/tasks",
    title="Aufgaben",
    permission="tasks:read",
    columns=(
        Column("name", "Aufgabe"),
        Column("state", "Status", Kind.BADGE, labels=STATE_WORDS),
        Column("assignee", "Bearbeiter", Kind.USER),
        Column("priority", "Priorität", Kind.NUMBER, sortable=True),
        Column("due_at", "Fällig am", Kind.DATETIME, sortable=True),
        Column("created_at", "Angelegt am", Kind.DATETIME, sortable=True),
        Column("case_id", "Vorgang"),
    ),
    rows=work_list_rows,
    default_sort="due_at",
    search_fields=SEARCHED,  # as the task system's search, which the pager uses
    filters=(
        Filter("list", "Liste", lambda _context: [(v.value, label) for v, label in LISTS], "mine"),
        Filter("state", "Status", lambda _c: list(STATE_WORDS.items())[:4], column=True),
    ),
    actions=(
        Action("claim", "Übernehmen", "tasks:work", _work("claim")),
        Action("start", "Beginnen", "tasks:work", _work("start")),
        Action("release", "Zurückgeben", "tasks:work", _work("release")),
        Action("escalate", "Eskalieren", "tasks:work", _work("escalate")),
    ),
    detail_url=lambda row: f"/tasks/{row['id']}",
    export_permission="tasks:read",
    exact_count_up_to=COUNT_EXACT_UP_TO,
    pager=work_list_page,
)
"""The work list: my tasks, my groups' tasks, delegated by me, overdue, all open ones."""

REVIEW_FORM = FormView(
    key="kontor.review",
    title="Prüfung",
    schema={
        "type": "object",
        "required": ["decision"],
        "properties": {
            "decision": {"type": "string", "enum": ["approve", "decline"], "title": "Entscheidung"},
            "amount": {"type": "number", "minimum": 0, "title": "Betrag (EUR)"},
            "comment": {"type": "string", "maxLength": 500, "title": "Kommentar"},
        },
    },
    ui={
        "decision": {"widget": "radio", "options": {"approve": "Annehmen", "decline": "Ablehnen"}},
        "amount": {"widget": "money", "help": "in Euro, z. B. 1.234,50"},
        "comment": {"widget": "textarea"},
    },
)
"""A general review form (decision, amount, comment) for tasks with form key ``kontor.review``."""


def declare(registry: WebRegistry) -> None:
    """Declare the work list and the platform's own forms."""
    registry.add_table(WORK_LIST)
    registry.add_form(REVIEW_FORM)


def _task_page(
    request: Request, caller: Principal, task_id: str, *, status: int = 200,
    message: str | None = None, problem: str | None = None,
    values: Mapping[str, str] | None = None, errors: Mapping[str, str] | None = None,
    submitted: Mapping[str, Any] | None = None,
) -> HTMLResponse:  # fmt: skip
    kontor = kontor_of(request)
    with reading(kontor.engine) as connection:
        store = TaskStore(connection, caller.tenant_id)
        try:
            task, _ = store.get(task_id)
        except KontorError:
            return render(request, "error.html", {"message": NO_TASK}, status=404)
        history = store.history(task_id)
        attachments = AttachmentStore(connection, caller.tenant_id).of_task(task_id)
        people = [
            task.assignee, task.owner, *(entry.actor for entry in history),
            *(attachment.added_by for attachment in attachments),
        ]  # fmt: skip
        names = display_names(connection, caller.tenant_id, people)
        camunda_form = camunda_form_of(connection, task)
    registry: WebRegistry = request.app.state.web_registry
    form = registry.forms.get(task.form_key or "")
    context = {
        "principal": caller, "task": task, "history": history, "form": form,
        "state_words": STATE_WORDS, "operations": OPERATION_LABELS, "history_words": HISTORY_WORDS,
        "operation_fields": OPERATION_FIELDS, "message": message, "problem": problem,
        "values": values or {}, "errors": errors or {},
        "can_work": caller.has("tasks:work"), "names": names, "camunda_form": camunda_form,
        "script_json": script_json, "form_data": initial_data(task, submitted),
        "attachments": attachments, "can_manage": caller.has("tasks:manage"),
    }  # fmt: skip
    return render(request, "task.html", context, status=status)


@router.get("/tasks/{task_id}")
def show_task(
    task_id: str, request: Request, caller: Annotated[Principal, page_requires("tasks:read")]
) -> HTMLResponse:
    """A task: details, variables, history, operations and its form."""
    return _task_page(request, caller, task_id)


@router.post("/tasks/{task_id}/operations/{operation}")
async def work_on_task(
    task_id: str,
    operation: str,
    request: Request,
    caller: Annotated[Principal, page_requires("tasks:work")],
) -> HTMLResponse:
    """Do an operation on the task through the task system's handler; errors in German."""
    form = await form_of(request)
    if operation not in OPERATION_LABELS:
        return _task_page(request, caller, task_id, status=404, problem="Unbekannte Aktion.")
    arguments: dict[str, Any] = {}
    if operation in ("complete", "save_draft"):
        with reading(kontor_of(request).engine) as connection:
            try:
                task, _ = TaskStore(connection, caller.tenant_id).get(task_id)
            except KontorError:
                return render(request, "error.html", {"message": NO_TASK}, status=404)
            camunda_form = camunda_form_of(connection, task)
        if camunda_form is not None:
            try:
                arguments["data"] = submitted_data(form)
            except InvalidInput:
                problem = "Die Formulardaten fehlen oder sind unlesbar."
                return _task_page(request, caller, task_id, status=422, problem=problem)
        elif operation == "complete":
            refused = _declared_form_data(request, caller, task, form, arguments)
            if refused is not None:
                return refused
    for name in OPERATION_FIELDS.get(operation, ()):
        if form.get(name, "").strip():
            arguments[name] = form[name].strip()
    if operation in ("reject", "escalate"):
        arguments.setdefault("reason", "")
    try:
        kontor_of(request).bus.handle(
            WorkOnTask(
                tenant_id=caller.tenant_id, actor=caller.user_id, task_id=task_id,
                operation=operation, arguments=arguments, actor_groups=sorted(caller.groups),
                as_manager=caller.has("tasks:manage"),
            )
        )  # fmt: skip
    except InvalidFormData as error:
        return _task_page(
            request, caller, task_id, status=error.status,
            problem="Bitte prüfen Sie die markierten Felder.", errors=field_messages(error),
            submitted=arguments.get("data"),
        )  # fmt: skip
    except KontorError as error:
        return _task_page(
            request, caller, task_id, status=error.status, problem=german_error(error),
            values=form, submitted=arguments.get("data"),
        )  # fmt: skip
    done = {"save_draft": "Entwurf gespeichert.", "comment": "Kommentar gespeichert."}.get(
        operation, f"{OPERATION_LABELS[operation]}: erledigt."
    )
    return _task_page(request, caller, task_id, message=done)


def _declared_form_data(
    request: Request, caller: Principal, task: Task, form: Mapping[str, str],
    arguments: dict[str, Any],
) -> HTMLResponse | None:  # fmt: skip
    """Put the typed data of the task's declared form into ``arguments``; the page with the
    fields' German messages when it does not fit."""
    registry: WebRegistry = request.app.state.web_registry
    declared = registry.forms.get(task.form_key or "")
    if declared is None:
        return None
    data, errors = coerce(declared, form)
    errors = {**validation_errors(declared, data), **errors}
    if errors:
        problem = "Bitte prüfen Sie die markierten Felder."
        return _task_page(
            request, caller, task.id, status=422, problem=problem, values=form, errors=errors
        )
    arguments["data"] = data
    return None


@uploads.post("/tasks/{task_id}/attachments")
async def attach_file(
    task_id: str, request: Request, caller: Annotated[Principal, page_requires("tasks:work")]
) -> HTMLResponse:
    """Attach the uploaded file to the task; the task page says so (or why not)."""
    try:
        await receive(request, caller, task_id=task_id)
    except KontorError as error:
        problem = german_error(error)
        return await run_in_threadpool(
            _task_page, request, caller, task_id, status=error.status, problem=problem
        )
    return await run_in_threadpool(
        _task_page, request, caller, task_id, message="Anhang gespeichert."
    )


@router.get("/tasks/{task_id}/attachments/{attachment_id}", response_model=None)
def download_attachment(
    task_id: str, attachment_id: str, request: Request,
    caller: Annotated[Principal, page_requires("tasks:read")],
) -> StreamingResponse | HTMLResponse:  # fmt: skip
    """The attachment's file, to save."""
    missing = "Diesen Anhang gibt es nicht."
    return file_page(request, caller, attachment_id, missing, task_id=task_id)


def file_page(
    request: Request, caller: Principal, attachment_id: str, missing: str, *,
    task_id: str | None = None, case_id: str | None = None,
) -> StreamingResponse | HTMLResponse:  # fmt: skip
    """A task's or case's file for the browser; the page saying ``missing`` when it is not
    there for the caller."""
    try:
        return content_of(
            kontor_of(request), caller.tenant_id, attachment_id, task_id=task_id, case_id=case_id
        )
    except KontorError:
        return render(request, "error.html", {"message": missing}, status=404)


@router.post("/tasks/{task_id}/attachments/{attachment_id}/remove")
def detach_file(
    task_id: str, attachment_id: str, request: Request,
    caller: Annotated[Principal, page_requires("tasks:work")],
) -> HTMLResponse:  # fmt: skip
    """Remove an attachment (the one who added it, or a task manager)."""
    try:
        remove(kontor_of(request), caller, attachment_id, manager="tasks:manage", task_id=task_id)
    except KontorError as error:
        return _task_page(
            request, caller, task_id, status=error.status, problem=german_error(error)
        )
    return _task_page(request, caller, task_id, message="Anhang entfernt.")
