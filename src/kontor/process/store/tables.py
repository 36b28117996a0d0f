"""Tables of the process engine: definitions, instances and the rows derived from their state."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from kontor.db import JsonDocument, JsonValue, UtcDateTime, metadata, tenant_column_type

process_definitions = Table(
    "process_definitions",
    metadata,
    Column("definition_id", String(36), primary_key=True),
    Column("tenant_id", tenant_column_type(), nullable=False),
    Column("process_key", String(200), nullable=False),
    Column("version", Integer, nullable=False),
    Column("name", String(200)),
    Column("content_sha256", String(64), nullable=False),
    Column("bpmn_xml", Text, nullable=False),
    Column("deployed_at", UtcDateTime, nullable=False),
    Column("history_ttl_days", Integer),
    UniqueConstraint("tenant_id", "process_key", "version", name="uq_process_definitions_version"),
    # Not unique: redeploying an earlier version's XML makes it the latest again.
    Index("ix_process_definitions_content", "tenant_id", "process_key", "content_sha256"),
    comment="Deployed BPMN processes: versions 1, 2, ... per tenant and process key",
)

process_instances = Table(
    "process_instances",
    metadata,
    Column("instance_id", String(36), primary_key=True),
    Column("tenant_id", tenant_column_type(), nullable=False),
    Column(
        "definition_id",
        String(36),
        ForeignKey("process_definitions.definition_id"),
        nullable=False,
    ),
    Column("process_key", String(200), nullable=False),
    Column("definition_version", Integer, nullable=False),
    Column("business_key", String(200)),
    Column("case_id", String(64)),
    Column("status", String(16), nullable=False),
    Column("state", JsonDocument, nullable=False),
    Column("revision", Integer, nullable=False),
    Column("started_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Column("ended_at", UtcDateTime),
    Column("parent_instance_id", String(36)),
    Column("parent_token_id", String(64)),
    Column("started_by", String(36), comment="the user who started it; null: not a person"),
    UniqueConstraint(
        "tenant_id", "process_key", "business_key", name="uq_process_instances_business_key"
    ),
    comment="Process instances: runtime state as JSON, revision guards concurrent steps",
)
Index("ix_process_instances_status", process_instances.c.tenant_id, process_instances.c.status)
Index("ix_process_instances_parent_instance_id", process_instances.c.parent_instance_id)
Index("ix_process_instances_ended_at", process_instances.c.ended_at)

process_jobs = Table(
    "process_jobs",
    metadata,
    Column("job_id", String(36), primary_key=True),
    Column("tenant_id", tenant_column_type(), nullable=False),
    Column("instance_id", String(36), nullable=False),
    Column("local_id", String(64), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("type", String(200)),
    Column("element_id", String(200), nullable=False),
    Column("due_at", UtcDateTime),
    Column("retries", Integer, nullable=False),
    Column("lock_owner", String(100)),
    Column("locked_until", UtcDateTime),
    Column("idempotency_key", String(120), nullable=False, unique=True),
    Column("created_at", UtcDateTime, nullable=False),
    Column("error_message", Text),
    Column(
        "priority",
        Integer,
        nullable=False,
        server_default="0",
        comment="external tasks: fetched highest first when the worker asks",
    ),
    Column("trace_parent", String(64), comment="W3C traceparent of the step that created it"),
    comment="Timers, async steps and service-task executions; no due_at in incident",
)
Index("ix_process_jobs_due_at", process_jobs.c.due_at)
Index("ix_process_jobs_instance_id", process_jobs.c.instance_id)

process_subscriptions = Table(
    "process_subscriptions",
    metadata,
    Column("subscription_id", String(36), primary_key=True),
    Column("tenant_id", tenant_column_type(), nullable=False),
    Column("instance_id", String(36), nullable=False),
    Column("local_id", String(64), nullable=False),
    Column("event", String(32), nullable=False),
    Column("name", String(200), nullable=False),
    Column("correlation_key", String(200)),
    Column("element_id", String(200), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    comment="Open message and signal subscriptions of waiting instances",
)
Index(
    "ix_process_subscriptions_lookup",
    process_subscriptions.c.tenant_id,
    process_subscriptions.c.event,
    process_subscriptions.c.name,
    process_subscriptions.c.correlation_key,
)
Index(
    "ix_process_subscriptions_instance_local",
    process_subscriptions.c.instance_id,
    process_subscriptions.c.local_id,
)

process_incidents = Table(
    "process_incidents",
    metadata,
    Column("incident_id", String(36), primary_key=True),
    Column("tenant_id", tenant_column_type(), nullable=False),
    Column("instance_id", String(36), nullable=False),
    Column("local_id", String(64), nullable=False),
    Column("element_id", String(200), nullable=False),
    Column("reason", Text, nullable=False),
    Column("job_local_id", String(64)),
    Column("created_at", UtcDateTime, nullable=False),
    Column("resolved_at", UtcDateTime),
    comment="Problems an instance cannot solve alone; kept after resolution",
)
Index("ix_process_incidents_instance_id", process_incidents.c.instance_id)

process_activity_history = Table(
    "process_activity_history",
    metadata,
    Column(
        "activity_id",
        BigInteger().with_variant(Integer(), "sqlite"),
        primary_key=True,
        autoincrement=True,
    ),
    Column("tenant_id", tenant_column_type(), nullable=False),
    Column("instance_id", String(36), nullable=False),
    Column("element_id", String(200), nullable=False),
    Column("element_kind", String(64), nullable=False),
    Column("token_id", String(64), nullable=False),
    Column("started_at", UtcDateTime, nullable=False),
    Column("ended_at", UtcDateTime),
    Column("outcome", String(16)),
    comment="Activity instances of process instances: start, end and how they ended",
)
Index("ix_process_activity_history_instance_id", process_activity_history.c.instance_id)

process_variable_history = Table(
    "process_variable_history",
    metadata,
    Column(
        "change_id",
        BigInteger().with_variant(Integer(), "sqlite"),
        primary_key=True,
        autoincrement=True,
    ),
    Column("tenant_id", tenant_column_type(), nullable=False),
    Column("instance_id", String(36), nullable=False),
    Column("scope_id", String(64), nullable=False),
    Column("name", String(200), nullable=False),
    Column("value", JsonValue),  # a bare number stays exact on SQLite too
    Column("removed", Boolean, nullable=False),
    Column("changed_at", UtcDateTime, nullable=False),
    comment="Variable changes of process instances (history level full)",
)
Index("ix_process_variable_history_instance_id", process_variable_history.c.instance_id)

process_operation_log = Table(
    "process_operation_log",
    metadata,
    Column("operation_id", String(36), primary_key=True),
    Column("tenant_id", tenant_column_type(), nullable=False),
    Column("instance_id", String(36), nullable=False),
    Column("operation", String(64), nullable=False),
    Column("actor", String(200)),
    Column("details", JsonDocument, nullable=False),
    Column("at", UtcDateTime, nullable=False),
    comment="Operations on instances by people: suspend, cancel, modify, migrate, resolve",
)
Index("ix_process_operation_log_instance_id", process_operation_log.c.instance_id)

process_start_arrivals = Table(
    "process_start_arrivals",
    metadata,
    Column("arrival_id", String(36), primary_key=True),
    Column("tenant_id", tenant_column_type(), nullable=False),
    Column("process_key", String(200), nullable=False),
    Column("element_id", String(200), nullable=False),
    Column("definition_index", Integer, nullable=False, comment="which event definition came"),
    Column("variables", JsonDocument, nullable=False),
    Column("arrived_at", UtcDateTime, nullable=False),
    comment="Messages and signals a parallel multiple start event of a process has received: "
    "an instance starts once each of its definitions came",
)
Index(
    "ix_process_start_arrivals_event",
    process_start_arrivals.c.tenant_id,
    process_start_arrivals.c.process_key,
    process_start_arrivals.c.element_id,
    process_start_arrivals.c.arrived_at,
)
