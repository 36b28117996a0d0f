"""Table of absences: when a user is away and who stands in for them."""

from __future__ import annotations

from sqlalchemy import Column, Index, String, Table

from kontor.db import UtcDateTime, metadata, tenant_column_type

absences = Table(
    "user_absences",
    metadata,
    Column("absence_id", String(36), primary_key=True),
    Column("tenant_id", tenant_column_type(), nullable=False),
    Column("user_id", String(64), nullable=False, comment="the absent user"),
    Column("starts_at", UtcDateTime, nullable=False),
    Column("ends_at", UtcDateTime, nullable=False, comment="exclusive"),
    Column("substitute_user_id", String(64), comment="takes the absent user's tasks"),
    Column("substitute_group_id", String(64), comment="else their tasks go to this group's queue"),
    Column("note", String(500)),
    Column("created_at", UtcDateTime, nullable=False),
    comment="Absences (Abwesenheiten) with the substitute their tasks go to",
)
Index("ix_user_absences_user", absences.c.tenant_id, absences.c.user_id, absences.c.ends_at)
