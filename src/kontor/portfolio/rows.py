"""Entities to table rows and back (addresses, origins and details flattened or as JSON)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kontor.portfolio.domain import (
    Address,
    BankAccount,
    Claim,
    ClaimsRatio,
    ClaimStatus,
    Contract,
    ContractStatus,
    Customer,
    CustomerKind,
    Origin,
    PaymentFrequency,
    RatioScope,
)
from kontor.portfolio.lines import details_from_data, details_to_data, line_of_business
from kontor.portfolio.merge_key import normalized

_ADDRESS_FIELDS = ("street", "house_number", "postal_code", "city", "country")


def origin_values(origin: Origin | None) -> dict[str, Any]:
    """The origin columns of a row."""
    if origin is None:
        return dict.fromkeys(("origin_tenant_id", "origin_entity", "origin_id", "origin_version"))
    return {
        "origin_tenant_id": origin.tenant_id,
        "origin_entity": origin.entity,
        "origin_id": origin.entity_id,
        "origin_version": origin.version,
    }


def origin_of(row: Mapping[Any, Any]) -> Origin | None:
    """The origin a row records, if it is a copy."""
    if row["origin_tenant_id"] is None:
        return None
    return Origin(
        row["origin_tenant_id"], row["origin_entity"], row["origin_id"], row["origin_version"]
    )


def _plain_fields(entity: Any, *skip: str) -> dict[str, Any]:
    return {
        name: getattr(entity, name)
        for name in entity.__dataclass_fields__
        if name not in skip and name != "origin"
    }


def _address_data(address: Address) -> dict[str, Any]:
    return {name: getattr(address, name) for name in _ADDRESS_FIELDS}


def customer_row(customer: Customer) -> dict[str, Any]:
    """The row of a customer."""
    searchable = (
        customer.first_name, customer.last_name, customer.company_name,
        customer.customer_number, customer.address.postal_code, customer.address.city,
    )  # fmt: skip
    return {
        **_plain_fields(customer, "address", "other_addresses"),
        **_address_data(customer.address),
        "other_addresses": [_address_data(address) for address in customer.other_addresses],
        "search_text": " ".join(normalized(part) for part in searchable if part)[:1000],
        **origin_values(customer.origin),
    }


def customer_of(row: Mapping[Any, Any]) -> Customer:
    """The customer of a row."""
    fields = {name: row[name] for name in Customer.__dataclass_fields__ if name in row}
    fields.pop("other_addresses", None)
    return Customer(
        **{**fields, "kind": CustomerKind(row["kind"])},
        address=Address(**{name: row[name] for name in _ADDRESS_FIELDS}),
        other_addresses=tuple(Address(**address) for address in row["other_addresses"]),
        origin=origin_of(row),
    )


def bank_account_row(account: BankAccount) -> dict[str, Any]:
    """The row of a bank account."""
    return {**_plain_fields(account), **origin_values(account.origin)}


def bank_account_of(row: Mapping[Any, Any]) -> BankAccount:
    """The bank account of a row."""
    fields = {name: row[name] for name in BankAccount.__dataclass_fields__ if name in row}
    return BankAccount(**fields, origin=origin_of(row))


def contract_row(contract: Contract, merge_key_digest: str) -> dict[str, Any]:
    """The row of a contract, with the digest of its merge key."""
    return {
        **_plain_fields(contract, "details"),
        "line_of_business": line_of_business(contract.line_of_business_code),
        "details": details_to_data(contract.details),
        "merge_key": merge_key_digest,
        **origin_values(contract.origin),
    }


def contract_of(row: Mapping[Any, Any]) -> Contract:
    """The contract of a row."""
    fields = {name: row[name] for name in Contract.__dataclass_fields__ if name in row}
    frequency = row["payment_frequency"]
    fields |= {
        "status": ContractStatus(row["status"]),
        "payment_frequency": None if frequency is None else PaymentFrequency(frequency),
        "details": details_from_data(row["details"]),
    }
    return Contract(**fields, origin=origin_of(row))


def claim_row(claim: Claim) -> dict[str, Any]:
    """The row of a claim."""
    return {**_plain_fields(claim), **origin_values(claim.origin)}


def claim_of(row: Mapping[Any, Any]) -> Claim:
    """The claim of a row."""
    fields = {name: row[name] for name in Claim.__dataclass_fields__ if name in row}
    return Claim(**{**fields, "status": ClaimStatus(row["status"])}, origin=origin_of(row))


def claims_ratio_row(ratio: ClaimsRatio) -> dict[str, Any]:
    """The row of a claims ratio."""
    return {**_plain_fields(ratio), **origin_values(ratio.origin)}


def claims_ratio_of(row: Mapping[Any, Any]) -> ClaimsRatio:
    """The claims ratio of a row."""
    fields = {name: row[name] for name in ClaimsRatio.__dataclass_fields__ if name in row}
    return ClaimsRatio(**{**fields, "scope": RatioScope(row["scope"])}, origin=origin_of(row))
