"""The portfolio's entities: customers, bank accounts, contracts, claims, claims ratios.

Pure values without I/O; ``kontor.portfolio.builders`` makes checked ones from plain data.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum

from kontor.portfolio.lines import LineDetails, line_of_business


class Entity(StrEnum):
    """The kinds of portfolio entities (names used in origin links and the audit log)."""

    CUSTOMER = "customer"
    BANK_ACCOUNT = "bank_account"
    CONTRACT = "contract"
    CLAIM = "claim"
    CLAIMS_RATIO = "claims_ratio"


class CustomerKind(StrEnum):
    """A natural person or a company."""

    PERSON = "person"
    COMPANY = "company"


class PaymentFrequency(StrEnum):
    """How often the premium is due (GDV Zahlungsweise)."""

    ANNUAL = "annual"
    SEMIANNUAL = "semiannual"
    QUARTERLY = "quarterly"
    MONTHLY = "monthly"
    SINGLE = "single"


class ContractStatus(StrEnum):
    """Where a contract stands (GDV Vertragsstatus)."""

    ACTIVE = "active"  # lebend
    CANCELLED = "cancelled"  # storniert
    DORMANT = "dormant"  # ruhend
    PREMIUM_FREE = "premium_free"  # beitragsfrei
    PROPOSED = "proposed"  # beantragt, not yet in force


class ClaimStatus(StrEnum):
    """Where a claim stands."""

    OPEN = "open"
    CLOSED = "closed"
    REJECTED = "rejected"


class RatioScope(StrEnum):
    """What a claims ratio is about."""

    CONTRACT = "contract"
    INSURER = "insurer"
    LINE_OF_BUSINESS = "line_of_business"
    PRODUCT = "product"
    PERIL = "peril"


@dataclass(frozen=True)
class Origin:
    """Where a copy came from: the origin's tenant, entity kind, id and version when copied."""

    tenant_id: str
    entity: str
    entity_id: str
    version: int


@dataclass(frozen=True)
class Address:
    """A postal address."""

    street: str | None = None
    house_number: str | None = None
    postal_code: str | None = None
    city: str | None = None
    country: str = "DE"


@dataclass(frozen=True)
class Customer:
    """A policyholder: a person or a company, with address and contact data."""

    customer_id: str
    kind: CustomerKind
    customer_number: str | None = None
    salutation: str | None = None
    title: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    company_name: str | None = None
    date_of_birth: dt.date | None = None
    address: Address = field(default_factory=Address)
    other_addresses: tuple[Address, ...] = ()
    email: str | None = None
    phone: str | None = None
    mobile: str | None = None
    remarks: str | None = None
    origin: Origin | None = None
    version: int = 1

    @property
    def display_name(self) -> str:
        """The name the UI shows: the company, or first and last name."""
        if self.kind is CustomerKind.COMPANY:
            return self.company_name or ""
        return " ".join(part for part in (self.first_name, self.last_name) if part)


@dataclass(frozen=True)
class BankAccount:
    """A customer's bank account (IBAN checked) with an optional SEPA mandate."""

    account_id: str
    customer_id: str
    iban: str
    bic: str | None = None
    holder: str | None = None
    bank_name: str | None = None
    mandate_reference: str | None = None
    mandate_date: dt.date | None = None
    origin: Origin | None = None
    version: int = 1


@dataclass(frozen=True)
class Contract:
    """An insurance contract of a customer with an insurer in one line of business."""

    contract_id: str
    customer_id: str
    insurer_name: str
    insurer_number: str | None
    line_of_business_code: str
    policy_number: str
    start_date: dt.date | None = None
    end_date: dt.date | None = None
    main_due_date: dt.date | None = None
    payment_frequency: PaymentFrequency | None = None
    status: ContractStatus = ContractStatus.ACTIVE
    annual_premium_gross: Decimal | None = None
    annual_premium_net: Decimal | None = None
    currency: str = "EUR"
    validity_date: dt.date | None = None
    remarks: str | None = None
    details: LineDetails | None = None
    origin: Origin | None = None
    version: int = 1

    @property
    def line_of_business(self) -> str:
        """Our name of the line of business (``household``, ``residential_building``, …)."""
        return line_of_business(self.line_of_business_code)


@dataclass(frozen=True)
class Claim:
    """A claim (Schaden) under a contract."""

    claim_id: str
    contract_id: str
    occurred_on: dt.date
    claim_number: str | None = None
    cause: str | None = None
    amount_paid: Decimal = Decimal("0.00")
    reserve: Decimal = Decimal("0.00")
    status: ClaimStatus = ClaimStatus.OPEN
    origin: Origin | None = None
    version: int = 1


@dataclass(frozen=True)
class ClaimsRatio:
    """A claims ratio (Schadenquote) for a period: per contract, insurer, line, product, peril."""

    ratio_id: str
    scope: RatioScope
    period_start: dt.date
    period_end: dt.date
    ratio: Decimal
    claims_expenses: Decimal | None = None
    premium: Decimal | None = None
    contract_id: str | None = None
    insurer_number: str | None = None
    line_of_business_code: str | None = None
    product: str | None = None
    peril: str | None = None
    origin: Origin | None = None
    version: int = 1
