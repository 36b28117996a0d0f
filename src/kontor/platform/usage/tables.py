"""The usage meter's table: billable transactions counted per tenant, month and action."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Integer, String, Table

from kontor.db import metadata, tenant_column_type

usage_counters = Table(
    "usage_counters",
    metadata,
    Column("tenant_id", tenant_column_type(), primary_key=True),
    Column("month", String(7), primary_key=True, comment="YYYY-MM in Europe/Berlin"),
    Column("action", String(200), primary_key=True, comment="the command type counted"),
    Column(
        "shard",
        Integer,
        primary_key=True,
        autoincrement=False,
        comment="spreads concurrent writers over rows; a query sums the shards",
    ),
    Column("count", BigInteger, nullable=False),
    comment="Usage meter: billable transactions per tenant and month (Transaktionskosten)",
)
