"""Tables of the portfolio transfer app: the transfer requests and their protocol."""

from __future__ import annotations

from sqlalchemy import Boolean, Column, Index, Integer, String, Table, Text, UniqueConstraint

from kontor.db import JsonDocument, UtcDateTime, metadata, tenant_column_type

transfer_requests = Table(
    "portfolio_transfer_requests",
    metadata,
    Column("request_id", String(36), primary_key=True),
    Column("tenant_id", tenant_column_type(), nullable=False, comment="the broker's tenant"),
    Column("insurer_tenant_id", tenant_column_type(), nullable=False),
    Column("contract_id", String(64), nullable=False, comment="the broker's contract"),
    Column("insurer_contract_id", String(64), comment="the copy in the insurer's tenant"),
    Column("label", String(300), nullable=False),
    Column("line_of_business", String(32), nullable=False),
    Column("status", String(64), nullable=False),
    Column("case_status", String(64), comment="technical status of the underwriting case"),
    Column("forwarded", Boolean, nullable=False, comment="visible to the insurer"),
    Column("remark", Text, comment="Bemerkung: the underwriter's note the broker sees"),
    Column("condition_override", String(16), comment="the underwriter's condition in percent"),
    Column("calculation", JsonDocument, comment="premiums and condition (Decimal, exact)"),
    Column("provider_messages", JsonDocument, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    UniqueConstraint("tenant_id", "contract_id", name="uq_portfolio_transfer_requests_contract"),
    comment=(
        "Transfer requests (Umdeckungsanfragen): the broker's, shown to its insurer once forwarded"
    ),
)
Index(
    "ix_portfolio_transfer_requests_status",
    transfer_requests.c.tenant_id,
    transfer_requests.c.status,
)
Index(
    "ix_portfolio_transfer_requests_insurer",
    transfer_requests.c.insurer_tenant_id,
    transfer_requests.c.forwarded,
    transfer_requests.c.status,
)
Index(
    "ix_portfolio_transfer_requests_case_status",
    transfer_requests.c.insurer_tenant_id,
    transfer_requests.c.case_status,
)

transfer_protocol = Table(
    "portfolio_transfer_protocol",
    metadata,
    Column("entry_id", Integer, primary_key=True, autoincrement=True),
    Column("request_id", String(36), nullable=False),
    Column("tenant_id", tenant_column_type(), nullable=False, comment="the broker's tenant"),
    Column("insurer_tenant_id", tenant_column_type(), nullable=False),
    Column("at", UtcDateTime, nullable=False),
    Column("actor", String(64), comment="the user; empty when Kontor itself acted"),
    Column(
        "kind",
        String(32),
        nullable=False,
        comment="status, case_status, calculation, order, remark, decision",
    ),
    Column("broker_sees", Boolean, nullable=False),
    Column("text", Text, nullable=False),
    Column("data", JsonDocument, nullable=False),
    comment="Protocol (Vorgangsprotokoll) of each transfer request, append-only",
)
Index("ix_portfolio_transfer_protocol_request", transfer_protocol.c.request_id)
Index("ix_portfolio_transfer_protocol_insurer", transfer_protocol.c.insurer_tenant_id)

ratio_transfers = Table(
    "portfolio_transfer_ratio_transfers",
    metadata,
    Column("transfer_id", String(36), primary_key=True),
    Column("tenant_id", tenant_column_type(), nullable=False, comment="the broker's tenant"),
    Column("insurer_tenant_id", tenant_column_type(), nullable=False),
    Column("sent_at", UtcDateTime, nullable=False),
    Column("sent_by", String(64), nullable=False),
    Column("ratios", JsonDocument, nullable=False, comment="the whole list as it stood when sent"),
    comment="Claims ratios a broker transferred (Übertragen) to its insurer, one row per sending",
)
Index(
    "ix_portfolio_transfer_ratio_transfers_insurer",
    ratio_transfers.c.insurer_tenant_id,
    ratio_transfers.c.tenant_id,
    ratio_transfers.c.sent_at,
)
