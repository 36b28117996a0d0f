"""Tables of the portfolio: customers, bank accounts, contracts, claims, claims ratios.

Every row carries its tenant, a version guarding concurrent changes and, for copies made when
a broker forwards contracts, the origin it was copied from (tenant, entity, id, version).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import Column, Date, Index, Integer, Numeric, String, Table
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator, TypeEngine

from kontor.db import JsonDocument, UtcDateTime, metadata, tenant_column_type


class ExactDecimal(TypeDecorator[Decimal]):
    """An exact decimal: NUMERIC on PostgreSQL, its text on SQLite (which would use floats)."""

    impl = Numeric
    cache_ok = True

    def __init__(self, precision: int, scale: int) -> None:
        super().__init__(precision, scale)
        self.precision = precision
        self.scale = scale

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(String(self.precision + 2))
        return dialect.type_descriptor(Numeric(self.precision, self.scale, asdecimal=True))

    def process_bind_param(self, value: Decimal | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        return str(value) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        if value is None:
            return None
        return value if isinstance(value, Decimal) else Decimal(value)


def Money() -> ExactDecimal:  # noqa: N802 - reads like a column type
    """An amount of money: up to 13 digits before the decimal point, 2 after."""
    return ExactDecimal(15, 2)


def _origin_columns() -> list[Column[Any]]:
    return [
        Column("origin_tenant_id", tenant_column_type(), comment="the tenant copied from"),
        Column("origin_entity", String(32)),
        Column("origin_id", String(36)),
        Column("origin_version", Integer, comment="the origin's version when copied"),
    ]


def _bookkeeping_columns() -> list[Column[Any]]:
    return [
        Column("version", Integer, nullable=False, comment="guards concurrent changes"),
        Column("created_at", UtcDateTime, nullable=False),
        Column("updated_at", UtcDateTime, nullable=False),
    ]


customers = Table(
    "portfolio_customers",
    metadata,
    Column("customer_id", String(36), primary_key=True),
    Column("tenant_id", tenant_column_type(), nullable=False),
    Column("kind", String(16), nullable=False, comment="person or company"),
    Column("customer_number", String(50), comment="the broker's customer number"),
    Column("salutation", String(30)),
    Column("title", String(50)),
    Column("first_name", String(100)),
    Column("last_name", String(100)),
    Column("company_name", String(200)),
    Column("date_of_birth", Date),
    Column("street", String(200)),
    Column("house_number", String(20)),
    Column("postal_code", String(10)),
    Column("city", String(100)),
    Column("country", String(2), nullable=False),
    Column("other_addresses", JsonDocument, nullable=False),
    Column("email", String(200)),
    Column("phone", String(50)),
    Column("mobile", String(50)),
    Column("remarks", String(4000)),
    Column("search_text", String(1000), nullable=False, comment="folded names and numbers"),
    *_origin_columns(),
    *_bookkeeping_columns(),
    comment="Customers (Versicherungsnehmer) of the portfolio: persons and companies",
)
Index("ix_portfolio_customers_number", customers.c.tenant_id, customers.c.customer_number)
Index("ix_portfolio_customers_last_name", customers.c.tenant_id, customers.c.last_name)
Index(
    "ix_portfolio_customers_origin",
    customers.c.origin_tenant_id,
    customers.c.origin_entity,
    customers.c.origin_id,
)

bank_accounts = Table(
    "portfolio_bank_accounts",
    metadata,
    Column("account_id", String(36), primary_key=True),
    Column("tenant_id", tenant_column_type(), nullable=False),
    Column("customer_id", String(36), nullable=False),
    Column("iban", String(34), nullable=False),
    Column("bic", String(11)),
    Column("holder", String(200)),
    Column("bank_name", String(200)),
    Column("mandate_reference", String(35), comment="SEPA mandate reference"),
    Column("mandate_date", Date),
    *_origin_columns(),
    *_bookkeeping_columns(),
    comment="Bank accounts (Bankverbindungen) of customers, with SEPA mandates",
)
Index("ix_portfolio_bank_accounts_customer", bank_accounts.c.tenant_id, bank_accounts.c.customer_id)
Index(
    "ix_portfolio_bank_accounts_origin",
    bank_accounts.c.origin_tenant_id,
    bank_accounts.c.origin_entity,
    bank_accounts.c.origin_id,
)

contracts = Table(
    "portfolio_contracts",
    metadata,
    Column("contract_id", String(36), primary_key=True),
    Column("tenant_id", tenant_column_type(), nullable=False),
    Column("customer_id", String(36), nullable=False),
    Column("insurer_name", String(200), nullable=False),
    Column("insurer_number", String(10), comment="VU-Nummer"),
    Column("line_of_business_code", String(3), nullable=False, comment="GDV Sparte"),
    Column("line_of_business", String(40), nullable=False, comment="our name of the Sparte"),
    Column("policy_number", String(17), nullable=False),
    Column("start_date", Date),
    Column("end_date", Date),
    Column("main_due_date", Date, comment="Hauptfälligkeit"),
    Column("payment_frequency", String(16)),
    Column("status", String(16), nullable=False),
    Column("annual_premium_gross", Money()),
    Column("annual_premium_net", Money()),
    Column("currency", String(3), nullable=False),
    Column("validity_date", Date, comment="Gültigkeitsstichtag; the youngest wins a merge"),
    Column("remarks", String(4000)),
    Column("details", JsonDocument, comment="typed line-of-business details"),
    Column("merge_key", String(64), nullable=False, comment="digest of the duplicate key"),
    *_origin_columns(),
    *_bookkeeping_columns(),
    comment="Contracts of the portfolio (Bestand) with their line-of-business details",
)
Index("ix_portfolio_contracts_customer", contracts.c.tenant_id, contracts.c.customer_id)
Index("ix_portfolio_contracts_policy", contracts.c.tenant_id, contracts.c.policy_number)
Index("ix_portfolio_contracts_merge_key", contracts.c.tenant_id, contracts.c.merge_key)
Index(
    "ix_portfolio_contracts_line",
    contracts.c.tenant_id,
    contracts.c.line_of_business_code,
)
Index(
    "ix_portfolio_contracts_origin",
    contracts.c.origin_tenant_id,
    contracts.c.origin_entity,
    contracts.c.origin_id,
)

claims = Table(
    "portfolio_claims",
    metadata,
    Column("claim_id", String(36), primary_key=True),
    Column("tenant_id", tenant_column_type(), nullable=False),
    Column("contract_id", String(36), nullable=False),
    Column("claim_number", String(50)),
    Column("occurred_on", Date, nullable=False),
    Column("cause", String(500)),
    Column("amount_paid", Money(), nullable=False),
    Column("reserve", Money(), nullable=False),
    Column("status", String(16), nullable=False),
    *_origin_columns(),
    *_bookkeeping_columns(),
    comment="Claims (Einzelschäden) per contract",
)
Index("ix_portfolio_claims_contract", claims.c.tenant_id, claims.c.contract_id)
Index(
    "ix_portfolio_claims_origin",
    claims.c.origin_tenant_id,
    claims.c.origin_entity,
    claims.c.origin_id,
)

claims_ratios = Table(
    "portfolio_claims_ratios",
    metadata,
    Column("ratio_id", String(36), primary_key=True),
    Column("tenant_id", tenant_column_type(), nullable=False),
    Column("scope", String(20), nullable=False, comment="contract, insurer, line, product, peril"),
    Column("contract_id", String(36)),
    Column("insurer_number", String(10)),
    Column("line_of_business_code", String(3)),
    Column("product", String(100)),
    Column("peril", String(50)),
    Column("period_start", Date, nullable=False),
    Column("period_end", Date, nullable=False),
    Column("ratio", ExactDecimal(10, 4), nullable=False, comment="claims expenses / premium"),
    Column("claims_expenses", Money()),
    Column("premium", Money()),
    *_origin_columns(),
    *_bookkeeping_columns(),
    comment="Claims ratios (Schadenquoten) per contract, insurer, line of business, product, peril",
)
Index("ix_portfolio_claims_ratios_contract", claims_ratios.c.tenant_id, claims_ratios.c.contract_id)
Index(
    "ix_portfolio_claims_ratios_origin",
    claims_ratios.c.origin_tenant_id,
    claims_ratios.c.origin_entity,
    claims_ratios.c.origin_id,
)

TABLES = (customers, bank_accounts, contracts, claims, claims_ratios)
