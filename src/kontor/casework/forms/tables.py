"""The forms table: deployed form definitions per tenant, key and version."""

from __future__ import annotations

from sqlalchemy import Column, Integer, String, Table

from kontor.db import JsonDocument, UtcDateTime, metadata, tenant_column_type

task_forms = Table(
    "task_forms",
    metadata,
    Column("tenant_id", tenant_column_type(), primary_key=True),
    Column("form_key", String(200), primary_key=True, comment="what a task's form_key names"),
    Column("version", Integer, primary_key=True, comment="1, 2, … per key"),
    Column("kind", String(16), nullable=False, comment="json_schema or camunda"),
    Column("definition", JsonDocument, nullable=False, comment="as deployed"),
    Column("data_schema", JsonDocument, nullable=False, comment="the JSON Schema checked"),
    Column("name", String(500)),
    Column("deployed_at", UtcDateTime, nullable=False),
    Column("deployed_by", String(64)),
    comment="Forms of tasks: JSON Schemas or Camunda forms, deployed per tenant in versions",
)
