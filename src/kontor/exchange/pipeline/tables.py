"""The table of pipeline runs: one row per uploaded file, watched by its users."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Index, Integer, String, Table, Text

from kontor.db import JsonDocument, UtcDateTime, metadata, tenant_column_type

exchange_runs = Table(
    "exchange_runs",
    metadata,
    Column("run_id", String(36), primary_key=True, comment="time-ordered (UUIDv7)"),
    Column("tenant_id", tenant_column_type(), nullable=False),
    Column("kind", String(100), nullable=False, comment="the pipeline, e.g. portfolio.gdv_import"),
    Column("file_name", String(255), nullable=False),
    Column("size_bytes", BigInteger, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("blob_key", String(200), nullable=True, comment="the stored file; gone once finished"),
    Column("status", String(20), nullable=False, comment="waiting, running, done, failed"),
    Column("step_number", Integer, nullable=False, comment="the step users see; < 0: error"),
    Column("step_name", String(100), nullable=False),
    Column("completed_step", Integer, nullable=False, comment="last step whose work committed"),
    Column("counts", JsonDocument, nullable=False),
    Column("warnings", JsonDocument, nullable=False, comment="[{line, message}], capped"),
    Column("report", JsonDocument, nullable=False, comment="the pipeline's report of the file"),
    Column("error_code", String(100)),
    Column("error_message", Text),
    Column("error_suggestion", Text),
    Column("attempts", Integer, nullable=False, comment="times a runner took the run up"),
    Column("claimed_by", String(100)),
    Column("claimed_until", UtcDateTime, comment="the runner's lease; expired: taken up again"),
    Column("created_by", String(36), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("started_at", UtcDateTime),
    Column("finished_at", UtcDateTime),
    Index("ix_exchange_runs_tenant", "tenant_id", "kind", "run_id"),
    Index("ix_exchange_runs_status", "status", "run_id"),
    comment="Import and export runs with their visible step, counts and outcome",
)


exchange_run_items = Table(
    "exchange_run_items",
    metadata,
    Column("run_id", String(36), primary_key=True),
    Column("item_no", Integer, primary_key=True, comment="order in the file, from 1"),
    Column("tenant_id", tenant_column_type(), nullable=False),
    Column("kind", String(50), nullable=False, comment="what the item is, e.g. contract"),
    Column("item_key", String(200), nullable=False, comment="e.g. the policy number"),
    Column("line", Integer, comment="line of the file where the item starts"),
    Column("outcome", String(20), nullable=False, comment="accepted or skipped"),
    Column("reason", Text, comment="why it was skipped"),
    Column("data", JsonDocument, nullable=False, comment="what users see of the item"),
    Index("ix_exchange_run_items_tenant", "tenant_id", "run_id", "item_no"),
    comment="The items a run read from its file (e.g. the contracts of a GDV file)",
)
