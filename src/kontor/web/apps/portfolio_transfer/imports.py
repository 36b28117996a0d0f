"""Datenimport: upload a GDV file, watch the runs step by step (k/9), read a run's contracts."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import ColumnElement, Select, String, case, cast, literal, select

from kontor.api.body_routes import StreamingUploadRoute
from kontor.api.routes.portfolio_imports import upload_gdv_file
from kontor.db import reading
from kontor.errors import KontorError
from kontor.exchange.pipeline import RunItems, RunStore
from kontor.exchange.pipeline.tables import exchange_runs
from kontor.platform import Principal
from kontor.portfolio import GDV_IMPORT, GDV_PIPELINE
from kontor.web.apps.portfolio_transfer.screens import APP
from kontor.web.i18n import translated
from kontor.web.messages import german_error
from kontor.web.security import page_requires
from kontor.web.templating import render
from kontor.web.views import Column, DetailView, Kind, Section, TableView, ViewContext

IMPORT = "portfolio:import"
UPLOAD_PATH = f"{APP}/imports/upload"
RUN_WORDS = {"waiting": "wartet", "running": "läuft", "done": "fertig", "failed": "fehlgeschlagen"}
COUNT_WORDS = (
    ("contracts", "Verträge in der Datei"),
    ("skipped", "übersprungen"),
    ("customers_created", "Kunden neu"),
    ("contracts_created", "Verträge neu"),
    ("contracts_updated", "Verträge aktualisiert"),
    ("merged", "zusammengeführt"),
    ("warnings", "Warnungen"),
)
"""The counts a run shows, in this order, with their German words."""

router = APIRouter(route_class=StreamingUploadRoute, include_in_schema=False)
NEEDS_IMPORT = page_requires(IMPORT)


def _step_text() -> ColumnElement[Any]:
    r = exchange_runs.c
    labels = {step.number: step.label for step in (*GDV_PIPELINE.steps, *GDV_PIPELINE.errors)}
    label = case(labels, value=r.step_number, else_=r.step_name)
    text: ColumnElement[Any] = (
        literal("Schritt ") + cast(r.step_number, String) + literal(f"/{GDV_PIPELINE.last}: ")
        + label
    )  # fmt: skip
    return text


def import_rows(context: ViewContext, filters: Mapping[str, str]) -> Select[Any]:
    """The tenant's GDV import runs."""
    del filters
    r = exchange_runs.c
    return select(
        r.run_id.label("id"),
        r.file_name.label("file_name"),
        r.status.label("status"),
        _step_text().label("step"),
        r.counts["contracts"].as_string().label("contracts"),
        r.counts["contracts_created"].as_string().label("created"),
        r.error_message.label("error"),
        r.created_at.label("created_at"),
    ).where(r.tenant_id == context.principal.tenant_id, r.kind == GDV_IMPORT)


IMPORTS = TableView(
    name="datenimport",
    path=f"{APP}/imports",
    title="Importläufe",
    permission=IMPORT,
    columns=(
        Column("file_name", "Datei"),
        Column("status", "Stand", Kind.BADGE, labels=RUN_WORDS),
        Column("step", "Schritt"),
        Column("contracts", "Verträge in der Datei", Kind.NUMBER),
        Column("created", "Verträge neu", Kind.NUMBER),
        Column("error", "Fehler"),
        Column("created_at", "Hochgeladen am", Kind.DATETIME, sortable=True),
    ),
    rows=import_rows,
    default_sort="-created_at",
    search_fields=("file_name", "step", "error"),
    detail_url=lambda row: f"{APP}/import/{row['id']}",
)
"""The GDV import runs with their step k/9 and counts."""


def load_run(context: ViewContext, run_id: str) -> Mapping[str, Any] | None:
    """A run of the caller's tenant with its counts in words; None when there is none."""
    with reading(context.kontor.engine) as connection:
        query = import_rows(context, {}).where(exchange_runs.c.run_id == run_id)
        row = connection.execute(query).mappings().one_or_none()
        if row is None:
            return None
        run = RunStore(connection, context.principal.tenant_id).get(run_id, GDV_IMPORT)
    counts = ", ".join(
        f"{translated(context.language, word)}: {run.counts[key]}"
        for key, word in COUNT_WORDS
        if key in run.counts
    )
    return {**row, "counts": counts, "suggestion": run.error_suggestion}


def run_contracts(context: ViewContext, run_id: str) -> Sequence[Mapping[str, Any]]:
    """The contracts of the run's file (from step 5/9 on): loaded or skipped with the reason."""
    with reading(context.kontor.engine) as connection:
        items = RunItems(connection, context.principal.tenant_id).page(run_id, after=0, limit=500)
    return [
        {"line": i.line, "policy_number": i.item_key, "outcome": i.outcome, "reason": i.reason}
        for i in items
    ]


IMPORT_RUN = DetailView(
    name="importlauf",
    path=f"{APP}/import",
    permission=IMPORT,
    title_field="file_name",
    load=load_run,
    fields=(
        Column("status", "Stand", Kind.BADGE, labels=RUN_WORDS),
        Column("step", "Schritt"),
        Column("counts", "Zahlen"),
        Column("error", "Fehler"),
        Column("suggestion", "Was tun"),
        Column("created_at", "Hochgeladen am", Kind.DATETIME),
    ),
    sections=(
        Section(
            "Verträge der Datei",
            (
                Column("line", "Zeile", Kind.NUMBER),
                Column("policy_number", "Versicherungsscheinnummer"),
                Column("outcome", "Ergebnis"),
                Column("reason", "Grund"),
            ),
            run_contracts,
        ),
    ),
    back=("Zu den Importläufen", f"{APP}/imports"),
    not_found="Diesen Importlauf gibt es nicht.",
    id_name="run_id",
)
"""One import run: its step, counts, error with advice, and the contracts of its file."""


def upload_problem(error: KontorError) -> str:
    """Why an upload was refused, in German."""
    if error.code == "exchange.file_too_large":
        megabytes = int(error.details.get("limit_bytes", 0)) / (1024 * 1024)
        return (
            f"Die Datei ist größer als {megabytes:.0f} MB. Bitte teilen Sie sie in kleinere "
            "Dateien und laden Sie diese nacheinander hoch."
        )
    if error.details.get("field") in ("file", "body"):
        return "Bitte eine GDV-Datei wählen (die gesendete Datei ist leer oder fehlt)."
    return german_error(error)


@router.get(UPLOAD_PATH)
def upload_form(request: Request, caller: Principal = NEEDS_IMPORT) -> HTMLResponse:
    """The Datenimport page: a form for a GDV file."""
    return render(request, "gdv_upload.html", {"principal": caller, "runs": IMPORTS.path})


@router.post(UPLOAD_PATH)
async def upload(request: Request, caller: Principal = NEEDS_IMPORT) -> HTMLResponse:
    """Take the file (streamed, size-limited) and start its run; then show the runs."""
    try:
        run = await upload_gdv_file(request, caller)
    except KontorError as error:
        values = {"principal": caller, "runs": IMPORTS.path, "problem": upload_problem(error)}
        return render(request, "gdv_upload.html", values, status=error.status, block="result")
    values = {"principal": caller, "runs": IMPORTS.path, "uploaded": run}
    return render(request, "gdv_upload.html", values, block="result")
