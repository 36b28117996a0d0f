"""Task forms: JSON Schemas or Camunda forms, deployed per tenant in versions.

Revision ID: 0019_casework_forms
Revises: 0017_casework_deadlines
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from kontor.db.schema import JsonDocument, UtcDateTime

revision: str = "0019_casework_forms"
down_revision: str | None = "0017_casework_deadlines"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create the task forms table."""
    op.create_table(
        "task_forms",
        sa.Column("tenant_id", sa.String(64), nullable=False),
        sa.Column(
            "form_key", sa.String(200), nullable=False, comment="what a task's form_key names"
        ),
        sa.Column("version", sa.Integer, nullable=False, comment="1, 2, … per key"),
        sa.Column("kind", sa.String(16), nullable=False, comment="json_schema or camunda"),
        sa.Column("definition", JsonDocument, nullable=False, comment="as deployed"),
        sa.Column("data_schema", JsonDocument, nullable=False, comment="the JSON Schema checked"),
        sa.Column("name", sa.String(500)),
        sa.Column("deployed_at", UtcDateTime, nullable=False),
        sa.Column("deployed_by", sa.String(64)),
        sa.PrimaryKeyConstraint("tenant_id", "form_key", "version", name="pk_task_forms"),
        comment="Forms of tasks: JSON Schemas or Camunda forms, deployed per tenant in versions",
    )


def downgrade() -> None:
    """Drop the task forms table."""
    op.drop_table("task_forms")
