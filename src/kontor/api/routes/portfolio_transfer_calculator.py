"""The tariff calculator (*Tarifrechner*) of an underwriting case and *Vorgangsdaten speichern*.

The insurer's underwriter calculates the chosen product, or every product side by side, with
changed inputs (nothing stored); saving the inputs overwrites the insurer's copy of the contract,
notes it in the protocol and calculates the case at once.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from kontor.api.body_routes import StrictJsonRoute
from kontor.api.exact_responses import ExactJSONResponse
from kontor.api.routes.portfolio_transfer import RequestOut
from kontor.api.security import requires
from kontor.api.wiring import kontor_of
from kontor.apps.portfolio_transfer import Calculator, SaveCaseInputs, TransferStore
from kontor.apps.portfolio_transfer.calculator import case_of, inputs_of
from kontor.errors import KontorError
from kontor.platform import Principal

router = APIRouter(
    prefix="/api/apps/portfolio-transfer/requests",
    tags=["portfolio-transfer"],
    route_class=StrictJsonRoute,
)
READ, SAVE = "app:portfolio_transfer:read", "app:portfolio_transfer:save"
Inputs = dict[Annotated[str, Field(max_length=40)], Annotated[str, Field(max_length=40)]]


class CalculatorIn(BaseModel):
    """The product to calculate (none: every product) and the changed inputs."""

    product: str | None = Field(default=None, max_length=40)
    inputs: Inputs = Field(default_factory=dict, max_length=10)


class CaseDataIn(BaseModel):
    """The changed inputs to save onto the case (*Vorgangsdaten speichern*)."""

    inputs: Inputs = Field(max_length=10)


def calculator_of(request: Request) -> Calculator:
    """The wired app's calculator."""
    app = kontor_of(request).portfolio_transfer
    if app is None:
        raise KontorError("Die Umdeckung ist nicht eingerichtet")
    return app.service.calculator


@router.get("/{request_id}/calculator")
def calculator_inputs(
    request_id: str, request: Request, caller: Annotated[Principal, requires(READ)]
) -> ExactJSONResponse:
    """The calculator prefilled with the case's data, and the tariff's products."""
    calculator = calculator_of(request)
    with kontor_of(request).bus.reading() as uow:
        case = case_of(uow, caller.tenant_id, request_id)
        inputs = inputs_of(calculator.facts(uow, case))
    return ExactJSONResponse(
        {"inputs": inputs, "product": case.line_of_business, "products": calculator.products()}
    )


@router.post("/{request_id}/calculator")
def calculate(
    request_id: str,
    body: CalculatorIn,
    request: Request,
    caller: Annotated[Principal, requires(SAVE)],
) -> ExactJSONResponse:
    """*Berechnung starten*: the chosen product, or all side by side; nothing is stored."""
    with kontor_of(request).bus.reading() as uow:
        inputs, results = calculator_of(request).calculate(
            uow, caller.tenant_id, request_id, body.product, body.inputs
        )
    return ExactJSONResponse({"inputs": inputs, "results": [r.to_json() for r in results]})


@router.post("/{request_id}/case-data")
def save_case_data(
    request_id: str,
    body: CaseDataIn,
    request: Request,
    caller: Annotated[Principal, requires(SAVE)],
) -> ExactJSONResponse:
    """*Vorgangsdaten speichern*: overwrite the insurer's copy and calculate the case."""
    kontor = kontor_of(request)
    kontor.bus.handle(
        SaveCaseInputs(
            tenant_id=caller.tenant_id, actor=caller.user_id, request_id=request_id,
            inputs=body.inputs,
        )
    )  # fmt: skip
    with kontor.bus.reading() as uow:
        found = TransferStore(uow.connection, caller.tenant_id).get(request_id)
    return ExactJSONResponse(RequestOut.of(found, caller.tenant_id))
