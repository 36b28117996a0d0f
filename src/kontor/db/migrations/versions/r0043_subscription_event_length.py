"""Process subscriptions: the event column holds ``conditional_start`` (17 characters).

The column was 16 characters wide, so PostgreSQL refused to deploy a process with a
conditional start event (SQLite does not enforce the length). Widening a ``varchar`` changes
only PostgreSQL's catalog; no row is rewritten.

Revision ID: 0043_subscription_event_length
Revises: 0038_start_arrivals
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0043_subscription_event_length"
down_revision: str | None = "0038_start_arrivals"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Widen the event column to 32 characters."""
    _resize(sa.String(16), sa.String(32))


def downgrade() -> None:
    """Narrow the event column to 16 characters (on PostgreSQL, where the length holds, the
    conditional start subscriptions go: the older version could not store them there)."""
    if op.get_bind().dialect.name != "sqlite":
        op.execute("DELETE FROM process_subscriptions WHERE event = 'conditional_start'")
    _resize(sa.String(32), sa.String(16))


def _resize(old: sa.String, new: sa.String) -> None:
    with op.batch_alter_table("process_subscriptions") as batch:
        batch.alter_column("event", type_=new, existing_type=old, existing_nullable=False)
