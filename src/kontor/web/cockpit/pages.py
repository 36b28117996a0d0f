"""The process cockpit's pages: definitions, one version's diagram, one instance and its operations.

Reading needs ``process:read``; every change needs ``process:operate`` and goes through the
engine's commands in the caller's name (the operation log names them). Another tenant's
definition or instance is "not found" (404).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, Response

from kontor.api.body_routes import StrictJsonRoute
from kontor.api.params import VersionPath
from kontor.api.request_bodies import storable_variables
from kontor.api.routes.process_instances import instance_detail
from kontor.api.strict_json import decode_json
from kontor.api.wiring import kontor_of
from kontor.db import reading
from kontor.errors import KontorError
from kontor.messaging import Command
from kontor.platform import Principal
from kontor.process import (
    CancelInstance,
    ModificationInstruction,
    ModifyInstance,
    ResolveIncident,
    ResumeInstance,
    SetVariables,
    SuspendInstance,
)
from kontor.process.errors import InstanceNotFound, ProcessNotFound
from kontor.process.store import HistoryStore
from kontor.process.store.queries import ProcessQueries
from kontor.web.cockpit.activities import activity_tree, process_model, targets
from kontor.web.cockpit.instances import STATUS_WORDS
from kontor.web.cockpit.queries import (
    definition_id_of,
    definition_marks,
    definition_overview,
    instance_marks,
)
from kontor.web.i18n import Phrase
from kontor.web.messages import REFUSALS, german_error
from kontor.web.pages.forms import form_of
from kontor.web.security import page_requires
from kontor.web.templating import render

router = APIRouter(route_class=StrictJsonRoute, include_in_schema=False)
Reader = Annotated[Principal, page_requires("process:read")]
Operator = Annotated[Principal, page_requires("process:operate")]

DONE = {
    "retried": "Der Vorfall wird erneut versucht.",
    "suspended": "Die Instanz ist angehalten.",
    "resumed": "Die Instanz läuft weiter.",
    "cancelled": "Die Instanz ist abgebrochen.",
    "variables": "Variable gespeichert.",
    "modified": "Das Token ist verschoben.",
}
"""What the instance page says after an operation succeeded (``?done=…``)."""

CALLED_INSTANCE = (
    "Nicht möglich: die Instanz wurde von einer anderen gestartet; brechen Sie diese ab."
)
"""The one refusal the cockpit words itself (others: ``german_error``)."""


def _not_found(request: Request, caller: Principal, message: str) -> HTMLResponse:
    return render(request, "error.html", {"message": message, "principal": caller}, status=404)


@router.get("/cockpit")
def definitions_page(request: Request, caller: Reader) -> HTMLResponse:
    """The deployed process versions with running instances and open incidents."""
    with reading(kontor_of(request).engine) as connection:
        rows = definition_overview(connection, caller.tenant_id)
    return render(request, "cockpit/definitions.html", {"principal": caller, "rows": rows})


@router.get("/cockpit/processes/{process_key}/{version}")
def definition_page(
    process_key: str, version: VersionPath, request: Request, caller: Reader
) -> HTMLResponse:
    """One version's diagram with its running tokens and open incidents per element."""
    with reading(kontor_of(request).engine) as connection:
        found = definition_id_of(connection, caller.tenant_id, process_key, version)
        if found is None:
            return _not_found(request, caller, "Diese Prozessversion gibt es nicht.")
        marks = definition_marks(connection, caller.tenant_id, found)
        versions = [
            row for row in definition_overview(connection, caller.tenant_id)
            if row.process_key == process_key
        ]  # fmt: skip
    current = next(row for row in versions if row.version == version)
    context = {
        "principal": caller,
        "definition": current,
        "versions": versions,
        "marks": marks.to_json(),
        "xml_url": f"/cockpit/processes/{process_key}/{version}/diagram.bpmn",
    }
    return render(request, "cockpit/definition.html", context)


@router.get("/cockpit/processes/{process_key}/{version}/diagram.bpmn")
def diagram(process_key: str, version: VersionPath, request: Request, caller: Reader) -> Response:
    """The BPMN XML of one deployed version (for the diagram viewer)."""
    with reading(kontor_of(request).engine) as connection:
        try:
            found = ProcessQueries(connection, caller.tenant_id).definition(process_key, version)
        except ProcessNotFound:
            return Response("not found", status_code=404, media_type="text/plain")
    return Response(found.bpmn_xml, media_type="application/xml")


def _instance_context(request: Request, caller: Principal, instance_id: str) -> dict[str, Any]:
    with kontor_of(request).bus.reading() as uow:
        detail = instance_detail(uow, caller.tenant_id, instance_id)
        history = HistoryStore(uow.connection, caller.tenant_id)
        activities = history.activity_history(instance_id)
        incidents = history.incidents(instance_id, open_only=False)
        operations = history.operations(instance_id)
        model = ProcessQueries(uow.connection, caller.tenant_id).definition(
            detail.process_key, detail.definition_version
        )
    process = process_model(model.bpmn_xml, detail.process_key)
    finished = [row.element_id for row in activities if row.ended_at is not None]
    marks = instance_marks(
        detail.active_element_ids,
        [incident.element_id for incident in detail.incidents],
        finished,
    )
    version = detail.definition_version
    return {
        "principal": caller,
        "instance": detail,
        "status_word": STATUS_WORDS.get(detail.status, detail.status),
        "activities": activity_tree(activities, process),
        "targets": targets(process),
        "incidents": incidents,
        "operations": operations,
        "marks": marks.to_json(),
        "xml_url": f"/cockpit/processes/{detail.process_key}/{version}/diagram.bpmn",
        "can_operate": caller.has("process:operate"),
    }


@router.get("/cockpit/instances/{instance_id}")
def instance_page(
    instance_id: str, request: Request, caller: Reader, done: str | None = None
) -> HTMLResponse:
    """One instance: diagram with tokens, variables, activities, incidents and operations."""
    try:
        context = _instance_context(request, caller, instance_id)
    except InstanceNotFound:
        return _not_found(request, caller, "Diese Prozessinstanz gibt es nicht.")
    context["message"] = DONE.get(done or "")
    return render(request, "cockpit/instance.html", context)


def _operate(
    request: Request,
    caller: Principal,
    instance_id: str,
    kind: Callable[..., Command],
    done: str,
    **fields: Any,
) -> Response:
    """Send ``kind`` for the instance; reload the page, or show why it was refused."""
    try:
        kontor_of(request).bus.handle(
            kind(tenant_id=caller.tenant_id, instance_id=instance_id, actor=caller.user_id,
                 **fields)
        )  # fmt: skip
    except KontorError as error:
        return _refused(request, _in_german(error), error.status)
    target = f"/cockpit/instances/{instance_id}?done={done}"
    return Response(status_code=204, headers={"HX-Redirect": target})


def _in_german(error: KontorError) -> str:
    """The refusal in German; the engine names its own reason in ``details["reason"]``."""
    reason = str(error.details.get("reason", ""))
    if error.code == "process.called_instance_not_cancellable":
        return CALLED_INSTANCE
    if reason == "process.invalid_modification":
        return Phrase(
            "Nicht möglich: Anweisung {instruction} ({target}) passt nicht zu dieser Instanz.",
            instruction=str(error.details.get("instruction")),
            target=str(error.details.get("target")),
        )
    return REFUSALS.get(reason) or german_error(error)


def _refused(request: Request, problem: str, status: int) -> HTMLResponse:
    return render(
        request, "cockpit/instance.html", {"problem": problem}, block="outcome", status=status
    )


@router.post("/cockpit/instances/{instance_id}/incidents/{incident_id}/retry")
def retry_incident(
    instance_id: str, incident_id: str, request: Request, caller: Operator
) -> Response:
    """Retry where the incident stopped the instance (its job gets one retry again)."""
    return _operate(
        request, caller, instance_id, ResolveIncident, "retried", incident_id=incident_id
    )


@router.post("/cockpit/instances/{instance_id}/suspend")
def suspend(instance_id: str, request: Request, caller: Operator) -> Response:
    """Hold the instance."""
    return _operate(request, caller, instance_id, SuspendInstance, "suspended")


@router.post("/cockpit/instances/{instance_id}/resume")
def resume(instance_id: str, request: Request, caller: Operator) -> Response:
    """Let a suspended instance go on."""
    return _operate(request, caller, instance_id, ResumeInstance, "resumed")


@router.post("/cockpit/instances/{instance_id}/cancel")
async def cancel(instance_id: str, request: Request, caller: Operator) -> Response:
    """End the instance without completing it, with the reason given."""
    reason = (await form_of(request)).get("reason", "").strip()
    return _operate(request, caller, instance_id, CancelInstance, "cancelled", reason=reason)


@router.post("/cockpit/instances/{instance_id}/variables")
async def set_variable(instance_id: str, request: Request, caller: Operator) -> Response:
    """Set one variable of the process scope; the value is JSON (``5000``, ``"Text"``, ``true``)."""
    form = await form_of(request)
    name, text = form.get("name", "").strip(), form.get("value", "")
    if not name:
        return _refused(request, "Bitte den Namen der Variable angeben.", 422)
    limits = request.app.state.request_limits
    try:
        value = decode_json(text.encode("utf-8"), limits.json)
        variables = storable_variables(request, {name: value})
    except RequestValidationError as error:
        reason = error.errors()[0].get("msg", "") if error.errors() else ""
        return _refused(request, f"Der Wert ist kein gültiger JSON-Wert: {reason}", 422)
    except KontorError as error:
        return _refused(request, _in_german(error), error.status)
    return _operate(request, caller, instance_id, SetVariables, "variables", variables=variables)


@router.post("/cockpit/instances/{instance_id}/modify")
async def move_token(instance_id: str, request: Request, caller: Operator) -> Response:
    """Move a token: cancel element ``source`` (if chosen) and start before element ``target``."""
    form = await form_of(request)
    source, target = form.get("source", "").strip(), form.get("target", "").strip()
    if not target:
        return _refused(request, "Bitte das Ziel auswählen (auch per Klick ins Diagramm).", 422)
    steps = [ModificationInstruction(kind="start_before", element_id=target)]
    if source:
        steps.insert(0, ModificationInstruction(kind="cancel", element_id=source))
    return _operate(request, caller, instance_id, ModifyInstance, "modified", instructions=steps)
