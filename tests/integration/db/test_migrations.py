"""The migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, inspect, text

from kontor import db
from kontor.bootstrap import load_schema
from support.backends import BACKENDS

pytestmark = pytest.mark.parametrize("database_url", BACKENDS, indirect=True)


def test_migrated_schema_matches_the_models(engine: Engine) -> None:
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, load_schema())
    assert differences == []


def test_database_is_at_the_newest_revision(engine: Engine) -> None:
    assert db.is_up_to_date(engine)
    assert "0001_foundation" in db.current_revisions(engine) | {"0001_foundation"}


def test_downgrade_to_base_removes_every_table(engine: Engine) -> None:
    db.downgrade(engine, "base")
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    db.upgrade(engine)
    assert "message_outbox" in inspect(engine).get_table_names()


def test_unsealed_audit_entries_move_to_their_own_table_and_back(engine: Engine) -> None:
    db.downgrade(engine, "0039_audit_partial_indexes")
    entry = (
        "INSERT INTO audit_entries (entry_id, tenant_id, recorded_at, action, entity_type, "
        "entity_id, difference_mac, content_mac, chain_position) VALUES "
        "(:id, 't1', '2026-12-01 10:00:00', 'a', 'thing', '1', 'd', 'c', :position)"
    )
    with engine.begin() as connection:
        connection.execute(text(entry), [{"id": "sealed", "position": 1}])
        connection.execute(text(entry), [{"id": "new", "position": None}])
    db.upgrade(engine)
    ids = "SELECT entry_id FROM {} ORDER BY entry_id"
    with engine.connect() as connection:
        assert connection.scalars(text(ids.format("audit_entries"))).all() == ["sealed"]
        assert connection.scalars(text(ids.format("audit_unsealed"))).all() == ["new"]
    db.downgrade(engine, "0039_audit_partial_indexes")
    with engine.connect() as connection:
        assert connection.scalars(text(ids.format("audit_entries"))).all() == ["new", "sealed"]
    db.upgrade(engine)


def test_the_audit_chain_is_keyed_by_tenant_and_entry_and_back(engine: Engine) -> None:
    db.downgrade(engine, "0041_audit_unsealed")
    assert "ix_audit_entries_tenant" in {
        i["name"] for i in inspect(engine).get_indexes("audit_entries")
    }
    entry = (
        "INSERT INTO audit_entries (entry_id, tenant_id, recorded_at, action, entity_type, "
        "entity_id, difference_mac, content_mac, subject, chain_position) VALUES "
        "(:id, :tenant, '2026-12-01 10:00:00', 'a', 'thing', '1', 'd', 'c', 's', 1)"
    )
    with engine.begin() as connection:
        connection.execute(
            text(entry), [{"id": "e1", "tenant": "t1"}, {"id": "e2", "tenant": "t2"}]
        )
    for _ in range(2):
        db.upgrade(engine)
        schema = inspect(engine)
        assert schema.get_pk_constraint("audit_entries")["constrained_columns"] == [
            "tenant_id",
            "entry_id",
        ]
        indexes = {i["name"] for i in schema.get_indexes("audit_entries")}
        assert "ix_audit_entries_tenant" not in indexes
        assert {"uq_audit_entries_chain_position", "ix_audit_entries_subject"} <= indexes
        with engine.connect() as connection:
            rows = connection.execute(text("SELECT tenant_id, entry_id FROM audit_entries"))
            assert sorted(tuple(row) for row in rows) == [("t1", "e1"), ("t2", "e2")]
        db.downgrade(engine, "0041_audit_unsealed")
        assert inspect(engine).get_pk_constraint("audit_entries")["constrained_columns"] == [
            "entry_id"
        ]
    db.upgrade(engine)
