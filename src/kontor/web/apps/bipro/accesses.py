"""Portalzugänge: the broker's BiPRO logins per insurer as a table with *Jetzt abrufen* and
*Löschen*, and the form that stores or changes one (the password is write-only)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import Select, and_, case, literal, select

from kontor.api.body_routes import StrictJsonRoute
from kontor.api.routes.bipro import bipro_inbox
from kontor.api.wiring import kontor_of
from kontor.errors import KontorError
from kontor.integration.bipro.accesses import ON_NEW, Access, AccessDraft
from kontor.integration.bipro.tables import portal_accesses
from kontor.integration.scheduler.tables import schedules
from kontor.platform import Principal
from kontor.web.forms import coerce, validation_errors
from kontor.web.messages import german_error
from kontor.web.pages.forms import form_of
from kontor.web.security import page_requires
from kontor.web.templating import render
from kontor.web.views import Action, Column, FormView, Kind, MenuEntry, TableView, ViewContext

APP = "/apps/portal_accesses"
READ, WRITE = "bipro:read", "bipro:write"
NEW_PATH = f"{APP}/new"
router = APIRouter(route_class=StrictJsonRoute, include_in_schema=False)
NEEDS_WRITE = page_requires(WRITE)

OUTCOMES = {"ok": "erfolgreich", "failed": "fehlgeschlagen", "requested": "angefordert"}
"""The outcome of the last poll in German (``requested``: *Jetzt abrufen* is waiting)."""
ON_NEW_WORDS = {
    "notify": "Nur benachrichtigen",
    "start_process": "Prozess starten",
    "create_task": "Aufgabe anlegen",
}
URL = r"^https?://\S+$"
REFUSALS = {
    ("kontor.conflict", "name"): "Einen Portalzugang mit dieser Bezeichnung gibt es schon.",
    ("kontor.invalid_input", "process_key"): "Für „Prozess starten“ bitte den Prozess angeben.",
}
"""The store's refusals in German, by error code and field."""


def access_url(row: Mapping[str, Any]) -> str:
    """The form that changes the row's access."""
    return f"{APP}/accesses/{row['id']}"


def access_rows(context: ViewContext, filters: Mapping[str, str]) -> Select[Any]:
    """The tenant's portal accesses with their last poll and the next scheduled one."""
    del filters
    a, s = portal_accesses.c, schedules.c
    me = context.principal.tenant_id
    outcome = case((a.poll_requested_at.is_not(None), literal("requested")), else_=a.last_outcome)
    return (
        select(
            a.access_id.label("id"),
            a.name.label("name"),
            a.insurer.label("insurer"),
            a.username.label("username"),
            a.last_polled_at.label("last_polled_at"),
            outcome.label("outcome"),
            a.last_error.label("last_error"),
            s.next_due_at.label("next_poll_at"),
        )
        .select_from(
            portal_accesses.outerjoin(
                schedules,
                and_(s.tenant_id == me, s.name == literal("BiPRO-Abruf ") + a.access_id),
            )
        )
        .where(a.tenant_id == me)
    )


def poll_now(context: ViewContext, row_id: str, reason: str | None) -> None:
    """*Jetzt abrufen*: the background poller takes the access in its next round."""
    del reason
    kontor = context.kontor
    with kontor.bus.unit_of_work() as uow:
        store = bipro_inbox(kontor).accesses(uow, context.principal.tenant_id)
        store.request_poll(row_id, uow.clock.now())
        uow.commit()


def remove(context: ViewContext, row_id: str, reason: str | None) -> None:
    """*Löschen*: the access with its login and schedule (its shipments stay)."""
    del reason
    kontor = context.kontor
    with kontor.bus.unit_of_work() as uow:
        bipro_inbox(kontor).delete(uow, context.principal.tenant_id, row_id)
        uow.commit()


ACCESSES = TableView(
    name="portalzugaenge",
    path=f"{APP}/accesses",
    title="Portalzugänge",
    permission=READ,
    columns=(
        Column("name", "Bezeichnung", sortable=True),
        Column("insurer", "Gesellschaft"),
        Column("username", "Benutzername"),
        Column("last_polled_at", "Letzter Abruf", Kind.DATETIME),
        Column("outcome", "Ergebnis", Kind.BADGE, labels=OUTCOMES),
        Column("last_error", "Meldung"),
        Column("next_poll_at", "Nächster Abruf", Kind.DATETIME),
    ),
    rows=access_rows,
    default_sort="name",
    search_fields=("name", "insurer", "username"),
    actions=(
        Action("poll", "Jetzt abrufen", WRITE, poll_now),
        Action("delete", "Löschen", WRITE, remove, selection=False),
    ),
    detail_url=access_url,
    create=MenuEntry("Portalzugang anlegen", NEW_PATH, WRITE),
)
"""The broker's portal accesses; a row opens its form."""


def access_form(*, new: bool) -> FormView:
    """The form of an access; a new one needs a password, a stored one keeps it unless given."""
    required = ["name", "insurer", "sts_url", "transfer_url", "username", "on_new"]
    return FormView(
        key="bipro.portal_access",
        title="Portalzugang anlegen" if new else "Portalzugang speichern",
        schema={
            "type": "object",
            "required": [*required, "password"] if new else required,
            "properties": {
                "name": {"type": "string", "title": "Bezeichnung", "maxLength": 100},
                "insurer": {"type": "string", "title": "Gesellschaft", "maxLength": 200},
                "sts_url": {
                    "type": "string",
                    "title": "Adresse des Security-Token-Service",
                    "pattern": URL,
                    "maxLength": 2000,
                },
                "transfer_url": {
                    "type": "string",
                    "title": "Adresse des Transfer-Service",
                    "pattern": URL,
                    "maxLength": 2000,
                },
                "username": {"type": "string", "title": "Benutzername", "maxLength": 200},
                "password": {"type": "string", "title": "Passwort", "maxLength": 500},
                "on_new": {"type": "string", "title": "Bei neuer Lieferung", "enum": list(ON_NEW)},
                "process_key": {"type": "string", "title": "Prozess", "maxLength": 200},
                "task_group": {"type": "string", "title": "Gruppe der Aufgabe", "maxLength": 100},
            },
        },
        ui={
            "password": {
                "widget": "password",
                "help": None if new else "Leer lassen, um das gespeicherte Passwort zu behalten",
            },
            "on_new": {"widget": "radio", "options": ON_NEW_WORDS},
            "process_key": {"help": "Nur für „Prozess starten“: der Schlüssel des Prozesses"},
            "task_group": {"help": "Nur für „Aufgabe anlegen“; leer: Aufgabe für Sie"},
        },
    )


BACK = ("Zu den Portalzugängen", ACCESSES.path)


def _page(request: Request, caller: Principal, form: FormView, **values: Any) -> HTMLResponse:
    status = int(values.pop("status", 200))
    context = {
        "principal": caller, "form": form, "back": BACK, "values": {}, "errors": {},
        "message": None, "problem": None, **values,
    }  # fmt: skip
    return render(request, "admin/form.html", context, status=status)


def _refused(
    request: Request, caller: Principal, form: FormView, submitted: Mapping[str, str],
    error: KontorError,
) -> HTMLResponse:  # fmt: skip
    field = str(error.details.get("field", ""))
    said = REFUSALS.get((error.code, field)) or german_error(error)
    errors = {field: said} if field in form.schema["properties"] else {}
    return _page(
        request, caller, form, values=_shown(submitted), errors=errors, problem=said,
        status=error.status,
    )  # fmt: skip


def _shown(submitted: Mapping[str, str]) -> dict[str, str]:
    """What the form shows again: everything but the password."""
    return {key: value for key, value in submitted.items() if key != "password"}


def _checked(form: FormView, submitted: Mapping[str, str]) -> tuple[dict[str, Any], dict[str, str]]:
    data, errors = coerce(form, submitted)
    return data, {**validation_errors(form, data), **errors}


def _invalid(
    request: Request, caller: Principal, form: FormView, submitted: Mapping[str, str],
    errors: Mapping[str, str],
) -> HTMLResponse:  # fmt: skip
    return _page(
        request, caller, form, values=_shown(submitted), errors=errors,
        problem="Bitte prüfen Sie die markierten Felder.", status=422,
    )  # fmt: skip


@router.get(NEW_PATH)
def new_access_page(request: Request, caller: Principal = NEEDS_WRITE) -> HTMLResponse:
    """The empty form of a new portal access."""
    return _page(request, caller, access_form(new=True), values={"on_new": "notify"})


@router.post(NEW_PATH)
async def create_access(request: Request, caller: Principal = NEEDS_WRITE) -> Response:
    """Store the access (password encrypted) and the schedule that polls it every two hours;
    then back to the table."""
    form = access_form(new=True)
    submitted = await form_of(request)
    data, errors = _checked(form, submitted)
    if errors:
        return _invalid(request, caller, form, submitted, errors)
    kontor = kontor_of(request)
    try:
        with kontor.bus.unit_of_work() as uow:
            bipro_inbox(kontor).create(uow, caller.tenant_id, AccessDraft(**data), caller.user_id)
            uow.commit()
    except KontorError as error:
        return _refused(request, caller, form, submitted, error)
    return Response(status_code=204, headers={"HX-Redirect": ACCESSES.path})


@router.get(f"{APP}/accesses/{{access_id}}")
def access_page(access_id: str, request: Request, caller: Principal = NEEDS_WRITE) -> HTMLResponse:
    """The form of a stored access (without its password); another tenant's is not found."""
    kontor = kontor_of(request)
    try:
        with kontor.bus.reading() as uow:
            access = bipro_inbox(kontor).accesses(uow, caller.tenant_id).get(access_id)
    except KontorError as error:
        return _not_found(request, caller, error)
    return _page(request, caller, access_form(new=False), values=_values(access))


@router.post(f"{APP}/accesses/{{access_id}}")
async def change_access(
    access_id: str, request: Request, caller: Principal = NEEDS_WRITE
) -> Response:
    """Change the access (an empty password keeps the stored one); then back to the table.

    Another tenant's access is not found whatever the form holds."""
    kontor = kontor_of(request)
    try:
        with kontor.bus.reading() as uow:
            bipro_inbox(kontor).accesses(uow, caller.tenant_id).get(access_id)
    except KontorError as error:
        return _not_found(request, caller, error)
    form = access_form(new=False)
    submitted = await form_of(request)
    data, errors = _checked(form, submitted)
    if errors:
        return _invalid(request, caller, form, submitted, errors)
    changes: dict[str, Any] = {"process_key": None, "task_group": None, **data}
    try:
        with kontor.bus.unit_of_work() as uow:
            bipro_inbox(kontor).update(uow, caller.tenant_id, access_id, changes)
            uow.commit()
    except KontorError as error:
        if error.status == 404:  # deleted meanwhile
            return _not_found(request, caller, error)
        return _refused(request, caller, form, submitted, error)
    return Response(status_code=204, headers={"HX-Redirect": ACCESSES.path})


def _values(access: Access) -> dict[str, str]:
    names = ("name", "insurer", "sts_url", "transfer_url", "username", "on_new")
    values = {name: str(getattr(access, name)) for name in names}
    values.update({name: getattr(access, name) or "" for name in ("process_key", "task_group")})
    return values


def _not_found(request: Request, caller: Principal, error: KontorError) -> HTMLResponse:
    said = "Diesen Portalzugang gibt es nicht." if error.status == 404 else german_error(error)
    return render(
        request, "error.html", {"principal": caller, "message": said}, status=error.status
    )
