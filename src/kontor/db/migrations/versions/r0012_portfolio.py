"""Portfolio: customers, bank accounts, contracts, claims and claims ratios.

Revision ID: 0012_portfolio
Revises: 0001_foundation
Create Date: 2026-12-02
"""

from collections.abc import Sequence
from decimal import Decimal

import sqlalchemy as sa
from alembic import op

from kontor.db.schema import JsonDocument, UtcDateTime


def _exact(precision: int, scale: int) -> sa.Numeric[Decimal]:
    """NUMERIC on PostgreSQL, its text on SQLite (which would read it as a float)."""
    return sa.Numeric(precision, scale).with_variant(sa.String(precision + 2), "sqlite")


revision: str = "0012_portfolio"
down_revision: str | None = "0001_foundation"
branch_labels: str | Sequence[str] | None = ("portfolio",)
depends_on: str | Sequence[str] | None = None

TABLES = (
    "portfolio_customers",
    "portfolio_bank_accounts",
    "portfolio_contracts",
    "portfolio_claims",
    "portfolio_claims_ratios",
)


def upgrade() -> None:
    """Create the portfolio tables."""
    op.create_table(
        "portfolio_bank_accounts",
        sa.Column("account_id", sa.String(length=36), nullable=False),
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("customer_id", sa.String(length=36), nullable=False),
        sa.Column("iban", sa.String(length=34), nullable=False),
        sa.Column("bic", sa.String(length=11), nullable=True),
        sa.Column("holder", sa.String(length=200), nullable=True),
        sa.Column("bank_name", sa.String(length=200), nullable=True),
        sa.Column(
            "mandate_reference",
            sa.String(length=35),
            nullable=True,
            comment="SEPA mandate reference",
        ),
        sa.Column("mandate_date", sa.Date(), nullable=True),
        sa.Column(
            "origin_tenant_id",
            sa.String(length=64),
            nullable=True,
            comment="the tenant copied from",
        ),
        sa.Column("origin_entity", sa.String(length=32), nullable=True),
        sa.Column("origin_id", sa.String(length=36), nullable=True),
        sa.Column(
            "origin_version",
            sa.Integer(),
            nullable=True,
            comment="the origin's version when copied",
        ),
        sa.Column("version", sa.Integer(), nullable=False, comment="guards concurrent changes"),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("updated_at", UtcDateTime, nullable=False),
        sa.PrimaryKeyConstraint("account_id", name="pk_portfolio_bank_accounts"),
        comment="Bank accounts (Bankverbindungen) of customers, with SEPA mandates",
    )
    op.create_index(
        "ix_portfolio_bank_accounts_customer",
        "portfolio_bank_accounts",
        ["tenant_id", "customer_id"],
    )
    op.create_index(
        "ix_portfolio_bank_accounts_origin",
        "portfolio_bank_accounts",
        ["origin_tenant_id", "origin_entity", "origin_id"],
    )
    op.create_table(
        "portfolio_claims",
        sa.Column("claim_id", sa.String(length=36), nullable=False),
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("contract_id", sa.String(length=36), nullable=False),
        sa.Column("claim_number", sa.String(length=50), nullable=True),
        sa.Column("occurred_on", sa.Date(), nullable=False),
        sa.Column("cause", sa.String(length=500), nullable=True),
        sa.Column("amount_paid", _exact(15, 2), nullable=False),
        sa.Column("reserve", _exact(15, 2), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column(
            "origin_tenant_id",
            sa.String(length=64),
            nullable=True,
            comment="the tenant copied from",
        ),
        sa.Column("origin_entity", sa.String(length=32), nullable=True),
        sa.Column("origin_id", sa.String(length=36), nullable=True),
        sa.Column(
            "origin_version",
            sa.Integer(),
            nullable=True,
            comment="the origin's version when copied",
        ),
        sa.Column("version", sa.Integer(), nullable=False, comment="guards concurrent changes"),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("updated_at", UtcDateTime, nullable=False),
        sa.PrimaryKeyConstraint("claim_id", name="pk_portfolio_claims"),
        comment="Claims (Einzelschäden) per contract",
    )
    op.create_index(
        "ix_portfolio_claims_contract", "portfolio_claims", ["tenant_id", "contract_id"]
    )
    op.create_index(
        "ix_portfolio_claims_origin",
        "portfolio_claims",
        ["origin_tenant_id", "origin_entity", "origin_id"],
    )
    op.create_table(
        "portfolio_claims_ratios",
        sa.Column("ratio_id", sa.String(length=36), nullable=False),
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column(
            "scope",
            sa.String(length=20),
            nullable=False,
            comment="contract, insurer, line, product, peril",
        ),
        sa.Column("contract_id", sa.String(length=36), nullable=True),
        sa.Column("insurer_number", sa.String(length=10), nullable=True),
        sa.Column("line_of_business_code", sa.String(length=3), nullable=True),
        sa.Column("product", sa.String(length=100), nullable=True),
        sa.Column("peril", sa.String(length=50), nullable=True),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("ratio", _exact(10, 4), nullable=False, comment="claims expenses / premium"),
        sa.Column("claims_expenses", _exact(15, 2), nullable=True),
        sa.Column("premium", _exact(15, 2), nullable=True),
        sa.Column(
            "origin_tenant_id",
            sa.String(length=64),
            nullable=True,
            comment="the tenant copied from",
        ),
        sa.Column("origin_entity", sa.String(length=32), nullable=True),
        sa.Column("origin_id", sa.String(length=36), nullable=True),
        sa.Column(
            "origin_version",
            sa.Integer(),
            nullable=True,
            comment="the origin's version when copied",
        ),
        sa.Column("version", sa.Integer(), nullable=False, comment="guards concurrent changes"),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("updated_at", UtcDateTime, nullable=False),
        sa.PrimaryKeyConstraint("ratio_id", name="pk_portfolio_claims_ratios"),
        comment=(
            "Claims ratios (Schadenquoten) per contract, insurer, line of business, product, peril"
        ),
    )
    op.create_index(
        "ix_portfolio_claims_ratios_contract",
        "portfolio_claims_ratios",
        ["tenant_id", "contract_id"],
    )
    op.create_index(
        "ix_portfolio_claims_ratios_origin",
        "portfolio_claims_ratios",
        ["origin_tenant_id", "origin_entity", "origin_id"],
    )
    op.create_table(
        "portfolio_contracts",
        sa.Column("contract_id", sa.String(length=36), nullable=False),
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("customer_id", sa.String(length=36), nullable=False),
        sa.Column("insurer_name", sa.String(length=200), nullable=False),
        sa.Column("insurer_number", sa.String(length=10), nullable=True, comment="VU-Nummer"),
        sa.Column(
            "line_of_business_code", sa.String(length=3), nullable=False, comment="GDV Sparte"
        ),
        sa.Column(
            "line_of_business",
            sa.String(length=40),
            nullable=False,
            comment="our name of the Sparte",
        ),
        sa.Column("policy_number", sa.String(length=17), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=True),
        sa.Column("end_date", sa.Date(), nullable=True),
        sa.Column("main_due_date", sa.Date(), nullable=True, comment="Hauptfälligkeit"),
        sa.Column("payment_frequency", sa.String(length=16), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("annual_premium_gross", _exact(15, 2), nullable=True),
        sa.Column("annual_premium_net", _exact(15, 2), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column(
            "validity_date",
            sa.Date(),
            nullable=True,
            comment="Gültigkeitsstichtag; the youngest wins a merge",
        ),
        sa.Column("remarks", sa.String(length=4000), nullable=True),
        sa.Column(
            "details",
            JsonDocument,
            nullable=True,
            comment="typed line-of-business details",
        ),
        sa.Column(
            "merge_key", sa.String(length=64), nullable=False, comment="digest of the duplicate key"
        ),
        sa.Column(
            "origin_tenant_id",
            sa.String(length=64),
            nullable=True,
            comment="the tenant copied from",
        ),
        sa.Column("origin_entity", sa.String(length=32), nullable=True),
        sa.Column("origin_id", sa.String(length=36), nullable=True),
        sa.Column(
            "origin_version",
            sa.Integer(),
            nullable=True,
            comment="the origin's version when copied",
        ),
        sa.Column("version", sa.Integer(), nullable=False, comment="guards concurrent changes"),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("updated_at", UtcDateTime, nullable=False),
        sa.PrimaryKeyConstraint("contract_id", name="pk_portfolio_contracts"),
        comment="Contracts of the portfolio (Bestand) with their line-of-business details",
    )
    op.create_index(
        "ix_portfolio_contracts_customer", "portfolio_contracts", ["tenant_id", "customer_id"]
    )
    op.create_index(
        "ix_portfolio_contracts_line", "portfolio_contracts", ["tenant_id", "line_of_business_code"]
    )
    op.create_index(
        "ix_portfolio_contracts_merge_key", "portfolio_contracts", ["tenant_id", "merge_key"]
    )
    op.create_index(
        "ix_portfolio_contracts_origin",
        "portfolio_contracts",
        ["origin_tenant_id", "origin_entity", "origin_id"],
    )
    op.create_index(
        "ix_portfolio_contracts_policy", "portfolio_contracts", ["tenant_id", "policy_number"]
    )
    op.create_table(
        "portfolio_customers",
        sa.Column("customer_id", sa.String(length=36), nullable=False),
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False, comment="person or company"),
        sa.Column(
            "customer_number",
            sa.String(length=50),
            nullable=True,
            comment="the broker's customer number",
        ),
        sa.Column("salutation", sa.String(length=30), nullable=True),
        sa.Column("title", sa.String(length=50), nullable=True),
        sa.Column("first_name", sa.String(length=100), nullable=True),
        sa.Column("last_name", sa.String(length=100), nullable=True),
        sa.Column("company_name", sa.String(length=200), nullable=True),
        sa.Column("date_of_birth", sa.Date(), nullable=True),
        sa.Column("street", sa.String(length=200), nullable=True),
        sa.Column("house_number", sa.String(length=20), nullable=True),
        sa.Column("postal_code", sa.String(length=10), nullable=True),
        sa.Column("city", sa.String(length=100), nullable=True),
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.Column(
            "other_addresses",
            JsonDocument,
            nullable=False,
        ),
        sa.Column("email", sa.String(length=200), nullable=True),
        sa.Column("phone", sa.String(length=50), nullable=True),
        sa.Column("mobile", sa.String(length=50), nullable=True),
        sa.Column("remarks", sa.String(length=4000), nullable=True),
        sa.Column(
            "search_text",
            sa.String(length=1000),
            nullable=False,
            comment="folded names and numbers",
        ),
        sa.Column(
            "origin_tenant_id",
            sa.String(length=64),
            nullable=True,
            comment="the tenant copied from",
        ),
        sa.Column("origin_entity", sa.String(length=32), nullable=True),
        sa.Column("origin_id", sa.String(length=36), nullable=True),
        sa.Column(
            "origin_version",
            sa.Integer(),
            nullable=True,
            comment="the origin's version when copied",
        ),
        sa.Column("version", sa.Integer(), nullable=False, comment="guards concurrent changes"),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("updated_at", UtcDateTime, nullable=False),
        sa.PrimaryKeyConstraint("customer_id", name="pk_portfolio_customers"),
        comment="Customers (Versicherungsnehmer) of the portfolio: persons and companies",
    )
    op.create_index(
        "ix_portfolio_customers_last_name", "portfolio_customers", ["tenant_id", "last_name"]
    )
    op.create_index(
        "ix_portfolio_customers_number", "portfolio_customers", ["tenant_id", "customer_number"]
    )
    op.create_index(
        "ix_portfolio_customers_origin",
        "portfolio_customers",
        ["origin_tenant_id", "origin_entity", "origin_id"],
    )


def downgrade() -> None:
    """Drop the portfolio tables."""
    for table in TABLES:
        op.drop_table(table)
