"""Process engine: definitions, instances, jobs, subscriptions, incidents, activity history.

Revision ID: 0003_process
Revises: 0001_foundation
Create Date: 2026-11-24
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from kontor.db.schema import JsonDocument, UtcDateTime

revision: str = "0003_process"
down_revision: str | None = "0001_foundation"
branch_labels: str | Sequence[str] | None = ("process",)
depends_on: str | Sequence[str] | None = None


def _tenant() -> sa.Column[str]:
    return sa.Column("tenant_id", sa.String(64), nullable=False)


def upgrade() -> None:
    """Create the process engine's tables."""
    op.create_table(
        "process_definitions",
        sa.Column("definition_id", sa.String(36), nullable=False),
        _tenant(),
        sa.Column("process_key", sa.String(200), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("name", sa.String(200)),
        sa.Column("content_sha256", sa.String(64), nullable=False),
        sa.Column("bpmn_xml", sa.Text, nullable=False),
        sa.Column("deployed_at", UtcDateTime, nullable=False),
        sa.PrimaryKeyConstraint("definition_id", name="pk_process_definitions"),
        sa.UniqueConstraint(
            "tenant_id", "process_key", "version", name="uq_process_definitions_version"
        ),
        sa.UniqueConstraint(
            "tenant_id", "process_key", "content_sha256", name="uq_process_definitions_content"
        ),
        comment="Deployed BPMN processes: versions 1, 2, ... per tenant and process key",
    )
    op.create_table(
        "process_instances",
        sa.Column("instance_id", sa.String(36), nullable=False),
        _tenant(),
        sa.Column("definition_id", sa.String(36), nullable=False),
        sa.Column("process_key", sa.String(200), nullable=False),
        sa.Column("definition_version", sa.Integer, nullable=False),
        sa.Column("business_key", sa.String(200)),
        sa.Column("case_id", sa.String(64)),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("state", JsonDocument, nullable=False),
        sa.Column("revision", sa.Integer, nullable=False),
        sa.Column("started_at", UtcDateTime, nullable=False),
        sa.Column("updated_at", UtcDateTime, nullable=False),
        sa.Column("ended_at", UtcDateTime),
        sa.PrimaryKeyConstraint("instance_id", name="pk_process_instances"),
        sa.ForeignKeyConstraint(
            ["definition_id"],
            ["process_definitions.definition_id"],
            name="fk_process_instances_definition_id_process_definitions",
        ),
        sa.UniqueConstraint(
            "tenant_id", "process_key", "business_key", name="uq_process_instances_business_key"
        ),
        comment="Process instances: runtime state as JSON, revision guards concurrent steps",
    )
    op.create_index("ix_process_instances_status", "process_instances", ["tenant_id", "status"])
    op.create_table(
        "process_jobs",
        sa.Column("job_id", sa.String(36), nullable=False),
        _tenant(),
        sa.Column("instance_id", sa.String(36), nullable=False),
        sa.Column("local_id", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("type", sa.String(200)),
        sa.Column("element_id", sa.String(200), nullable=False),
        sa.Column("due_at", UtcDateTime),
        sa.Column("retries", sa.Integer, nullable=False),
        sa.Column("lock_owner", sa.String(100)),
        sa.Column("locked_until", UtcDateTime),
        sa.Column("idempotency_key", sa.String(120), nullable=False),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.PrimaryKeyConstraint("job_id", name="pk_process_jobs"),
        sa.UniqueConstraint("idempotency_key", name="uq_process_jobs_idempotency_key"),
        comment="Timers, async steps and service-task executions; no due_at in incident",
    )
    op.create_index("ix_process_jobs_due_at", "process_jobs", ["due_at"])
    op.create_index("ix_process_jobs_instance_id", "process_jobs", ["instance_id"])
    op.create_table(
        "process_subscriptions",
        sa.Column("subscription_id", sa.String(36), nullable=False),
        _tenant(),
        sa.Column("instance_id", sa.String(36), nullable=False),
        sa.Column("local_id", sa.String(64), nullable=False),
        sa.Column("event", sa.String(16), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("correlation_key", sa.String(200)),
        sa.Column("element_id", sa.String(200), nullable=False),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.PrimaryKeyConstraint("subscription_id", name="pk_process_subscriptions"),
        comment="Open message and signal subscriptions of waiting instances",
    )
    op.create_index(
        "ix_process_subscriptions_lookup",
        "process_subscriptions",
        ["tenant_id", "event", "name", "correlation_key"],
    )
    op.create_index(
        "ix_process_subscriptions_instance_id", "process_subscriptions", ["instance_id"]
    )
    op.create_table(
        "process_incidents",
        sa.Column("incident_id", sa.String(36), nullable=False),
        _tenant(),
        sa.Column("instance_id", sa.String(36), nullable=False),
        sa.Column("local_id", sa.String(64), nullable=False),
        sa.Column("element_id", sa.String(200), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("job_local_id", sa.String(64)),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("resolved_at", UtcDateTime),
        sa.PrimaryKeyConstraint("incident_id", name="pk_process_incidents"),
        comment="Problems an instance cannot solve alone; kept after resolution",
    )
    op.create_index("ix_process_incidents_instance_id", "process_incidents", ["instance_id"])
    op.create_table(
        "process_activity_history",
        sa.Column(
            "activity_id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        _tenant(),
        sa.Column("instance_id", sa.String(36), nullable=False),
        sa.Column("element_id", sa.String(200), nullable=False),
        sa.Column("element_kind", sa.String(64), nullable=False),
        sa.Column("token_id", sa.String(64), nullable=False),
        sa.Column("started_at", UtcDateTime, nullable=False),
        sa.Column("ended_at", UtcDateTime),
        sa.Column("outcome", sa.String(16)),
        sa.PrimaryKeyConstraint("activity_id", name="pk_process_activity_history"),
        comment="Activity instances of process instances: start, end and how they ended",
    )
    op.create_index(
        "ix_process_activity_history_instance_id", "process_activity_history", ["instance_id"]
    )


def downgrade() -> None:
    """Drop the process engine's tables."""
    for table in (
        "process_activity_history",
        "process_incidents",
        "process_subscriptions",
        "process_jobs",
        "process_instances",
        "process_definitions",
    ):
        op.drop_table(table)
