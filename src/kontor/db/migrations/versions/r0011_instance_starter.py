"""Process instances record who started them (their completion notifies that user).

Revision ID: 0011_instance_starter
Revises: 0004_process_runtime
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011_instance_starter"
down_revision: str | None = "0004_process_runtime"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add the starter to process instances."""
    with op.batch_alter_table("process_instances") as batch:
        batch.add_column(
            sa.Column(
                "started_by", sa.String(36), comment="the user who started it; null: not a person"
            )
        )


def downgrade() -> None:
    """Drop the instances' starter."""
    with op.batch_alter_table("process_instances") as batch:
        batch.drop_column("started_by")
