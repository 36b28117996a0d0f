"""Subscriptions found by instance and local id in one index: a step deletes the subscriptions it
left by (tenant, instance, local id); with only ``instance_id`` indexed, PostgreSQL without fresh
statistics combined it with the tenant's whole lookup index (a scan of every subscription of the
tenant per deleted row).

Revision ID: 0036_subscriptions_by_instance
Revises: 0031_redeploy_earlier_version
Create Date: 2026-12-04
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0036_subscriptions_by_instance"
down_revision: str | None = "0031_redeploy_earlier_version"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Index the subscriptions by instance and local id instead of by instance alone."""
    op.create_index(
        "ix_process_subscriptions_instance_local",
        "process_subscriptions",
        ["instance_id", "local_id"],
    )
    op.drop_index("ix_process_subscriptions_instance_id", table_name="process_subscriptions")


def downgrade() -> None:
    """Back to the index by instance alone."""
    op.create_index(
        "ix_process_subscriptions_instance_id", "process_subscriptions", ["instance_id"]
    )
    op.drop_index("ix_process_subscriptions_instance_local", table_name="process_subscriptions")
