"""Tables of the BiPRO document inbox: portal accesses, received shipments, their contents."""

from __future__ import annotations

from sqlalchemy import (
    Column,
    Index,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from kontor.db.schema import UtcDateTime, metadata, tenant_column_type

portal_accesses = Table(
    "bipro_portal_accesses",
    metadata,
    Column("access_id", String(36), primary_key=True),
    Column("tenant_id", tenant_column_type(), nullable=False),
    Column("name", String(100), nullable=False),
    Column("insurer", String(200), nullable=False, comment="the insurer (Gesellschaft) polled"),
    Column("sts_url", String(2000), nullable=False),
    Column("transfer_url", String(2000), nullable=False),
    Column("username", String(200), nullable=False),
    Column("password_encrypted", String(2000), nullable=False),
    Column("owner_id", String(36), nullable=False, comment="the user notified of new shipments"),
    Column("on_new", String(16), nullable=False, comment="notify | start_process | create_task"),
    Column("process_key", String(200)),
    Column("task_group", String(100), comment="candidate group of the task a shipment creates"),
    Column("poll_cron", String(200), nullable=False),
    Column("last_polled_at", UtcDateTime),
    Column("last_outcome", String(16), comment="ok | failed"),
    Column("last_error", String(1000)),
    Column("poll_requested_at", UtcDateTime, comment="set by a scheduled poll, cleared once run"),
    Column("lease_until", UtcDateTime, comment="while one process polls this access"),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    UniqueConstraint("tenant_id", "name", name="uq_bipro_portal_accesses_name"),
    Index("ix_bipro_portal_accesses_tenant", "tenant_id", "access_id"),
    comment="BiPRO portal accesses (Portalzugänge): a broker's login at an insurer's portal",
)

shipments = Table(
    "bipro_shipments",
    metadata,
    Column("inbox_id", String(36), primary_key=True),
    Column("tenant_id", tenant_column_type(), nullable=False),
    Column("access_id", String(36), nullable=False),
    Column("shipment_id", String(200), nullable=False, comment="the provider's Lieferung ID"),
    Column("category", String(50), nullable=False),
    Column("provided_at", UtcDateTime),
    Column("received_at", UtcDateTime, nullable=False),
    Column("acknowledged_at", UtcDateTime, comment="null: stored, acknowledgement outstanding"),
    UniqueConstraint("tenant_id", "access_id", "shipment_id", name="uq_bipro_shipments_once"),
    Index("ix_bipro_shipments_tenant", "tenant_id", "received_at"),
    comment="The document inbox (Posteingang): each shipment of a portal access once",
)

shipment_documents = Table(
    "bipro_shipment_documents",
    metadata,
    Column("document_id", String(36), primary_key=True),
    Column("tenant_id", tenant_column_type(), nullable=False),
    Column("inbox_id", String(36), nullable=False),
    Column("position", Integer, nullable=False),
    Column("name", String(500), nullable=False),
    Column("media_type", String(200), nullable=False),
    Column("size", Integer, nullable=False),
    Column("content", LargeBinary, nullable=False),
    Index("ix_bipro_shipment_documents_inbox", "tenant_id", "inbox_id"),
    comment="Documents of inbox shipments, stored as blobs",
)

shipment_events = Table(
    "bipro_shipment_events",
    metadata,
    Column("event_id", String(36), primary_key=True),
    Column("tenant_id", tenant_column_type(), nullable=False),
    Column("inbox_id", String(36), nullable=False),
    Column("position", Integer, nullable=False),
    Column("kind", String(200), nullable=False, comment="the Geschaeftsvorfall's kind"),
    Column("contract_number", String(100), nullable=False),
    Column("text", Text, nullable=False),
    Index("ix_bipro_shipment_events_inbox", "tenant_id", "inbox_id"),
    comment="Business events (Geschäftsvorfälle) of inbox shipments",
)
