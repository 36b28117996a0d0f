"""The underwriter's page for default values and automatic rejection criteria (Underwriter-App).

The forms write the app's decision tables (a new version, bound at once); the page reads back
what is bound, so an administrator's edits through the rules API show here too.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from kontor.api.wiring import kontor_of
from kontor.apps.portfolio_transfer import (
    FIELDS,
    LINES,
    CriteriaSet,
    Criterion,
    DefaultValue,
    Intake,
)
from kontor.apps.portfolio_transfer.intake_rules import NUMBER_OPERATORS
from kontor.errors import KontorError
from kontor.platform import Principal
from kontor.web.apps.portfolio_transfer.screens import APP, READ, SAVE
from kontor.web.messages import german_error
from kontor.web.pages.forms import form_of
from kontor.web.security import page_requires
from kontor.web.templating import render

INTAKE_PATH = f"{APP}/intake"
BLANK_DEFAULTS = 3
BLANK_CRITERIA = 4
router = APIRouter(include_in_schema=False)
NEEDS_READ, NEEDS_SAVE = page_requires(READ), page_requires(SAVE)


@dataclass
class SetRows:
    """A criteria set as the form shows it (with blank rows to add criteria)."""

    name: str
    criteria: list[Criterion] = field(default_factory=list)


def _intake(request: Request) -> Intake:
    app = kontor_of(request).portfolio_transfer
    if app is None:
        raise KontorError("Die Umdeckung ist nicht eingerichtet")
    return app.intake


def _shown(criterion: Criterion) -> Criterion:
    if criterion.field == "Sparte" and criterion.operator in ("=", "≠"):
        return Criterion(
            criterion.field, criterion.operator, LINES.get(criterion.value, criterion.value)
        )
    return criterion


def _line_code(value: str) -> str:
    words = {word.casefold(): code for code, word in LINES.items()}
    return words.get(value.strip().casefold(), value)


def _page(
    request: Request,
    caller: Principal,
    defaults: Sequence[DefaultValue] | None = None,
    sets: Sequence[CriteriaSet] | None = None,
    *,
    message: str | None = None,
    problem: str | None = None,
    status: int = 200,
) -> HTMLResponse:
    intake = _intake(request)
    if defaults is None or sets is None:
        with kontor_of(request).bus.reading() as uow:
            defaults = intake.defaults(uow, caller.tenant_id) if defaults is None else defaults
            sets = intake.criteria_sets(uow, caller.tenant_id) if sets is None else sets
    rows = [*defaults, *(DefaultValue("", "") for _ in range(BLANK_DEFAULTS))]
    blank = Criterion("", "=", "")
    shown = [
        SetRows(s.name, [*(_shown(c) for c in s.criteria), *([blank] * BLANK_CRITERIA)])
        for s in [*sets, CriteriaSet("", ())]
    ]
    values: dict[str, Any] = {
        "principal": caller, "path": INTAKE_PATH, "defaults": rows, "sets": shown,
        "fields": FIELDS, "settable": [f for f in FIELDS if f.settable], "lines": LINES,
        "operators": NUMBER_OPERATORS, "message": message, "problem": problem,
    }  # fmt: skip
    block = "intake_body" if request.headers.get("hx-request") else None
    return render(request, "transfer_intake.html", values, status=status, block=block)


def defaults_of(form: Mapping[str, str]) -> list[DefaultValue]:
    """The filled rows of the defaults form."""
    found = []
    index = 0
    while f"d{index}_field" in form:
        name, value = form[f"d{index}_field"], form.get(f"d{index}_value", "").strip()
        if name or value:
            overwrite = form.get(f"d{index}_mode") == "immer"
            found.append(DefaultValue(name, value, overwrite, form.get(f"d{index}_line") or None))
        index += 1
    return found


def sets_of(form: Mapping[str, str]) -> list[CriteriaSet]:
    """The filled criteria sets of the criteria form (blank ones left out)."""
    found = []
    index = 0
    while f"s{index}_name" in form:
        criteria = []
        number = 0
        while f"s{index}_c{number}_field" in form:
            at = f"s{index}_c{number}"
            name, value = form[f"{at}_field"], form.get(f"{at}_value", "").strip()
            if name or value:
                if name == "Sparte":
                    value = _line_code(value)
                criteria.append(Criterion(name, form.get(f"{at}_op", "="), value))
            number += 1
        set_name = form[f"s{index}_name"].strip()
        if set_name or criteria:
            found.append(CriteriaSet(set_name, tuple(criteria)))
        index += 1
    return found


@router.get(INTAKE_PATH)
def intake_page(request: Request, caller: Principal = NEEDS_READ) -> HTMLResponse:
    """The default values and the criteria sets, as forms."""
    try:
        return _page(request, caller)
    except KontorError as error:
        return render(
            request, "error.html", {"principal": caller, "message": german_error(error)},
            status=error.status,
        )  # fmt: skip


@router.post(f"{INTAKE_PATH}/defaults")
async def save_defaults(request: Request, caller: Principal = NEEDS_SAVE) -> HTMLResponse:
    """Save the default values (a new version of their decision table)."""
    given = defaults_of(await form_of(request))
    try:
        with kontor_of(request).bus.unit_of_work() as uow:
            _intake(request).save_defaults(uow, caller, given)
            uow.commit()
    except KontorError as error:
        return _page(
            request, caller, given, None, problem=f"Nicht gespeichert: {error.message}",
            status=error.status,
        )  # fmt: skip
    return _page(request, caller, message="Standardwerte gespeichert.")


@router.post(f"{INTAKE_PATH}/criteria")
async def save_criteria(request: Request, caller: Principal = NEEDS_SAVE) -> HTMLResponse:
    """Save the criteria sets (a new version of their decision table)."""
    given = sets_of(await form_of(request))
    try:
        with kontor_of(request).bus.unit_of_work() as uow:
            _intake(request).save_criteria(uow, caller, given)
            uow.commit()
    except KontorError as error:
        return _page(
            request, caller, None, given, problem=f"Nicht gespeichert: {error.message}",
            status=error.status,
        )  # fmt: skip
    return _page(request, caller, message="Ablehnungskriterien gespeichert.")
