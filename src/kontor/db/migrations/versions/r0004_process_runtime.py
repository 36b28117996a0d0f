"""Process engine at run time: call hierarchy, external workers, variable history, operations.

Revision ID: 0004_process_runtime
Revises: 0003_process
Create Date: 2026-11-21
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from kontor.db.schema import JsonDocument, UtcDateTime

revision: str = "0004_process_runtime"
down_revision: str | None = "0003_process"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add parent links, job errors, history time to live, variable and operation history."""
    with op.batch_alter_table("process_definitions") as batch:
        batch.add_column(sa.Column("history_ttl_days", sa.Integer))
    with op.batch_alter_table("process_instances") as batch:
        batch.add_column(sa.Column("parent_instance_id", sa.String(36)))
        batch.add_column(sa.Column("parent_token_id", sa.String(64)))
    op.create_index(
        "ix_process_instances_parent_instance_id", "process_instances", ["parent_instance_id"]
    )
    op.create_index("ix_process_instances_ended_at", "process_instances", ["ended_at"])
    with op.batch_alter_table("process_jobs") as batch:
        batch.add_column(sa.Column("error_message", sa.Text))
    op.create_table(
        "process_variable_history",
        sa.Column("change_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
                  autoincrement=True),
        sa.Column("tenant_id", sa.String(64), nullable=False),
        sa.Column("instance_id", sa.String(36), nullable=False),
        sa.Column("scope_id", sa.String(64), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("value", JsonDocument),
        sa.Column("removed", sa.Boolean, nullable=False),
        sa.Column("changed_at", UtcDateTime, nullable=False),
        sa.PrimaryKeyConstraint("change_id", name="pk_process_variable_history"),
        comment="Variable changes of process instances (history level full)",
    )  # fmt: skip
    op.create_index(
        "ix_process_variable_history_instance_id", "process_variable_history", ["instance_id"]
    )
    op.create_table(
        "process_operation_log",
        sa.Column("operation_id", sa.String(36), nullable=False),
        sa.Column("tenant_id", sa.String(64), nullable=False),
        sa.Column("instance_id", sa.String(36), nullable=False),
        sa.Column("operation", sa.String(64), nullable=False),
        sa.Column("actor", sa.String(200)),
        sa.Column("details", JsonDocument, nullable=False),
        sa.Column("at", UtcDateTime, nullable=False),
        sa.PrimaryKeyConstraint("operation_id", name="pk_process_operation_log"),
        comment="Operations on instances by people: suspend, cancel, modify, migrate, resolve",
    )
    op.create_index(
        "ix_process_operation_log_instance_id", "process_operation_log", ["instance_id"]
    )


def downgrade() -> None:
    """Remove what ``upgrade`` added."""
    op.drop_table("process_operation_log")
    op.drop_table("process_variable_history")
    with op.batch_alter_table("process_jobs") as batch:
        batch.drop_column("error_message")
    op.drop_index("ix_process_instances_ended_at", "process_instances")
    op.drop_index("ix_process_instances_parent_instance_id", "process_instances")
    with op.batch_alter_table("process_instances") as batch:
        batch.drop_column("parent_token_id")
        batch.drop_column("parent_instance_id")
    with op.batch_alter_table("process_definitions") as batch:
        batch.drop_column("history_ttl_days")
