"""Integration scheduler: schedules per tenant and the history of their runs.

Revision ID: 0022_integration_scheduler
Revises: 0001_foundation
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from kontor.db.schema import JsonDocument, UtcDateTime

revision: str = "0022_integration_scheduler"
down_revision: str | None = "0001_foundation"
branch_labels: str | Sequence[str] | None = ("integration",)
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create the schedules and schedule runs tables."""
    op.create_table(
        "integration_schedules",
        sa.Column("schedule_id", sa.String(36), nullable=False),
        sa.Column("tenant_id", sa.String(64), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column(
            "cron", sa.String(200), nullable=False, comment="five fields, or six with seconds first"
        ),
        sa.Column("time_zone", sa.String(64), nullable=False),
        sa.Column("time_window", sa.String(100), comment="e.g. 'Mo-Fr 08:00-20:00'; null: always"),
        sa.Column(
            "holiday_state", sa.String(8), comment="German state whose public holidays are skipped"
        ),
        sa.Column("misfire", sa.String(16), nullable=False, comment="skip | run_once"),
        sa.Column(
            "misfire_grace_seconds",
            sa.Integer,
            nullable=False,
            comment="later than this: misfire",
        ),
        sa.Column(
            "command_type", sa.String(200), nullable=False, comment="the command a firing sends"
        ),
        sa.Column("command_payload", JsonDocument, nullable=False),
        sa.Column("paused", sa.Boolean, nullable=False),
        sa.Column("next_due_at", UtcDateTime, comment="null: paused or no firing ahead"),
        sa.Column("created_by", sa.String(36)),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("updated_at", UtcDateTime, nullable=False),
        sa.PrimaryKeyConstraint("schedule_id", name="pk_integration_schedules"),
        sa.UniqueConstraint("tenant_id", "name", name="uq_integration_schedules_name"),
        comment="Schedules: a cron rhythm per tenant whose firings send a command on the bus",
    )
    op.create_table(
        "integration_schedule_runs",
        sa.Column("run_id", sa.String(36), nullable=False),
        sa.Column("tenant_id", sa.String(64), nullable=False),
        sa.Column("schedule_id", sa.String(36), nullable=False),
        sa.Column("due_at", UtcDateTime, nullable=False),
        sa.Column("trigger", sa.String(16), nullable=False, comment="cron | manual"),
        sa.Column("outcome", sa.String(16), nullable=False, comment="fired | missed"),
        sa.Column(
            "message_id",
            sa.String(36),
            comment="the command sent; its delivery tells the result",
        ),
        sa.Column("fired_at", UtcDateTime, nullable=False),
        sa.Column("lateness_ms", sa.Integer, nullable=False, comment="fired_at minus due_at"),
        sa.PrimaryKeyConstraint("run_id", name="pk_integration_schedule_runs"),
        sa.UniqueConstraint(
            "schedule_id", "due_at", "trigger", name="uq_integration_schedule_runs_due"
        ),
        comment="Each firing of a schedule once: the unique row per schedule and due time",
    )
    op.create_index(
        "ix_integration_schedule_runs_schedule",
        "integration_schedule_runs",
        ["tenant_id", "schedule_id", "due_at"],
    )


def downgrade() -> None:
    """Drop the scheduler's tables."""
    op.drop_table("integration_schedule_runs")
    op.drop_table("integration_schedules")
