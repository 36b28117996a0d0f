"""The portfolio's entities: customers, bank accounts, contracts, claims, claims ratios.

Pure values without I/O. ``build_*`` functions turn plain data (API bodies, import rows) into
checked entities; each refusal names its field.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import Any

from kontor.portfolio import values
from kontor.portfolio.banking import checked_account
from kontor.portfolio.errors import InvalidPortfolioData
from kontor.portfolio.lines import LineDetails, details_from_data, line_of_business


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


def _enum(kind: type[Any], value: Any, name: str) -> Any:
    try:
        return kind(value)
    except ValueError:
        allowed = ", ".join(member.value for member in kind)
        raise InvalidPortfolioData(f"{name} must be one of {allowed}", field=name) from None


def _date(value: Any, name: str) -> dt.date | None:
    if value is None or (isinstance(value, dt.date) and not isinstance(value, dt.datetime)):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            pass
    raise InvalidPortfolioData(f"{name} must be a date (YYYY-MM-DD)", field=name)


def build_address(data: Mapping[str, Any] | None, name: str = "address") -> Address:
    """A checked address from plain data."""
    if data is not None and not isinstance(data, Mapping):
        raise InvalidPortfolioData(f"{name} must be an object", field=name)
    given = dict(data or {})
    country = values.text(given.get("country"), f"{name}.country", 2) or "DE"
    if not (len(country) == 2 and country.isalpha()):
        raise InvalidPortfolioData(
            f"{name}.country must be a two-letter ISO code such as DE", field=f"{name}.country"
        )
    return Address(
        street=values.text(given.get("street"), f"{name}.street", 200),
        house_number=values.text(given.get("house_number"), f"{name}.house_number", 20),
        postal_code=values.text(given.get("postal_code"), f"{name}.postal_code", 10),
        city=values.text(given.get("city"), f"{name}.city", 100),
        country=country.upper(),
    )


def _addresses(given: Any) -> tuple[Address, ...]:
    if given is None:
        return ()
    if not isinstance(given, list | tuple):
        raise InvalidPortfolioData("other_addresses must be a list", field="other_addresses")
    return tuple(
        build_address(address, f"other_addresses[{index}]") for index, address in enumerate(given)
    )


def build_customer(customer_id: str, data: Mapping[str, Any], version: int = 1) -> Customer:
    """A checked customer: a person needs a last name, a company its company name."""
    kind = _enum(CustomerKind, data.get("kind", CustomerKind.PERSON), "kind")
    customer = Customer(
        customer_id=customer_id,
        kind=kind,
        customer_number=values.text(data.get("customer_number"), "customer_number", 50),
        salutation=values.text(data.get("salutation"), "salutation", 30),
        title=values.text(data.get("title"), "title", 50),
        first_name=values.text(data.get("first_name"), "first_name", 100),
        last_name=values.text(data.get("last_name"), "last_name", 100),
        company_name=values.text(data.get("company_name"), "company_name", 200),
        date_of_birth=_date(data.get("date_of_birth"), "date_of_birth"),
        address=build_address(data.get("address")),
        other_addresses=_addresses(data.get("other_addresses")),
        email=values.text(data.get("email"), "email", 200),
        phone=values.text(data.get("phone"), "phone", 50),
        mobile=values.text(data.get("mobile"), "mobile", 50),
        remarks=values.text(data.get("remarks"), "remarks", 4000),
        version=version,
    )
    if kind is CustomerKind.PERSON and customer.last_name is None:
        raise InvalidPortfolioData("a person needs a last name", field="last_name")
    if kind is CustomerKind.COMPANY and customer.company_name is None:
        raise InvalidPortfolioData("a company needs its company name", field="company_name")
    if customer.email is not None and "@" not in customer.email:
        raise InvalidPortfolioData(f"email {customer.email!r} has no @", field="email")
    return customer


def build_bank_account(
    account_id: str, customer_id: str, data: Mapping[str, Any], version: int = 1
) -> BankAccount:
    """A checked bank account: the IBAN's check digits and the BIC's form are verified."""
    iban = values.required_text(data.get("iban"), "iban", 42)
    bic = values.text(data.get("bic"), "bic", 11)
    account = checked_account(iban, bic)
    return BankAccount(
        account_id=account_id,
        customer_id=customer_id,
        iban=account.iban,
        bic=account.bic,
        holder=values.text(data.get("holder"), "holder", 200),
        bank_name=values.text(data.get("bank_name"), "bank_name", 200) or account.bank_name,
        mandate_reference=values.text(data.get("mandate_reference"), "mandate_reference", 35),
        mandate_date=_date(data.get("mandate_date"), "mandate_date"),
        version=version,
    )


def build_contract(
    contract_id: str, customer_id: str, data: Mapping[str, Any], version: int = 1
) -> Contract:
    """A checked contract: policy number, line of business, dates, premiums and details."""
    code = values.required_text(data.get("line_of_business_code"), "line_of_business_code", 3)
    line_of_business(code)
    policy_number = values.required_text(data.get("policy_number"), "policy_number", 17)
    if not all(character.isalnum() or character in " ./-" for character in policy_number):
        raise InvalidPortfolioData(
            f"policy number {policy_number!r} may hold letters, digits and . / - only",
            field="policy_number",
        )
    currency = values.text(data.get("currency"), "currency", 3) or "EUR"
    if not (len(currency) == 3 and currency.isalpha() and currency.isupper()):
        raise InvalidPortfolioData(
            "currency must be a three-letter ISO code such as EUR", field="currency"
        )
    frequency = data.get("payment_frequency")
    details = details_from_data(data.get("details"))
    contract = Contract(
        contract_id=contract_id,
        customer_id=customer_id,
        insurer_name=values.required_text(data.get("insurer_name"), "insurer_name", 200),
        insurer_number=values.text(data.get("insurer_number"), "insurer_number", 10),
        line_of_business_code=code,
        policy_number=policy_number,
        start_date=_date(data.get("start_date"), "start_date"),
        end_date=_date(data.get("end_date"), "end_date"),
        main_due_date=_date(data.get("main_due_date"), "main_due_date"),
        payment_frequency=None
        if frequency is None
        else _enum(PaymentFrequency, frequency, "payment_frequency"),
        status=_enum(ContractStatus, data.get("status", ContractStatus.ACTIVE), "status"),
        annual_premium_gross=values.optional_money(
            data.get("annual_premium_gross"), "annual_premium_gross"
        ),
        annual_premium_net=values.optional_money(
            data.get("annual_premium_net"), "annual_premium_net"
        ),
        currency=currency,
        validity_date=_date(data.get("validity_date"), "validity_date"),
        remarks=values.text(data.get("remarks"), "remarks", 4000),
        details=details,
        version=version,
    )
    values.period(contract.start_date, contract.end_date, "end_date")
    gross, net = contract.annual_premium_gross, contract.annual_premium_net
    if gross is not None and net is not None and net > gross:
        raise InvalidPortfolioData(
            f"net premium {net} exceeds gross premium {gross}", field="annual_premium_net"
        )
    if details is not None and details.kind != contract.line_of_business:
        raise InvalidPortfolioData(
            f"details of kind {details.kind} do not fit line of business {code} "
            f"({contract.line_of_business})",
            field="details.kind",
        )
    return contract


def build_claim(
    claim_id: str, contract_id: str, data: Mapping[str, Any], version: int = 1
) -> Claim:
    """A checked claim: date, cause, amounts paid and reserved, status."""
    occurred_on = _date(data.get("occurred_on"), "occurred_on")
    if occurred_on is None:
        raise InvalidPortfolioData("occurred_on is required", field="occurred_on")
    return Claim(
        claim_id=claim_id,
        contract_id=contract_id,
        occurred_on=occurred_on,
        claim_number=values.text(data.get("claim_number"), "claim_number", 50),
        cause=values.text(data.get("cause"), "cause", 500),
        amount_paid=values.money(data.get("amount_paid") or 0, "amount_paid"),
        reserve=values.money(data.get("reserve") or 0, "reserve"),
        status=_enum(ClaimStatus, data.get("status", ClaimStatus.OPEN), "status"),
        version=version,
    )


def build_claims_ratio(ratio_id: str, data: Mapping[str, Any], version: int = 1) -> ClaimsRatio:
    """A checked claims ratio; its scope says which of contract, insurer, line, … it needs."""
    scope = _enum(RatioScope, data.get("scope"), "scope")
    start = _date(data.get("period_start"), "period_start")
    end = _date(data.get("period_end"), "period_end")
    if start is None:
        raise InvalidPortfolioData("period_start is required", field="period_start")
    if end is None:
        raise InvalidPortfolioData("period_end is required", field="period_end")
    values.period(start, end, "period_end")
    code = values.text(data.get("line_of_business_code"), "line_of_business_code", 3)
    if code is not None:
        line_of_business(code)
    if data.get("ratio") is None:
        raise InvalidPortfolioData("ratio is required", field="ratio")
    ratio = ClaimsRatio(
        ratio_id=ratio_id,
        scope=scope,
        period_start=start,
        period_end=end,
        ratio=values.quantity(data.get("ratio"), "ratio", places=4, digits=10),
        claims_expenses=values.optional_money(data.get("claims_expenses"), "claims_expenses"),
        premium=values.optional_money(data.get("premium"), "premium"),
        contract_id=values.text(data.get("contract_id"), "contract_id", 36),
        insurer_number=values.text(data.get("insurer_number"), "insurer_number", 10),
        line_of_business_code=code,
        product=values.text(data.get("product"), "product", 100),
        peril=values.text(data.get("peril"), "peril", 50),
        version=version,
    )
    needed = {
        RatioScope.CONTRACT: "contract_id",
        RatioScope.INSURER: "insurer_number",
        RatioScope.LINE_OF_BUSINESS: "line_of_business_code",
        RatioScope.PRODUCT: "product",
        RatioScope.PERIL: "peril",
    }[scope]
    if getattr(ratio, needed) is None:
        raise InvalidPortfolioData(f"a claims ratio per {scope.value} needs {needed}", field=needed)
    return ratio
