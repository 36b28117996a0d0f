"""Migrating a version's running instances to another version, with the mapping picked in the
target's diagram (``process:operate``); a check first (dry run), then the migration."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from kontor.api.body_routes import StrictJsonRoute
from kontor.api.params import VersionPath
from kontor.api.wiring import kontor_of
from kontor.db import reading
from kontor.errors import KontorError
from kontor.platform import Principal
from kontor.process import MigrateInstances
from kontor.process.store.queries import ProcessQueries
from kontor.web.cockpit.activities import process_model, targets
from kontor.web.cockpit.queries import definition_id_of, definition_marks
from kontor.web.messages import german_error
from kontor.web.pages.forms import form_of
from kontor.web.security import page_requires
from kontor.web.templating import render

router = APIRouter(route_class=StrictJsonRoute, include_in_schema=False)
Operator = Annotated[Principal, page_requires("process:operate")]
MAP_PREFIX = "map_"


def _page(
    request: Request, caller: Principal, key: str, version: int, target: int | None
) -> dict[str, Any] | None:
    with reading(kontor_of(request).engine) as connection:
        source_id = definition_id_of(connection, caller.tenant_id, key, version)
        if source_id is None:
            return None
        active = sorted(definition_marks(connection, caller.tenant_id, source_id).active)
        versions = [
            d.version for d in ProcessQueries(connection, caller.tenant_id).definitions(key)
        ]
        others = [v for v in versions if v != version]
        chosen = target if target in others else (max(others) if others else None)
        model = (
            ProcessQueries(connection, caller.tenant_id).definition(key, chosen)
            if chosen is not None
            else None
        )
    elements = targets(process_model(model.bpmn_xml, key)) if model else []
    known = {element_id for element_id, _ in elements}
    return {
        "principal": caller,
        "process_key": key,
        "version": version,
        "others": others,
        "target": chosen,
        "active": [
            (element_id, element_id if element_id in known else "") for element_id in active
        ],
        "elements": elements,
        "marks": {"active": {}, "incidents": {}, "completed": []},
        "xml_url": f"/cockpit/processes/{key}/{chosen}/diagram.bpmn",
    }


@router.get("/cockpit/processes/{process_key}/{version}/migration")
def migration_page(
    process_key: str,
    version: VersionPath,
    request: Request,
    caller: Operator,
    target: int | None = None,
) -> HTMLResponse:
    """The migration form: target version, its diagram and a mapping per active element."""
    context = _page(request, caller, process_key, version, target)
    if context is None:
        message = {"message": "Diese Prozessversion gibt es nicht.", "principal": caller}
        return render(request, "error.html", message, status=404)
    return render(request, "cockpit/migration.html", context)


@router.post("/cockpit/processes/{process_key}/{version}/migration")
async def migrate(
    process_key: str, version: VersionPath, request: Request, caller: Operator
) -> HTMLResponse:
    """Check (``check``) or carry out the migration; answers the report per instance."""
    with reading(kontor_of(request).engine) as connection:
        known = definition_id_of(connection, caller.tenant_id, process_key, version)
    if known is None:  # another tenant's version, or none at all
        return _report(request, problem="Diese Prozessversion gibt es nicht.", status=404)
    form = await form_of(request)
    try:
        target = int(form.get("target", ""))
    except ValueError:
        return _report(request, problem="Bitte die Zielversion wählen.", status=422)
    mapping = {
        name.removeprefix(MAP_PREFIX): value
        for name, value in form.items()
        if name.startswith(MAP_PREFIX) and value
    }
    command = MigrateInstances(
        tenant_id=caller.tenant_id, process_key=process_key, source_version=version,
        target_version=target, mapping=mapping, dry_run=form.get("mode") == "check",
        actor=caller.user_id,
    )  # fmt: skip
    try:
        report = kontor_of(request).bus.handle(command)
    except KontorError as error:
        problems = [str(problem) for problem in error.details.get("problems", [])]
        return _report(request, problem=german_error(error), problems=problems, status=error.status)
    return _report(request, report=report)


def _report(
    request: Request,
    *,
    report: Any = None,
    problem: str | None = None,
    problems: list[str] | None = None,
    status: int = 200,
) -> HTMLResponse:
    context = {"report": report, "problem": problem, "problems": problems or []}
    return render(request, "cockpit/migration.html", context, block="report", status=status)
