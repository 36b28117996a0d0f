"""Tables of the scheduler: schedules and the history of their runs."""

from __future__ import annotations

from sqlalchemy import Boolean, Column, Index, Integer, String, Table, UniqueConstraint

from kontor.db.schema import JsonDocument, UtcDateTime, metadata, tenant_column_type

schedules = Table(
    "integration_schedules",
    metadata,
    Column("schedule_id", String(36), primary_key=True),
    Column("tenant_id", tenant_column_type(), nullable=False),
    Column("name", String(200), nullable=False),
    Column("cron", String(200), nullable=False, comment="five fields, or six with seconds first"),
    Column("time_zone", String(64), nullable=False),
    Column("time_window", String(100), comment="e.g. 'Mo-Fr 08:00-20:00'; null: always"),
    Column("holiday_state", String(8), comment="German state whose public holidays are skipped"),
    Column("misfire", String(16), nullable=False, comment="skip | run_once"),
    Column("misfire_grace_seconds", Integer, nullable=False, comment="later than this: misfire"),
    Column("command_type", String(200), nullable=False, comment="the command a firing sends"),
    Column("command_payload", JsonDocument, nullable=False),
    Column("paused", Boolean, nullable=False),
    Column("next_due_at", UtcDateTime, comment="null: paused or no firing ahead"),
    Column("created_by", String(36)),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    UniqueConstraint("tenant_id", "name", name="uq_integration_schedules_name"),
    comment="Schedules: a cron rhythm per tenant whose firings send a command on the bus",
)

schedule_runs = Table(
    "integration_schedule_runs",
    metadata,
    Column("run_id", String(36), primary_key=True),
    Column("tenant_id", tenant_column_type(), nullable=False),
    Column("schedule_id", String(36), nullable=False),
    Column("due_at", UtcDateTime, nullable=False),
    Column("trigger", String(16), nullable=False, comment="cron | manual"),
    Column("outcome", String(16), nullable=False, comment="fired | missed"),
    Column("message_id", String(36), comment="the command sent; its delivery tells the result"),
    Column("fired_at", UtcDateTime, nullable=False),
    Column("lateness_ms", Integer, nullable=False, comment="fired_at minus due_at"),
    UniqueConstraint("schedule_id", "due_at", "trigger", name="uq_integration_schedule_runs_due"),
    comment="Each firing of a schedule once: the unique row per schedule and due time",
)
Index(
    "ix_integration_schedule_runs_schedule",
    schedule_runs.c.tenant_id,
    schedule_runs.c.schedule_id,
    schedule_runs.c.due_at,
)
