"""Trace context on outbox messages and process jobs: the W3C ``traceparent`` of the span that
emitted the message or created the job, so that the handler or the worker running it later, in
another process, continues the same trace.

Revision ID: 0037_trace_parent
Revises: 0036_subscriptions_by_instance
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0037_trace_parent"
down_revision: str | None = "0036_subscriptions_by_instance"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TABLES = {
    "message_outbox": "W3C traceparent of the span that emitted it",
    "process_jobs": "W3C traceparent of the step that created it",
}


def upgrade() -> None:
    """Add a nullable ``trace_parent`` column to the outbox and the job table."""
    for table, comment in _TABLES.items():
        op.add_column(table, sa.Column("trace_parent", sa.String(64), comment=comment))


def downgrade() -> None:
    """Drop the ``trace_parent`` columns."""
    for table in _TABLES:
        with op.batch_alter_table(table) as batch:
            batch.drop_column("trace_parent")
