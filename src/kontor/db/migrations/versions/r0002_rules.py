"""Rules: deployed decision models, hook bindings and decision records.

Revision ID: 0002_rules
Revises: 0001_foundation
Create Date: 2026-11-28
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from kontor.db.schema import JsonDocument, UtcDateTime

revision: str = "0002_rules"
down_revision: str | None = "0001_foundation"
branch_labels: str | Sequence[str] | None = ("rules",)
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create the rule tables."""
    op.create_table(
        "rule_deployments",
        sa.Column("tenant_id", sa.String(64), nullable=False),
        sa.Column(
            "model_key", sa.String(200), nullable=False, comment="id (else name) of the definitions"
        ),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False, comment="sha256 of the XML"),
        sa.Column("file_name", sa.String(300), nullable=False),
        sa.Column("xml", sa.Text, nullable=False),
        sa.Column("deployed_at", UtcDateTime, nullable=False),
        sa.Column("deployed_by", sa.String(200), nullable=False),
        sa.Column("warnings", JsonDocument, nullable=False, comment="deploy-time check findings"),
        sa.PrimaryKeyConstraint("tenant_id", "model_key", "version", name="pk_rule_deployments"),
        sa.UniqueConstraint(
            "tenant_id", "model_key", "content_hash", name="uq_rule_deployments_content"
        ),
        comment="Deployed DMN models: versions 1, 2, ... per tenant and model key",
    )
    op.create_table(
        "rule_hook_bindings",
        sa.Column("tenant_id", sa.String(64), nullable=False),
        sa.Column("hook", sa.String(200), nullable=False),
        sa.Column("model_key", sa.String(200), nullable=False),
        sa.Column("decision", sa.String(300), nullable=False),
        sa.Column(
            "version", sa.Integer, nullable=True, comment="pinned version; null follows the latest"
        ),
        sa.Column("bound_at", UtcDateTime, nullable=False),
        sa.Column("bound_by", sa.String(200), nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "hook", name="pk_rule_hook_bindings"),
        comment="Which deployed decision answers a hook point, per tenant",
    )
    op.create_table(
        "rule_decision_records",
        sa.Column("record_id", sa.String(36), nullable=False),
        sa.Column("tenant_id", sa.String(64), nullable=False),
        sa.Column("hook", sa.String(200), nullable=False),
        sa.Column("model_key", sa.String(200), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("decision", sa.String(300), nullable=False),
        sa.Column("inputs", JsonDocument, nullable=False),
        sa.Column("output", JsonDocument, nullable=True),
        sa.Column("messages", JsonDocument, nullable=False),
        sa.Column("explanation", JsonDocument, nullable=False),
        sa.Column("decided_at", UtcDateTime, nullable=False),
        sa.Column("correlation_id", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("record_id", name="pk_rule_decision_records"),
        comment="Every decision taken through a hook, with its explanation (append-only)",
    )
    op.create_index(
        "ix_rule_decision_records_hook",
        "rule_decision_records",
        ["tenant_id", "hook", "decided_at"],
    )


def downgrade() -> None:
    """Drop the rule tables."""
    op.drop_table("rule_decision_records")
    op.drop_table("rule_hook_bindings")
    op.drop_table("rule_deployments")
