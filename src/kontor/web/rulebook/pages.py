"""The rules pages: deployed models with the dmn-js viewer, hook bindings, decision records.

Reading needs ``rules:read``; binding a hook point needs ``rules:bind``. Everything goes
through the rules service with the caller's principal, so it stays in the caller's tenant.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from kontor.api.body_routes import StrictJsonRoute
from kontor.api.params import VersionPath
from kontor.api.wiring import kontor_of
from kontor.errors import KontorError
from kontor.platform import Principal
from kontor.rules.deployment.models import parse_model
from kontor.rules.scenarios import parse_csv_scenarios, parse_json_scenarios
from kontor.web.messages import german_error
from kontor.web.pages.forms import form_of
from kontor.web.rulebook.choices import binding_choices, chosen, decisions_of
from kontor.web.rulebook.records import decision_record, matched_rules
from kontor.web.security import page_requires
from kontor.web.templating import render

router = APIRouter(route_class=StrictJsonRoute, include_in_schema=False)
Reader = Annotated[Principal, page_requires("rules:read")]
Binder = Annotated[Principal, page_requires("rules:bind")]

DONE = {"bound": "Hook-Punkt gebunden.", "unbound": "Bindung aufgehoben."}
"""What the rules page says after a change (``?done=…``)."""

HOOK_WORDS = {
    "task.created": "Eine Aufgabe wurde angelegt: entscheidet Gruppen, Bearbeiter und Priorität",
    "task.completed": "Eine Aufgabe wurde erledigt: kann Folgeaufgaben anlegen",
    "task.deadline_missed": (
        "Eine Aufgabe hat ihre Frist verpasst: entscheidet, wohin sie eskaliert wird"
    ),
    "case.status_changed": (
        "Ein Vorgang hat seinen Status gewechselt: entscheidet, wer benachrichtigt wird"
    ),
    "portfolio_transfer.easy_bkm": (
        "Ein Makler hat einen Vertrag hinzugefügt: entscheidet über die maschinelle Weiterleitung"
    ),
}
"""The hook points' descriptions in German (the applications declare them in English)."""


def _not_found(request: Request, caller: Principal, message: str) -> HTMLResponse:
    return render(request, "error.html", {"message": message, "principal": caller}, status=404)


def _overview(request: Request, caller: Principal) -> dict[str, Any]:
    rules = kontor_of(request).rules
    with kontor_of(request).bus.reading() as uow:
        deployments = rules.deployments(uow, caller)
        hooks = rules.hooks(uow, caller)
        complete = [rules.deployment(uow, caller, d.model_key, d.version) for d in deployments]
    return {
        "principal": caller,
        "deployments": sorted(deployments, key=lambda d: (d.model_key, -d.version)),
        "hooks": hooks,
        "hook_words": HOOK_WORDS,
        "choices": binding_choices(complete) if caller.has("rules:bind") else [],
    }


@router.get("/rules")
def rules_page(request: Request, caller: Reader, done: str | None = None) -> HTMLResponse:
    """The deployed decision models and the hook points with their bindings."""
    context = _overview(request, caller)
    context["message"] = DONE.get(done or "")
    return render(request, "rulebook/index.html", context)


def _refused(request: Request, problem: str, status: int) -> HTMLResponse:
    return render(
        request, "rulebook/index.html", {"problem": problem}, block="outcome", status=status
    )


@router.post("/rules/hooks/{hook}")
async def bind(hook: str, request: Request, caller: Binder) -> Response:
    """Bind the chosen decision (newest or a pinned version) to the hook point."""
    choice = chosen((await form_of(request)).get("decision", ""))
    if choice is None:
        return _refused(request, "Bitte eine Entscheidung auswählen.", 422)
    kontor = kontor_of(request)
    try:
        with kontor.bus.unit_of_work() as uow:
            kontor.rules.bind(uow, caller, hook, choice.model_key, choice.decision, choice.version)
            uow.commit()
    except KontorError as error:
        return _refused(request, german_error(error), error.status)
    return Response(status_code=204, headers={"HX-Redirect": "/rules?done=bound"})


@router.post("/rules/hooks/{hook}/unbind")
def unbind(hook: str, request: Request, caller: Binder) -> Response:
    """Remove the hook point's binding."""
    kontor = kontor_of(request)
    try:
        with kontor.bus.unit_of_work() as uow:
            kontor.rules.unbind(uow, caller, hook)
            uow.commit()
    except KontorError as error:
        return _refused(request, german_error(error), error.status)
    return Response(status_code=204, headers={"HX-Redirect": "/rules?done=unbound"})


@router.get("/rules/models/{model_key}/{version}")
def model_page(model_key: str, version: VersionPath, request: Request, caller: Reader) -> Response:
    """One deployed version of a decision model in the dmn-js viewer."""
    kontor = kontor_of(request)
    try:
        with kontor.bus.reading() as uow:
            deployment = kontor.rules.deployment(uow, caller, model_key, version)
            versions = kontor.rules.deployments(uow, caller, model_key)
    except KontorError:
        return _not_found(request, caller, "Dieses Entscheidungsmodell gibt es nicht.")
    model = parse_model((deployment.xml or "").encode("utf-8"), deployment.file_name)
    context = {
        "principal": caller,
        "deployment": deployment,
        "versions": sorted(v.version for v in versions),
        "decisions": decisions_of(model),
        "xml_url": f"/rules/models/{model_key}/{version}/model.dmn",
        "matched": {},
    }
    return render(request, "rulebook/model.html", context)


@router.get("/rules/models/{model_key}/{version}/model.dmn")
def model_xml(model_key: str, version: VersionPath, request: Request, caller: Reader) -> Response:
    """The DMN XML of one deployed version (for the viewer)."""
    kontor = kontor_of(request)
    try:
        with kontor.bus.reading() as uow:
            deployment = kontor.rules.deployment(uow, caller, model_key, version)
    except KontorError:
        return Response("not found", status_code=404, media_type="text/plain")
    return Response(deployment.xml or "", media_type="application/xml")


@router.get("/rules/decisions")
def records_page(request: Request, caller: Reader, hook: str | None = None) -> HTMLResponse:
    """The newest decisions taken through hook points (of one hook point, if chosen)."""
    kontor = kontor_of(request)
    with kontor.bus.reading() as uow:
        records = kontor.rules.records(uow, caller, hook or None, 100)
        hooks = [overview.point.name for overview in kontor.rules.hooks(uow, caller)]
    context = {"principal": caller, "records": records, "hooks": hooks, "hook": hook or ""}
    return render(request, "rulebook/records.html", context)


@router.get("/rules/decisions/{record_id}")
def record_page(record_id: str, request: Request, caller: Reader) -> HTMLResponse:
    """One decision: its inputs, output and explanation, the matched rules highlighted."""
    kontor = kontor_of(request)
    with kontor.bus.reading() as uow:
        record = decision_record(uow.connection, caller.tenant_id, record_id)
    if record is None:
        return _not_found(request, caller, "Diese Entscheidung gibt es nicht.")
    context = {
        "principal": caller,
        "record": record,
        "matched": matched_rules(record),
        "inputs_json": json.dumps(record.inputs, ensure_ascii=False, indent=2, default=str),
        "output_json": json.dumps(record.output, ensure_ascii=False, indent=2, default=str),
        "xml_url": f"/rules/models/{record.model_key}/{record.version}/model.dmn",
    }
    return render(request, "rulebook/record.html", context)


@router.post("/rules/models/{model_key}/{version}/scenarios")
async def run_scenarios(
    model_key: str,
    version: VersionPath,
    request: Request,
    caller: Annotated[Principal, page_requires("rules:evaluate")],
) -> HTMLResponse:
    """Run test scenarios (CSV, or a JSON list) pasted into the page against this version."""
    text = (await form_of(request)).get("scenarios", "").strip()
    if not text:
        return _report(request, problem="Bitte Testfälle eingeben (CSV oder JSON).", status=422)
    kontor = kontor_of(request)
    try:
        scenarios = (
            parse_json_scenarios(text) if text.startswith("[") else parse_csv_scenarios(text)
        )
        with kontor.bus.reading() as uow:
            report = kontor.rules.run_scenarios(uow, caller, model_key, version, scenarios)
    except KontorError as error:
        problem = f"Die Testfälle liefen nicht: {error.message}"
        if error.code == "rules.not_found":
            problem = "Dieses Entscheidungsmodell gibt es nicht."
        return _report(request, problem=problem, status=error.status)
    return _report(request, report=report.to_json())


def _report(
    request: Request,
    *,
    report: dict[str, Any] | None = None,
    problem: str | None = None,
    status: int = 200,
) -> HTMLResponse:
    context = {"report": report, "problem": problem}
    return render(request, "rulebook/model.html", context, block="scenario_report", status=status)
