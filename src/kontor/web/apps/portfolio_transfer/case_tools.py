"""The underwriter's tools on a Zeichnungsvorgang: the tariff calculator (*Tarifrechner*) with
*Berechnung starten* and *Vorgangsdaten speichern*, and the discount override for one or many
selected cases with a result per row."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qsl

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import select

from kontor.api.wiring import kontor_of
from kontor.apps.portfolio_transfer import (
    FIELDS,
    ActOnTransferRequest,
    Calculator,
    ProductResult,
    SaveCaseInputs,
    TransferRequest,
)
from kontor.apps.portfolio_transfer.calculator import INPUTS, case_of, inputs_of
from kontor.apps.portfolio_transfer.intake_rules import number_of
from kontor.db import reading
from kontor.errors import KontorError
from kontor.messaging import Command
from kontor.platform import Principal
from kontor.web.apps.portfolio_transfer.queries import request_rows
from kontor.web.apps.portfolio_transfer.screens import APP, READ, SAVE
from kontor.web.messages import german_error
from kontor.web.pages.forms import form_of
from kontor.web.security import page_requires
from kontor.web.templating import render
from kontor.web.views import ViewContext

CALCULATOR_PATH = f"{APP}/calculator"
OVERRIDE_PATH = f"{APP}/cases/override"
LABELS = {f.name: f.label for f in FIELDS}
router = APIRouter(include_in_schema=False)
NEEDS_READ, NEEDS_SAVE = page_requires(READ), page_requires(SAVE)


def calculator_links(item: Mapping[str, Any]) -> list[tuple[str, str]]:
    """The submenu of a request's page: the Tarifrechner once it has an underwriting case."""
    if item.get("case_status"):
        return [("Tarifrechner", f"{CALCULATOR_PATH}/{item['id']}")]
    return []


def _calculator(request: Request) -> Calculator:
    app = kontor_of(request).portfolio_transfer
    if app is None:
        raise KontorError("Die Umdeckung ist nicht eingerichtet")
    return app.service.calculator


def _shown(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return format(value.normalize(), "f") if value else "0"
    return str(value)


def _same(name: str, given: str, current: Any) -> bool:
    """Whether the calculator's ``given`` input equals the case's ``current`` value."""
    if name == "Gefahren":
        return sorted(given.upper()) == sorted(str(current or "").upper())
    number = number_of(given)
    if number is not None and current is not None:
        return number == Decimal(str(current))
    return given == _shown(current)


def _said(error: KontorError) -> str:
    """The error in German; another tenant's (or no) request does not exist."""
    if error.status == 404:
        return "Diese Umdeckungsanfrage gibt es nicht."
    return german_error(error)


def _problem_page(request: Request, caller: Principal, error: KontorError) -> HTMLResponse:
    values = {"principal": caller, "message": _said(error)}
    return render(request, "error.html", values, status=error.status)


def _calculator_page(request: Request, caller: Principal, request_id: str) -> HTMLResponse:
    calculator = _calculator(request)
    with kontor_of(request).bus.reading() as uow:
        case = case_of(uow, caller.tenant_id, request_id)
        current = inputs_of(calculator.facts(uow, case))
    values: dict[str, Any] = {
        "principal": caller, "case": case, "path": f"{CALCULATOR_PATH}/{request_id}",
        "inputs": {name: _shown(current[name]) for name in INPUTS}, "labels": LABELS,
        "products": calculator.products(), "product": case.line_of_business,
        "detail": f"{APP}/request/{request_id}",
    }  # fmt: skip
    return render(request, "transfer_calculator.html", values)


def _result(
    request: Request,
    request_id: str,
    *,
    results: list[ProductResult] | None = None,
    message: str | None = None,
    problem: str | None = None,
    status: int = 200,
) -> HTMLResponse:
    """The Prämienübersicht (or the message, or the problem) below the calculator's form."""
    values: dict[str, Any] = {
        "path": f"{CALCULATOR_PATH}/{request_id}", "results": results, "message": message,
        "problem": problem,
    }  # fmt: skip
    return render(request, "transfer_calculator.html", values, status=status, block="result")


def _given(form: Mapping[str, str]) -> tuple[str, dict[str, str]]:
    inputs = {name: form.get(f"in_{name}", "").strip() for name in INPUTS}
    return form.get("product", ""), {name: value for name, value in inputs.items() if value}


@router.get(f"{CALCULATOR_PATH}/{{request_id}}")
def calculator_page(
    request_id: str, request: Request, caller: Principal = NEEDS_READ
) -> HTMLResponse:
    """The Tarifrechner prefilled with the case's data."""
    try:
        return _calculator_page(request, caller, request_id)
    except KontorError as error:
        return _problem_page(request, caller, error)


@router.post(f"{CALCULATOR_PATH}/{{request_id}}/calculate")
async def calculate(
    request_id: str, request: Request, caller: Principal = NEEDS_SAVE
) -> HTMLResponse:
    """*Berechnung starten*: the chosen product, or all products side by side (the
    Prämienübersicht); nothing is stored."""
    product, inputs = _given(await form_of(request))
    try:
        with kontor_of(request).bus.reading() as uow:
            _, results = _calculator(request).calculate(
                uow, caller.tenant_id, request_id, product or None, inputs
            )
    except KontorError as error:
        return _result(request, request_id, problem=_said(error), status=error.status)
    return _result(request, request_id, results=results)


@router.post(f"{CALCULATOR_PATH}/{{request_id}}/save")
async def save_inputs(
    request_id: str, request: Request, caller: Principal = NEEDS_SAVE
) -> HTMLResponse:
    """*Vorgangsdaten speichern*: the changed inputs onto the case, then its calculation."""
    _, inputs = _given(await form_of(request))
    kontor = kontor_of(request)
    try:
        with kontor.bus.reading() as uow:
            current = inputs_of(
                _calculator(request).facts(uow, case_of(uow, caller.tenant_id, request_id))
            )
        changed = {k: v for k, v in inputs.items() if not _same(k, v, current[k])}
        kontor.bus.handle(
            SaveCaseInputs(
                tenant_id=caller.tenant_id, actor=caller.user_id, request_id=request_id,
                inputs=changed,
            )
        )  # fmt: skip
    except KontorError as error:
        return _result(request, request_id, problem=_said(error), status=error.status)
    with kontor.bus.reading() as uow:
        case = case_of(uow, caller.tenant_id, request_id)
    words = ", ".join(f"{LABELS[k]} {v}" for k, v in changed.items())
    message = f"Vorgangsdaten gespeichert ({words}); Zeichnungsvorgang: {case.case_status}"
    return _result(request, request_id, message=message)


# ------------------------------------------------------------ discount override


@dataclass(frozen=True)
class OverrideResult:
    """One selected case's outcome of the override."""

    title: str
    ok: bool
    message: str


def _cases(request: Request, caller: Principal) -> list[dict[str, Any]]:
    context = ViewContext(kontor_of(request), caller, kontor_of(request).clock.now())
    rows = request_rows(context, "insurer", with_case=True).subquery()
    with reading(kontor_of(request).engine) as connection:
        found = connection.execute(select(rows).order_by(rows.c.created_at)).mappings()
        return [dict(row) for row in found]


def _outcome(title: str, outcome: object) -> OverrideResult:
    if isinstance(outcome, KontorError):
        return OverrideResult(title, False, german_error(outcome))
    if isinstance(outcome, Exception):
        raise outcome
    if not isinstance(outcome, TransferRequest):
        return OverrideResult(title, False, "Nicht gefunden.")
    calculation = outcome.calculation or {}
    if outcome.case_status != "Berechnung erfolgreich":
        messages = "; ".join(outcome.provider_messages)
        return OverrideResult(title, False, f"{outcome.case_status}: {messages}")
    condition, premium = calculation.get("condition_percent"), calculation.get("premium")
    return OverrideResult(title, True, f"Kondition {condition} %, Prämie {premium} EUR")


@router.get(OVERRIDE_PATH)
def override_page(request: Request, caller: Principal = NEEDS_SAVE) -> HTMLResponse:
    """The discount override: a condition in percent for the selected cases."""
    chosen = {value for key, value in parse_qsl(request.url.query) if key == "ids"}
    values = {"principal": caller, "cases": _cases(request, caller), "chosen": chosen,
              "path": OVERRIDE_PATH, "back": f"{APP}/cases"}  # fmt: skip
    return render(request, "transfer_override.html", values)


@router.post(OVERRIDE_PATH)
async def override(request: Request, caller: Principal = NEEDS_SAVE) -> HTMLResponse:
    """Override the condition of every selected case; one result per case."""
    body = (await request.body()).decode("utf-8", "replace")
    pairs = parse_qsl(body, keep_blank_values=True)
    ids = [value for key, value in pairs if key == "ids" and value][:1000]
    given = next((value for key, value in pairs if key == "condition_percent"), "").strip()
    percent = number_of(given) if given else None
    values: dict[str, Any] = {"principal": caller, "path": OVERRIDE_PATH, "back": f"{APP}/cases"}
    problem = None
    if percent is None or not Decimal(-100) <= percent <= Decimal(1000):
        problem = "Bitte die Kondition in Prozent angeben (z. B. -5 für 5 % Rabatt)."
    elif not ids:
        problem = "Bitte mindestens einen Zeichnungsvorgang auswählen."
    if problem is not None:
        values["problem"] = problem
        return render(request, "transfer_override.html", values, status=422, block="result")
    titles = {str(row["id"]): str(row["contract"]) for row in _cases(request, caller)}
    commands: list[Command] = [
        ActOnTransferRequest(
            tenant_id=caller.tenant_id, actor=caller.user_id, request_id=request_id,
            action="override_condition", condition_percent=percent,
        )
        for request_id in ids
    ]  # fmt: skip
    outcomes = kontor_of(request).bus.handle_all(commands)
    values["results"] = [
        _outcome(titles.get(request_id, request_id), outcome)
        if request_id in titles
        else OverrideResult(request_id, False, "Nicht gefunden.")
        for request_id, outcome in zip(ids, outcomes, strict=True)
    ]
    return render(request, "transfer_override.html", values, block="result")
