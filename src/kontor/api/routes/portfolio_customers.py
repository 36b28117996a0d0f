"""Portfolio customers and their bank accounts: list, search, read, add, change, delete."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response

from kontor.api.body_routes import StrictJsonRoute
from kontor.api.exact_responses import ExactJSONResponse
from kontor.api.routes.portfolio_common import (
    ChangeIn,
    PageOut,
    answer,
    bank_account_out,
    customer_out,
    handle,
    on_behalf,
    page_answer,
)
from kontor.api.security import requires
from kontor.api.wiring import kontor_of
from kontor.platform import Principal
from kontor.portfolio import (
    AddBankAccount,
    AddCustomer,
    BankAccount,
    BankAccountFields,
    ChangeBankAccount,
    ChangeCustomer,
    Customer,
    CustomerFields,
    CustomerKind,
    DeleteBankAccount,
    DeleteCustomer,
    EraseCustomer,
    PortfolioEntityNotFound,
    PortfolioStore,
)
from kontor.portfolio.store import customer_search

router = APIRouter(
    prefix="/api/portfolio/customers", tags=["portfolio"], route_class=StrictJsonRoute
)
Limit = Annotated[int, Query(ge=1, le=500)]


def _customer(request: Request, tenant_id: str, customer_id: str) -> dict[str, Any]:
    with kontor_of(request).bus.unit_of_work() as uow:
        store = PortfolioStore(uow.connection, tenant_id)
        customer = store.customers.get(customer_id)
        accounts = store.bank_accounts.page(500, equal={"customer_id": customer_id}).items
    return customer_out(customer) | {"bank_accounts": [bank_account_out(a) for a in accounts]}


def _account(request: Request, tenant_id: str, customer_id: str, account_id: str) -> BankAccount:
    with kontor_of(request).bus.unit_of_work() as uow:
        account = PortfolioStore(uow.connection, tenant_id).bank_accounts.get(account_id)
    if account.customer_id != customer_id:
        raise PortfolioEntityNotFound(
            f"bank account {account_id!r} not found", entity="bank_account", id=account_id
        )
    return account


@router.get("", response_model=PageOut)
def list_customers(
    request: Request,
    caller: Annotated[Principal, requires("portfolio:read")],
    q: Annotated[str | None, Query(description="part of name, number, postal code, city")] = None,
    kind: CustomerKind | None = None,
    customer_number: str | None = None,
    postal_code: str | None = None,
    after: str | None = None,
    limit: Limit = 50,
) -> ExactJSONResponse:
    """The tenant's customers in creation order, filtered and searched."""
    equal = {"kind": kind.value if kind else None, "customer_number": customer_number}
    equal["postal_code"] = postal_code
    with kontor_of(request).bus.unit_of_work() as uow:
        page = PortfolioStore(uow.connection, caller.tenant_id).customers.page(
            limit, after, {k: v for k, v in equal.items() if v is not None},
            customer_search(q) if q else None,
        )  # fmt: skip
    return page_answer(page, customer_out)


@router.post("", status_code=201)
def add_customer(
    request: Request,
    given: CustomerFields,
    caller: Annotated[Principal, requires("portfolio:write")],
) -> ExactJSONResponse:
    """Add a person (last name needed) or a company (company name needed)."""
    customer: Customer = handle(request, AddCustomer(**on_behalf(caller), customer=given))
    return answer(_customer(request, caller.tenant_id, customer.customer_id), 201)


@router.get("/{customer_id}")
def show_customer(
    customer_id: str, request: Request, caller: Annotated[Principal, requires("portfolio:read")]
) -> ExactJSONResponse:
    """A customer with its bank accounts."""
    return answer(_customer(request, caller.tenant_id, customer_id))


@router.patch("/{customer_id}")
def change_customer(
    customer_id: str,
    given: ChangeIn,
    request: Request,
    caller: Annotated[Principal, requires("portfolio:write")],
) -> ExactJSONResponse:
    """Change the fields given; a stale ``version`` answers 409."""
    handle(request, ChangeCustomer(
        **on_behalf(caller), customer_id=customer_id, version=given.version,
        changes=given.changes(),
    ))  # fmt: skip
    return answer(_customer(request, caller.tenant_id, customer_id))


@router.delete("/{customer_id}", status_code=204)
def delete_customer(
    customer_id: str, request: Request, caller: Annotated[Principal, requires("portfolio:delete")]
) -> Response:
    """Delete a customer without contracts (409 otherwise), its bank accounts and all copies."""
    handle(request, DeleteCustomer(**on_behalf(caller), customer_id=customer_id))
    return Response(status_code=204)


@router.post("/{customer_id}/erase", status_code=204)
def erase_customer(
    customer_id: str, request: Request, caller: Annotated[Principal, requires("portfolio:delete")]
) -> Response:
    """Erase a customer (GDPR) with its contracts, claims, ratios, bank accounts and all copies."""
    handle(request, EraseCustomer(**on_behalf(caller), customer_id=customer_id))
    return Response(status_code=204)


@router.get("/{customer_id}/bank-accounts", response_model=PageOut)
def list_bank_accounts(
    customer_id: str, request: Request, caller: Annotated[Principal, requires("portfolio:read")]
) -> ExactJSONResponse:
    """The customer's bank accounts."""
    with kontor_of(request).bus.unit_of_work() as uow:
        store = PortfolioStore(uow.connection, caller.tenant_id)
        store.customers.get(customer_id)
        page = store.bank_accounts.page(500, equal={"customer_id": customer_id})
    return page_answer(page, bank_account_out)


@router.post("/{customer_id}/bank-accounts", status_code=201)
def add_bank_account(
    customer_id: str,
    given: BankAccountFields,
    request: Request,
    caller: Annotated[Principal, requires("portfolio:write")],
) -> ExactJSONResponse:
    """Add a bank account; the IBAN is checked, the BIC found in the bank registry if empty."""
    account: BankAccount = handle(
        request, AddBankAccount(**on_behalf(caller), customer_id=customer_id, account=given)
    )
    return answer(bank_account_out(account), 201)


@router.get("/{customer_id}/bank-accounts/{account_id}")
def show_bank_account(
    customer_id: str,
    account_id: str,
    request: Request,
    caller: Annotated[Principal, requires("portfolio:read")],
) -> ExactJSONResponse:
    """One bank account of the customer."""
    return answer(bank_account_out(_account(request, caller.tenant_id, customer_id, account_id)))


@router.patch("/{customer_id}/bank-accounts/{account_id}")
def change_bank_account(
    customer_id: str,
    account_id: str,
    given: ChangeIn,
    request: Request,
    caller: Annotated[Principal, requires("portfolio:write")],
) -> ExactJSONResponse:
    """Change the fields given; a stale ``version`` answers 409."""
    _account(request, caller.tenant_id, customer_id, account_id)
    account: BankAccount = handle(request, ChangeBankAccount(
        **on_behalf(caller), account_id=account_id, version=given.version,
        changes=given.changes(),
    ))  # fmt: skip
    return answer(bank_account_out(account))


@router.delete("/{customer_id}/bank-accounts/{account_id}", status_code=204)
def delete_bank_account(
    customer_id: str,
    account_id: str,
    request: Request,
    caller: Annotated[Principal, requires("portfolio:delete")],
) -> Response:
    """Delete a bank account and its copies."""
    _account(request, caller.tenant_id, customer_id, account_id)
    handle(request, DeleteBankAccount(**on_behalf(caller), account_id=account_id))
    return Response(status_code=204)
