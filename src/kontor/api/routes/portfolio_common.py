"""What the portfolio routes share: answers with exact money, change bodies, page shapes."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from pydantic import BaseModel, ConfigDict, Field

from kontor.api.exact_responses import ExactJSONResponse
from kontor.api.wiring import kontor_of
from kontor.messaging import Command
from kontor.platform import Principal
from kontor.portfolio import (
    BankAccount,
    BankAccountFields,
    Claim,
    ClaimFields,
    ClaimsRatio,
    ClaimsRatioFields,
    Contract,
    ContractFields,
    Customer,
    CustomerFields,
    Page,
    data_of,
    line_label,
    origin_data,
)


class ChangeIn(BaseModel):
    """The version the entity was read at and the fields to change; fields left out stay."""

    model_config = ConfigDict(extra="allow")

    version: int = Field(ge=1, description="the version read; a newer one answers 409")

    def changes(self) -> dict[str, Any]:
        """The fields to change."""
        return dict(self.model_extra or {})


class PageOut(BaseModel):
    """One page in creation order; pass ``next_cursor`` as ``after`` for the next page."""

    items: list[dict[str, Any]]
    next_cursor: str | None


def handle(request: Request, command: Command) -> Any:
    """Handle ``command`` on the bus; what its handler returned."""
    return kontor_of(request).bus.handle(command)


def on_behalf(caller: Principal) -> dict[str, Any]:
    """The envelope of a command made by ``caller``."""
    return {"tenant_id": caller.tenant_id, "actor": caller.user_id}


def answer(body: Any, status_code: int = 200) -> ExactJSONResponse:
    """A JSON answer that keeps money exact."""
    return ExactJSONResponse(body, status_code=status_code)


def page_answer(page: Page[Any], shape: Any) -> ExactJSONResponse:
    """A page of entities, each in its answer shape."""
    return answer({"items": [shape(item) for item in page.items], "next_cursor": page.next_cursor})


def _common(entity: Any) -> dict[str, Any]:
    return {"version": entity.version, "origin": origin_data(entity.origin)}


def customer_out(customer: Customer) -> dict[str, Any]:
    """A customer as answered."""
    return {
        "customer_id": customer.customer_id, "display_name": customer.display_name,
        **data_of(customer, CustomerFields), **_common(customer),
    }  # fmt: skip


def bank_account_out(account: BankAccount) -> dict[str, Any]:
    """A bank account as answered."""
    return {
        "account_id": account.account_id, "customer_id": account.customer_id,
        **data_of(account, BankAccountFields), **_common(account),
    }  # fmt: skip


def contract_out(contract: Contract) -> dict[str, Any]:
    """A contract as answered, with our and the German name of its line of business."""
    return {
        "contract_id": contract.contract_id, "customer_id": contract.customer_id,
        "line_of_business": contract.line_of_business,
        "line_of_business_label": line_label(contract.line_of_business_code),
        **data_of(contract, ContractFields), **_common(contract),
    }  # fmt: skip


def claim_out(claim: Claim) -> dict[str, Any]:
    """A claim as answered."""
    return {
        "claim_id": claim.claim_id, "contract_id": claim.contract_id,
        **data_of(claim, ClaimFields), **_common(claim),
    }  # fmt: skip


def claims_ratio_out(ratio: ClaimsRatio) -> dict[str, Any]:
    """A claims ratio as answered."""
    return {"ratio_id": ratio.ratio_id, **data_of(ratio, ClaimsRatioFields), **_common(ratio)}
