"""The plan of a GDV import run: per contract of the file what step 6 decided, kept for 7 and 8."""

from __future__ import annotations

from sqlalchemy import Boolean, Column, Date, Index, Integer, String, Table

from kontor.db import JsonDocument, metadata, tenant_column_type

import_plans = Table(
    "portfolio_import_plans",
    metadata,
    Column("run_id", String(36), primary_key=True),
    Column("item_no", Integer, primary_key=True, comment="the contract's item of the run"),
    Column("tenant_id", tenant_column_type(), nullable=False),
    Column("action", String(20), nullable=False, comment="create, update, unchanged, kept, …"),
    Column("contract_id", String(36), nullable=False),
    Column("customer_id", String(36), nullable=False),
    Column("validity_date", Date, comment="the file's validity date of the contract"),
    Column("details", JsonDocument, comment="the checked line-of-business details to load"),
    Column("has_details", Boolean, nullable=False, comment="whether the file gave details"),
    Index("ix_portfolio_import_plans_tenant", "tenant_id", "run_id"),
    comment="What a GDV import does with each contract of its file (made once, in step 6)",
)
