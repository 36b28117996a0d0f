"""Commands the portfolio handles and the events it publishes.

The ``*Fields`` models are the data of an entity as given by a caller (API body or command);
the domain's ``build_*`` functions check them. Changes carry only the fields given and the
version they were read at (optimistic check).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from kontor.messaging import Command, Event
from kontor.portfolio.domain import (
    ClaimStatus,
    ContractStatus,
    CustomerKind,
    PaymentFrequency,
    RatioScope,
)


class _Fields(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class AddressFields(_Fields):
    """A postal address."""

    street: str | None = None
    house_number: str | None = None
    postal_code: str | None = None
    city: str | None = None
    country: str | None = Field(default=None, description="ISO 3166 code; DE when empty")


class CustomerFields(_Fields):
    """A customer: a person (last name needed) or a company (company name needed)."""

    kind: CustomerKind = CustomerKind.PERSON
    customer_number: str | None = Field(default=None, description="the broker's number")
    salutation: str | None = None
    title: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    company_name: str | None = None
    date_of_birth: dt.date | None = None
    address: AddressFields = Field(default_factory=AddressFields)
    other_addresses: list[AddressFields] = Field(default_factory=list)
    email: str | None = None
    phone: str | None = None
    mobile: str | None = None
    remarks: str | None = None


class BankAccountFields(_Fields):
    """A bank account: IBAN (checked), BIC (from the bank registry when empty), SEPA mandate."""

    iban: str
    bic: str | None = None
    holder: str | None = None
    bank_name: str | None = None
    mandate_reference: str | None = None
    mandate_date: dt.date | None = None


class ContractFields(_Fields):
    """A contract: insurer, line of business (GDV code), policy number, dates, premiums."""

    insurer_name: str
    insurer_number: str | None = Field(default=None, description="VU-Nummer")
    line_of_business_code: str = Field(description="GDV Sparte, e.g. 130 Hausrat")
    policy_number: str = Field(description="Versicherungsschein-Nummer, up to 17 characters")
    start_date: dt.date | None = None
    end_date: dt.date | None = None
    main_due_date: dt.date | None = Field(default=None, description="Hauptfälligkeit")
    payment_frequency: PaymentFrequency | None = None
    status: ContractStatus = ContractStatus.ACTIVE
    annual_premium_gross: Decimal | None = None
    annual_premium_net: Decimal | None = None
    currency: str = "EUR"
    validity_date: dt.date | None = Field(default=None, description="Gültigkeitsstichtag")
    remarks: str | None = None
    details: dict[str, Any] | None = Field(
        default=None,
        description="line-of-business details; 'kind' is household, residential_building, "
        "liability, accident or motor; Hausrat and Wohngebäude take 'risk_text' (e.g. FELS)",
    )


class ClaimFields(_Fields):
    """A claim: when, why, paid and reserved amounts, status."""

    occurred_on: dt.date
    claim_number: str | None = None
    cause: str | None = None
    amount_paid: Decimal = Decimal("0")
    reserve: Decimal = Decimal("0")
    status: ClaimStatus = ClaimStatus.OPEN


class ClaimsRatioFields(_Fields):
    """A claims ratio for a period; the scope names which of the other fields it needs."""

    scope: RatioScope
    period_start: dt.date
    period_end: dt.date
    ratio: Decimal = Field(description="claims expenses divided by premium, e.g. 0.6519")
    claims_expenses: Decimal | None = None
    premium: Decimal | None = None
    contract_id: str | None = None
    insurer_number: str | None = None
    line_of_business_code: str | None = None
    product: str | None = None
    peril: str | None = None


class _Change(Command):
    """A change of the given fields of an entity read at ``version``."""

    version: int = Field(ge=1)
    changes: dict[str, Any]


class AddCustomer(Command, type_name="portfolio.add_customer"):
    """Add a customer to the portfolio."""

    customer: CustomerFields


class ChangeCustomer(_Change, type_name="portfolio.change_customer"):
    """Change the given fields of a customer."""

    customer_id: str


class DeleteCustomer(Command, type_name="portfolio.delete_customer"):
    """Delete a customer without contracts, with its bank accounts and their copies."""

    customer_id: str


class EraseCustomer(Command, type_name="portfolio.erase_customer"):
    """Erase a customer (GDPR): with its contracts, claims, ratios, bank accounts and copies."""

    customer_id: str


class AddBankAccount(Command, type_name="portfolio.add_bank_account"):
    """Add a bank account to a customer."""

    customer_id: str
    account: BankAccountFields


class ChangeBankAccount(_Change, type_name="portfolio.change_bank_account"):
    """Change the given fields of a bank account."""

    account_id: str


class DeleteBankAccount(Command, type_name="portfolio.delete_bank_account"):
    """Delete a bank account and its copies."""

    account_id: str


class AddContract(Command, type_name="portfolio.add_contract"):
    """Add a contract of a customer."""

    customer_id: str
    contract: ContractFields


class ChangeContract(_Change, type_name="portfolio.change_contract"):
    """Change the given fields of a contract (``customer_id`` moves it to another customer)."""

    contract_id: str


class DeleteContract(Command, type_name="portfolio.delete_contract"):
    """Delete a contract with its claims and ratios, and every copy of them."""

    contract_id: str


class RecordClaim(Command, type_name="portfolio.record_claim"):
    """Record a claim under a contract."""

    contract_id: str
    claim: ClaimFields


class ChangeClaim(_Change, type_name="portfolio.change_claim"):
    """Change the given fields of a claim."""

    claim_id: str


class DeleteClaim(Command, type_name="portfolio.delete_claim"):
    """Delete a claim and its copies."""

    claim_id: str


class RecordClaimsRatio(Command, type_name="portfolio.record_claims_ratio"):
    """Record a claims ratio (per contract, insurer, line of business, product or peril)."""

    ratio: ClaimsRatioFields


class ChangeClaimsRatio(_Change, type_name="portfolio.change_claims_ratio"):
    """Change the given fields of a claims ratio."""

    ratio_id: str


class DeleteClaimsRatio(Command, type_name="portfolio.delete_claims_ratio"):
    """Delete a claims ratio and its copies."""

    ratio_id: str


class PortfolioEntityAdded(Event, type_name="portfolio.entity_added"):
    """A customer, bank account, contract, claim or claims ratio was added."""

    entity: str
    entity_id: str
    version: int


class PortfolioEntityChanged(Event, type_name="portfolio.entity_changed"):
    """An entity was changed; ``version`` is its new version (copies may be overwritten)."""

    entity: str
    entity_id: str
    version: int


class PortfolioEntityDeleted(Event, type_name="portfolio.entity_deleted"):
    """An entity was deleted, with the entities deleted with it and every copy of them."""

    entity: str
    entity_id: str
    copies_deleted: int = 0
