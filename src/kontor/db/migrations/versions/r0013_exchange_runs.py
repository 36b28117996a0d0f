"""Exchange: pipeline runs (uploads and their visible steps).

Revision ID: 0013_exchange_runs
Revises: 0001_foundation
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from kontor.db.schema import JsonDocument, UtcDateTime

revision: str = "0013_exchange_runs"
down_revision: str | None = "0001_foundation"
branch_labels: str | Sequence[str] | None = ("exchange",)
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create the runs table and the table of the items read from their files."""
    op.create_table(
        "exchange_runs",
        sa.Column("run_id", sa.String(36), nullable=False, comment="time-ordered (UUIDv7)"),
        sa.Column("tenant_id", sa.String(64), nullable=False),
        sa.Column(
            "kind",
            sa.String(100),
            nullable=False,
            comment="the pipeline, e.g. portfolio.gdv_import",
        ),
        sa.Column("file_name", sa.String(255), nullable=False),
        sa.Column("size_bytes", sa.BigInteger, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column(
            "blob_key", sa.String(200), nullable=True, comment="the stored file; gone once finished"
        ),
        sa.Column(
            "status", sa.String(20), nullable=False, comment="waiting, running, done, failed"
        ),
        sa.Column(
            "step_number", sa.Integer, nullable=False, comment="the step users see; < 0: error"
        ),
        sa.Column("step_name", sa.String(100), nullable=False),
        sa.Column(
            "completed_step",
            sa.Integer,
            nullable=False,
            comment="last step whose work committed",
        ),
        sa.Column("counts", JsonDocument, nullable=False),
        sa.Column("warnings", JsonDocument, nullable=False, comment="[{line, message}], capped"),
        sa.Column(
            "report", JsonDocument, nullable=False, comment="the pipeline's report of the file"
        ),
        sa.Column("error_code", sa.String(100)),
        sa.Column("error_message", sa.Text),
        sa.Column("error_suggestion", sa.Text),
        sa.Column("attempts", sa.Integer, nullable=False, comment="times a runner took the run up"),
        sa.Column("claimed_by", sa.String(100)),
        sa.Column(
            "claimed_until",
            UtcDateTime,
            comment="the runner's lease; expired: taken up again",
        ),
        sa.Column("created_by", sa.String(36), nullable=False),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("started_at", UtcDateTime),
        sa.Column("finished_at", UtcDateTime),
        sa.PrimaryKeyConstraint("run_id", name="pk_exchange_runs"),
        comment="Import and export runs with their visible step, counts and outcome",
    )
    op.create_index("ix_exchange_runs_tenant", "exchange_runs", ["tenant_id", "kind", "run_id"])
    op.create_index("ix_exchange_runs_status", "exchange_runs", ["status", "run_id"])
    op.create_table(
        "exchange_run_items",
        sa.Column("run_id", sa.String(36), nullable=False),
        sa.Column("item_no", sa.Integer, nullable=False, comment="order in the file, from 1"),
        sa.Column("tenant_id", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(50), nullable=False, comment="what the item is, e.g. contract"),
        sa.Column("item_key", sa.String(200), nullable=False, comment="e.g. the policy number"),
        sa.Column("line", sa.Integer, comment="line of the file where the item starts"),
        sa.Column("outcome", sa.String(20), nullable=False, comment="accepted or skipped"),
        sa.Column("reason", sa.Text, comment="why it was skipped"),
        sa.Column("data", JsonDocument, nullable=False, comment="what users see of the item"),
        sa.PrimaryKeyConstraint("run_id", "item_no", name="pk_exchange_run_items"),
        comment="The items a run read from its file (e.g. the contracts of a GDV file)",
    )
    op.create_index(
        "ix_exchange_run_items_tenant", "exchange_run_items", ["tenant_id", "run_id", "item_no"]
    )


def downgrade() -> None:
    """Drop the runs and their items."""
    op.drop_table("exchange_run_items")
    op.drop_table("exchange_runs")
