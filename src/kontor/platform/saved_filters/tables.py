"""The saved filters table: named filters per user and table, optionally shared to a group."""

from __future__ import annotations

from sqlalchemy import Column, Index, String, Table, UniqueConstraint

from kontor.db import JsonDocument, UtcDateTime, metadata, tenant_column_type

saved_filters = Table(
    "platform_saved_filters",
    metadata,
    Column("filter_id", String(36), primary_key=True, comment="time-ordered (UUIDv7)"),
    Column("tenant_id", tenant_column_type(), nullable=False),
    Column("table_id", String(100), nullable=False, comment="the table it filters (tasks, …)"),
    Column("name", String(200), nullable=False),
    Column("owner", String(36), nullable=False, comment="the user who saved it"),
    Column("shared_group", String(64), comment="the group it is shared with; none: private"),
    Column("definition", JsonDocument, nullable=False, comment="the AND/OR condition tree"),
    Column("sort", String(100), comment="the table's sort order it opens with"),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    UniqueConstraint("tenant_id", "owner", "table_id", "name", name="uq_saved_filters_name"),
    comment="Named filters of work lists and tables, private or shared to a group",
)
Index("ix_saved_filters_shared", saved_filters.c.tenant_id, saved_filters.c.shared_group)

table_layouts = Table(
    "platform_table_layouts",
    metadata,
    Column("tenant_id", tenant_column_type(), primary_key=True),
    Column("user_id", String(36), primary_key=True),
    Column("table_id", String(100), primary_key=True, comment="the table it arranges (tasks, …)"),
    Column("columns", JsonDocument, nullable=False, comment="the shown column keys, in order"),
    Column("updated_at", UtcDateTime, nullable=False),
    comment="Each user's column layout of a table: which columns show, in which order",
)
