"""The insurer's intake rules of the Umdeckung app: default values and rejection criteria.

Saving deploys a new version of the rule's DMN table and binds it to the app's hook point
(``portfolio_transfer.default_values``, ``portfolio_transfer.auto_reject``); administrators
may edit the same tables through ``/api/rules``.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from kontor.api.body_routes import StrictJsonRoute
from kontor.api.exact_responses import ExactJSONResponse
from kontor.api.security import requires
from kontor.api.wiring import kontor_of
from kontor.apps.portfolio_transfer import FIELDS, CriteriaSet, Criterion, DefaultValue, Intake
from kontor.errors import KontorError
from kontor.platform import Principal

router = APIRouter(
    prefix="/api/apps/portfolio-transfer/settings",
    tags=["portfolio-transfer"],
    route_class=StrictJsonRoute,
)
READ, SAVE = "app:portfolio_transfer:read", "app:portfolio_transfer:save"
MAX_ROWS = 200
Text = Annotated[str, Field(max_length=200)]


class DefaultIn(BaseModel):
    """A *Standardwert*: fill ``field`` with ``value`` when empty, or always (``overwrite``)."""

    field: Text
    value: Text
    overwrite: bool = False
    line: Text | None = None


class DefaultsIn(BaseModel):
    """All default values of the insurer (replacing the previous ones)."""

    items: list[DefaultIn] = Field(max_length=MAX_ROWS)


class CriterionIn(BaseModel):
    """One criterion: field, operator (= ≠ < ≤ > ≥ FEEL) and value."""

    field: Text
    operator: Annotated[str, Field(max_length=4)]
    value: Text


class CriteriaSetIn(BaseModel):
    """A named criteria set: all criteria must match."""

    name: Text
    criteria: list[CriterionIn] = Field(max_length=len(FIELDS))


class CriteriaIn(BaseModel):
    """All criteria sets of the insurer (replacing the previous ones)."""

    items: list[CriteriaSetIn] = Field(max_length=MAX_ROWS)


def intake_of(request: Request) -> Intake:
    """The wired app's intake rules."""
    app = kontor_of(request).portfolio_transfer
    if app is None:
        raise KontorError("Die Umdeckung ist nicht eingerichtet")
    return app.intake


def defaults_out(defaults: list[DefaultValue]) -> dict[str, Any]:
    """The response body of the default values."""
    return {"items": [vars(d) for d in defaults]}


def criteria_out(sets: list[CriteriaSet]) -> dict[str, Any]:
    """The response body of the criteria sets."""
    return {"items": [{"name": s.name, "criteria": [vars(c) for c in s.criteria]} for s in sets]}


@router.get("/default-values")
def read_defaults(
    request: Request, caller: Annotated[Principal, requires(READ)]
) -> ExactJSONResponse:
    """The insurer's default values for incoming contracts (*Standardwerte*)."""
    with kontor_of(request).bus.reading() as uow:
        found = intake_of(request).defaults(uow, caller.tenant_id)
    return ExactJSONResponse(defaults_out(found))


@router.put("/default-values")
def save_defaults(
    body: DefaultsIn, request: Request, caller: Annotated[Principal, requires(SAVE)]
) -> ExactJSONResponse:
    """Replace the default values (a new version of the table, bound at once)."""
    given = [DefaultValue(d.field, d.value, d.overwrite, d.line or None) for d in body.items]
    with kontor_of(request).bus.unit_of_work() as uow:
        saved = intake_of(request).save_defaults(uow, caller, given)
        uow.commit()
    return ExactJSONResponse(defaults_out(saved))


@router.get("/rejection-criteria")
def read_criteria(
    request: Request, caller: Annotated[Principal, requires(READ)]
) -> ExactJSONResponse:
    """The insurer's criteria sets for automatic rejection."""
    with kontor_of(request).bus.reading() as uow:
        found = intake_of(request).criteria_sets(uow, caller.tenant_id)
    return ExactJSONResponse(criteria_out(found))


@router.put("/rejection-criteria")
def save_criteria(
    body: CriteriaIn, request: Request, caller: Annotated[Principal, requires(SAVE)]
) -> ExactJSONResponse:
    """Replace the criteria sets (a new version of the table, bound at once)."""
    given = [
        CriteriaSet(s.name, tuple(Criterion(c.field, c.operator, c.value) for c in s.criteria))
        for s in body.items
    ]
    with kontor_of(request).bus.unit_of_work() as uow:
        saved = intake_of(request).save_criteria(uow, caller, given)
        uow.commit()
    return ExactJSONResponse(criteria_out(saved))
