"""Redeploying an earlier version's XML makes it the latest again: content is no longer unique.

Identical content is a no-op only against the latest version of a process, so the same XML may
now be stored under several versions; a plain index keeps the lookup by content fast.

Revision ID: 0031_redeploy_earlier_version
Revises: 0029_process_job_priority
Create Date: 2026-12-02
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0031_redeploy_earlier_version"
down_revision: str | None = "0029_process_job_priority"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_COLUMNS = ["tenant_id", "process_key", "content_sha256"]


def upgrade() -> None:
    """Replace the unique constraint on (tenant, key, content) by a plain index."""
    with op.batch_alter_table("process_definitions") as batch:
        batch.drop_constraint("uq_process_definitions_content", type_="unique")
        batch.create_index("ix_process_definitions_content", _COLUMNS)


def downgrade() -> None:
    """Make content unique per process again (fails while a content has several versions)."""
    with op.batch_alter_table("process_definitions") as batch:
        batch.drop_index("ix_process_definitions_content")
        batch.create_unique_constraint("uq_process_definitions_content", _COLUMNS)
