"""Tables of cases: the cases, their links and their append-only timeline."""

from __future__ import annotations

from sqlalchemy import Column, Date, Index, Integer, String, Table, UniqueConstraint

from kontor.db import JsonDocument, UtcDateTime, metadata, tenant_column_type

cases = Table(
    "cases",
    metadata,
    Column("case_id", String(36), primary_key=True),
    Column("tenant_id", tenant_column_type(), nullable=False),
    Column("case_type", String(100), nullable=False),
    Column("business_key", String(200), nullable=False),
    Column("title", String(500), nullable=False),
    Column("status", String(100), nullable=False),
    Column("owner", String(64)),
    Column("group_id", String(64), comment="the responsible group"),
    Column("due_date", Date),
    Column("data", JsonDocument, nullable=False, comment="validated by the case type's schema"),
    Column("created_at", UtcDateTime, nullable=False),
    Column("closed_at", UtcDateTime),
    Column("revision", Integer, nullable=False, comment="guards concurrent changes"),
    UniqueConstraint("tenant_id", "case_type", "business_key", name="uq_cases_business_key"),
    comment="Cases (Vorgänge): one business incident each, with status and responsibility",
)
Index("ix_cases_status", cases.c.tenant_id, cases.c.status)
Index("ix_cases_owner", cases.c.tenant_id, cases.c.owner)
Index("ix_cases_group_id", cases.c.tenant_id, cases.c.group_id)

case_links = Table(
    "case_links",
    metadata,
    Column("tenant_id", tenant_column_type(), primary_key=True),
    Column("case_id", String(36), primary_key=True),
    Column("kind", String(32), primary_key=True, comment="process_instance, task, document, …"),
    Column("target_id", String(64), primary_key=True),
    Column("linked_at", UtcDateTime, nullable=False),
    comment="What a case concerns: process instances, later tasks, documents and messages",
)
Index("ix_case_links_target_id", case_links.c.tenant_id, case_links.c.kind, case_links.c.target_id)

case_timeline = Table(
    "case_timeline",
    metadata,
    Column("entry_id", Integer, primary_key=True, autoincrement=True),
    Column("tenant_id", tenant_column_type(), nullable=False),
    Column("case_id", String(36), nullable=False),
    Column("kind", String(64), nullable=False),
    Column("actor", String(64), comment="the user; empty when Kontor itself acted"),
    Column("at", UtcDateTime, nullable=False),
    Column("details", JsonDocument, nullable=False),
    comment="Append-only timeline per case: statuses, comments, data, links, process events",
)
Index("ix_case_timeline_case_id", case_timeline.c.tenant_id, case_timeline.c.case_id)
