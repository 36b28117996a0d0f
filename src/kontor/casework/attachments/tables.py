"""The table of attachments: files kept with a case (its documents) or with a task."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Index, String, Table

from kontor.db import UtcDateTime, metadata, tenant_column_type

attachments = Table(
    "case_attachments",
    metadata,
    Column("attachment_id", String(36), primary_key=True),
    Column("tenant_id", tenant_column_type(), nullable=False),
    Column("case_id", String(64), comment="the case it belongs to (a task's: the task's case)"),
    Column("task_id", String(36), comment="the task it was attached to; empty: the case's own"),
    Column("file_name", String(255), nullable=False),
    Column("media_type", String(100), nullable=False),
    Column("size", BigInteger, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("blob_key", String(200), nullable=False, comment="where the file is stored"),
    Column("added_at", UtcDateTime, nullable=False),
    Column("added_by", String(64), nullable=False),
    comment="Files kept with a case (documents) or a task (attachments): name, size, checksum",
)
Index("ix_case_attachments_case", attachments.c.tenant_id, attachments.c.case_id)
Index("ix_case_attachments_task", attachments.c.tenant_id, attachments.c.task_id)
