"""What a parallel multiple start event of a process has received so far: an instance starts
once a message or signal came for each of its event definitions.

Revision ID: 0038_start_arrivals
Revises: 0037_trace_parent
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from kontor.db.schema import JsonDocument, UtcDateTime

revision: str = "0038_start_arrivals"
down_revision: str | None = "0037_trace_parent"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create ``process_start_arrivals``."""
    op.create_table(
        "process_start_arrivals",
        sa.Column("arrival_id", sa.String(36), nullable=False),
        sa.Column("tenant_id", sa.String(64), nullable=False),
        sa.Column("process_key", sa.String(200), nullable=False),
        sa.Column("element_id", sa.String(200), nullable=False),
        sa.Column(
            "definition_index", sa.Integer, nullable=False, comment="which event definition came"
        ),
        sa.Column("variables", JsonDocument, nullable=False),
        sa.Column("arrived_at", UtcDateTime, nullable=False),
        sa.PrimaryKeyConstraint("arrival_id", name="pk_process_start_arrivals"),
        comment="Messages and signals a parallel multiple start event of a process has received: "
        "an instance starts once each of its definitions came",
    )
    op.create_index(
        "ix_process_start_arrivals_event",
        "process_start_arrivals",
        ["tenant_id", "process_key", "element_id", "arrived_at"],
    )


def downgrade() -> None:
    """Drop ``process_start_arrivals``."""
    op.drop_index("ix_process_start_arrivals_event", "process_start_arrivals")
    op.drop_table("process_start_arrivals")
