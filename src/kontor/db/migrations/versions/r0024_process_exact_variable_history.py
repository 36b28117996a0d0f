"""Variable history values stay exact on SQLite: the value column is declared TEXT there.

A column declared JSON has NUMERIC affinity in SQLite, so a value that is a bare number was
stored as a float. Values already stored as floats keep the digits they kept.

Revision ID: 0024_exact_variable_history
Revises: 0011_instance_starter
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from kontor.db.schema import JsonDocument

revision: str = "0024_exact_variable_history"
down_revision: str | None = "0011_instance_starter"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """On SQLite, rebuild process_variable_history with its value column declared TEXT."""
    if op.get_bind().dialect.name != "sqlite":
        return  # PostgreSQL's JSONB keeps numbers exact
    with op.batch_alter_table("process_variable_history", recreate="always") as batch:
        batch.alter_column("value", type_=sa.Text(), existing_type=JsonDocument)


def downgrade() -> None:
    """On SQLite, declare the value column JSON again."""
    if op.get_bind().dialect.name != "sqlite":
        return
    with op.batch_alter_table("process_variable_history", recreate="always") as batch:
        batch.alter_column("value", type_=JsonDocument, existing_type=sa.Text())
