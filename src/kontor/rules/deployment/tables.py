"""Tables of rule deployment: deployed models, hook bindings and the decisions taken."""

from __future__ import annotations

from sqlalchemy import (
    Column,
    Index,
    Integer,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from kontor.db import JsonDocument, UtcDateTime, metadata, tenant_column_type

rule_deployments = Table(
    "rule_deployments",
    metadata,
    Column("tenant_id", tenant_column_type(), nullable=False),
    Column("model_key", String(200), nullable=False, comment="id (else name) of the definitions"),
    Column("version", Integer, nullable=False),
    Column("content_hash", String(64), nullable=False, comment="sha256 of the XML"),
    Column("file_name", String(300), nullable=False),
    Column("xml", Text, nullable=False),
    Column("deployed_at", UtcDateTime, nullable=False),
    Column("deployed_by", String(200), nullable=False),
    Column("warnings", JsonDocument, nullable=False, comment="deploy-time check findings"),
    PrimaryKeyConstraint("tenant_id", "model_key", "version", name="pk_rule_deployments"),
    UniqueConstraint("tenant_id", "model_key", "content_hash", name="uq_rule_deployments_content"),
    comment="Deployed DMN models: versions 1, 2, ... per tenant and model key",
)

rule_hook_bindings = Table(
    "rule_hook_bindings",
    metadata,
    Column("tenant_id", tenant_column_type(), nullable=False),
    Column("hook", String(200), nullable=False),
    Column("model_key", String(200), nullable=False),
    Column("decision", String(300), nullable=False),
    Column("version", Integer, nullable=True, comment="pinned version; null follows the latest"),
    Column("bound_at", UtcDateTime, nullable=False),
    Column("bound_by", String(200), nullable=False),
    PrimaryKeyConstraint("tenant_id", "hook", name="pk_rule_hook_bindings"),
    comment="Which deployed decision answers a hook point, per tenant",
)

rule_decision_records = Table(
    "rule_decision_records",
    metadata,
    Column("record_id", String(36), nullable=False),
    Column("tenant_id", tenant_column_type(), nullable=False),
    Column("hook", String(200), nullable=False),
    Column("model_key", String(200), nullable=False),
    Column("version", Integer, nullable=False),
    Column("decision", String(300), nullable=False),
    Column("inputs", JsonDocument, nullable=False),
    Column("output", JsonDocument, nullable=True),
    Column("messages", JsonDocument, nullable=False),
    Column("explanation", JsonDocument, nullable=False),
    Column("decided_at", UtcDateTime, nullable=False),
    Column("correlation_id", String(64), nullable=False),
    PrimaryKeyConstraint("record_id", name="pk_rule_decision_records"),
    Index("ix_rule_decision_records_hook", "tenant_id", "hook", "decided_at"),
    comment="Every decision taken through a hook, with its explanation (append-only)",
)
