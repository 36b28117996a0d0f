"""Portfolio contracts with their claims, and claims ratios: list, read, add, change, delete."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import StreamingResponse
from pydantic import Field

from kontor.api.body_routes import StrictJsonRoute
from kontor.api.downloads import download
from kontor.api.exact_responses import ExactJSONResponse
from kontor.api.routes.portfolio_common import (
    ChangeIn,
    PageOut,
    answer,
    claim_out,
    claims_ratio_out,
    contract_out,
    handle,
    on_behalf,
    page_answer,
)
from kontor.api.security import requires
from kontor.api.wiring import kontor_of
from kontor.db import reading
from kontor.exchange.tabular import CSV_MEDIA_TYPE, csv_lines
from kontor.platform import Principal
from kontor.portfolio import (
    AddContract,
    ChangeClaim,
    ChangeClaimsRatio,
    ChangeContract,
    Claim,
    ClaimFields,
    ClaimsRatio,
    ClaimsRatioFields,
    Contract,
    ContractFields,
    ContractStatus,
    DeleteClaim,
    DeleteClaimsRatio,
    DeleteContract,
    PortfolioEntityNotFound,
    PortfolioStore,
    RatioScope,
    RecordClaim,
    RecordClaimsRatio,
)
from kontor.portfolio.export import contract_rows
from kontor.portfolio.store import contract_search

router = APIRouter(prefix="/api/portfolio", tags=["portfolio"], route_class=StrictJsonRoute)
Limit = Annotated[int, Query(ge=1, le=500)]


class ContractIn(ContractFields):
    """A new contract of the customer ``customer_id``."""

    customer_id: str = Field(min_length=1, max_length=36)


def _contract(request: Request, tenant_id: str, contract_id: str) -> dict[str, Any]:
    with kontor_of(request).bus.unit_of_work() as uow:
        store = PortfolioStore(uow.connection, tenant_id)
        contract = store.contracts.get(contract_id)
        claims = store.claims.page(500, equal={"contract_id": contract_id}).items
    return contract_out(contract) | {"claims": [claim_out(claim) for claim in claims]}


def _claim(request: Request, tenant_id: str, contract_id: str, claim_id: str) -> Claim:
    with kontor_of(request).bus.unit_of_work() as uow:
        claim = PortfolioStore(uow.connection, tenant_id).claims.get(claim_id)
    if claim.contract_id != contract_id:
        raise PortfolioEntityNotFound(f"claim {claim_id!r} not found", entity="claim", id=claim_id)
    return claim


def _present(**values: Any) -> dict[str, Any]:
    return {name: value for name, value in values.items() if value is not None}


@router.get("/contracts", response_model=PageOut)
def list_contracts(
    request: Request,
    caller: Annotated[Principal, requires("portfolio:read")],
    q: Annotated[str | None, Query(description="part of policy number or insurer name")] = None,
    customer_id: str | None = None,
    line_of_business_code: str | None = None,
    insurer_number: str | None = None,
    policy_number: str | None = None,
    status: ContractStatus | None = None,
    after: str | None = None,
    limit: Limit = 50,
) -> ExactJSONResponse:
    """The tenant's contracts in creation order, filtered and searched."""
    equal = _present(
        customer_id=customer_id, line_of_business_code=line_of_business_code,
        insurer_number=insurer_number, policy_number=policy_number,
        status=status.value if status else None,
    )  # fmt: skip
    with kontor_of(request).bus.unit_of_work() as uow:
        page = PortfolioStore(uow.connection, caller.tenant_id).contracts.page(
            limit, after, equal, contract_search(q) if q else None
        )
    return page_answer(page, contract_out)


@router.get("/contracts/export", response_model=None)
def export_contracts(
    request: Request,
    caller: Annotated[Principal, requires("portfolio:export")],
    q: Annotated[str | None, Query(description="part of policy number or insurer name")] = None,
    customer_id: str | None = None,
    line_of_business_code: str | None = None,
    insurer_number: str | None = None,
    status: ContractStatus | None = None,
) -> StreamingResponse:
    """The tenant's contracts matching the filters with their customer, as CSV (streamed)."""
    equal = _present(
        customer_id=customer_id, line_of_business_code=line_of_business_code,
        insurer_number=insurer_number, status=status.value if status else None,
    )  # fmt: skip
    engine = kontor_of(request).engine

    def lines() -> Iterator[str]:
        with reading(engine) as connection:
            store = PortfolioStore(connection, caller.tenant_id)
            search = (lambda: contract_search(q)) if q else None
            yield from csv_lines(contract_rows(store, equal, search))

    return download(lines(), f"vertraege-{caller.tenant_id}.csv", CSV_MEDIA_TYPE)


@router.post("/contracts", status_code=201)
def add_contract(
    request: Request, given: ContractIn, caller: Annotated[Principal, requires("portfolio:write")]
) -> ExactJSONResponse:
    """Add a contract of one of the tenant's customers, with its line-of-business details."""
    fields = ContractFields(**given.model_dump(exclude={"customer_id"}, exclude_unset=True))
    contract: Contract = handle(
        request, AddContract(**on_behalf(caller), customer_id=given.customer_id, contract=fields)
    )
    return answer(_contract(request, caller.tenant_id, contract.contract_id), 201)


@router.get("/contracts/{contract_id}")
def show_contract(
    contract_id: str, request: Request, caller: Annotated[Principal, requires("portfolio:read")]
) -> ExactJSONResponse:
    """A contract with its details and claims."""
    return answer(_contract(request, caller.tenant_id, contract_id))


@router.patch("/contracts/{contract_id}")
def change_contract(
    contract_id: str,
    given: ChangeIn,
    request: Request,
    caller: Annotated[Principal, requires("portfolio:write")],
) -> ExactJSONResponse:
    """Change the fields given (``customer_id`` moves it); a stale ``version`` answers 409."""
    handle(request, ChangeContract(
        **on_behalf(caller), contract_id=contract_id, version=given.version,
        changes=given.changes(),
    ))  # fmt: skip
    return answer(_contract(request, caller.tenant_id, contract_id))


@router.delete("/contracts/{contract_id}", status_code=204)
def delete_contract(
    contract_id: str, request: Request, caller: Annotated[Principal, requires("portfolio:delete")]
) -> Response:
    """Delete a contract with its claims and ratios, and every copy of them in other tenants."""
    handle(request, DeleteContract(**on_behalf(caller), contract_id=contract_id))
    return Response(status_code=204)


@router.get("/contracts/{contract_id}/claims", response_model=PageOut)
def list_claims(
    contract_id: str, request: Request, caller: Annotated[Principal, requires("portfolio:read")]
) -> ExactJSONResponse:
    """The contract's claims."""
    with kontor_of(request).bus.unit_of_work() as uow:
        store = PortfolioStore(uow.connection, caller.tenant_id)
        store.contracts.get(contract_id)
        page = store.claims.page(500, equal={"contract_id": contract_id})
    return page_answer(page, claim_out)


@router.post("/contracts/{contract_id}/claims", status_code=201)
def record_claim(
    contract_id: str,
    given: ClaimFields,
    request: Request,
    caller: Annotated[Principal, requires("portfolio:write")],
) -> ExactJSONResponse:
    """Record a claim under the contract."""
    claim: Claim = handle(
        request, RecordClaim(**on_behalf(caller), contract_id=contract_id, claim=given)
    )
    return answer(claim_out(claim), 201)


@router.get("/contracts/{contract_id}/claims/{claim_id}")
def show_claim(
    contract_id: str,
    claim_id: str,
    request: Request,
    caller: Annotated[Principal, requires("portfolio:read")],
) -> ExactJSONResponse:
    """One claim of the contract."""
    return answer(claim_out(_claim(request, caller.tenant_id, contract_id, claim_id)))


@router.patch("/contracts/{contract_id}/claims/{claim_id}")
def change_claim(
    contract_id: str,
    claim_id: str,
    given: ChangeIn,
    request: Request,
    caller: Annotated[Principal, requires("portfolio:write")],
) -> ExactJSONResponse:
    """Change the fields given; a stale ``version`` answers 409."""
    _claim(request, caller.tenant_id, contract_id, claim_id)
    claim: Claim = handle(request, ChangeClaim(
        **on_behalf(caller), claim_id=claim_id, version=given.version, changes=given.changes(),
    ))  # fmt: skip
    return answer(claim_out(claim))


@router.delete("/contracts/{contract_id}/claims/{claim_id}", status_code=204)
def delete_claim(
    contract_id: str,
    claim_id: str,
    request: Request,
    caller: Annotated[Principal, requires("portfolio:delete")],
) -> Response:
    """Delete a claim and its copies."""
    _claim(request, caller.tenant_id, contract_id, claim_id)
    handle(request, DeleteClaim(**on_behalf(caller), claim_id=claim_id))
    return Response(status_code=204)


@router.get("/claims-ratios", response_model=PageOut)
def list_claims_ratios(
    request: Request,
    caller: Annotated[Principal, requires("portfolio:read")],
    scope: RatioScope | None = None,
    contract_id: str | None = None,
    insurer_number: str | None = None,
    line_of_business_code: str | None = None,
    after: str | None = None,
    limit: Limit = 50,
) -> ExactJSONResponse:
    """The tenant's claims ratios in creation order, filtered."""
    equal = _present(
        scope=scope.value if scope else None, contract_id=contract_id,
        insurer_number=insurer_number, line_of_business_code=line_of_business_code,
    )  # fmt: skip
    with kontor_of(request).bus.unit_of_work() as uow:
        page = PortfolioStore(uow.connection, caller.tenant_id).claims_ratios.page(
            limit, after, equal
        )
    return page_answer(page, claims_ratio_out)


@router.post("/claims-ratios", status_code=201)
def record_claims_ratio(
    request: Request,
    given: ClaimsRatioFields,
    caller: Annotated[Principal, requires("portfolio:write")],
) -> ExactJSONResponse:
    """Record a claims ratio per contract, insurer, line of business, product or peril."""
    ratio: ClaimsRatio = handle(request, RecordClaimsRatio(**on_behalf(caller), ratio=given))
    return answer(claims_ratio_out(ratio), 201)


@router.get("/claims-ratios/{ratio_id}")
def show_claims_ratio(
    ratio_id: str, request: Request, caller: Annotated[Principal, requires("portfolio:read")]
) -> ExactJSONResponse:
    """One claims ratio."""
    with kontor_of(request).bus.unit_of_work() as uow:
        ratio = PortfolioStore(uow.connection, caller.tenant_id).claims_ratios.get(ratio_id)
    return answer(claims_ratio_out(ratio))


@router.patch("/claims-ratios/{ratio_id}")
def change_claims_ratio(
    ratio_id: str,
    given: ChangeIn,
    request: Request,
    caller: Annotated[Principal, requires("portfolio:write")],
) -> ExactJSONResponse:
    """Change the fields given; a stale ``version`` answers 409."""
    ratio: ClaimsRatio = handle(request, ChangeClaimsRatio(
        **on_behalf(caller), ratio_id=ratio_id, version=given.version, changes=given.changes(),
    ))  # fmt: skip
    return answer(claims_ratio_out(ratio))


@router.delete("/claims-ratios/{ratio_id}", status_code=204)
def delete_claims_ratio(
    ratio_id: str, request: Request, caller: Annotated[Principal, requires("portfolio:delete")]
) -> Response:
    """Delete a claims ratio and its copies."""
    handle(request, DeleteClaimsRatio(**on_behalf(caller), ratio_id=ratio_id))
    return Response(status_code=204)
