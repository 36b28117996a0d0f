"""Alembic environment: migrates the engine handed over in the configuration's attributes."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Engine

from kontor.db.engine import connect_for_writing
from kontor.db.schema import metadata


def _run() -> None:
    engine: Engine = context.config.attributes["engine"]
    with connect_for_writing(engine) as connection:
        context.configure(
            connection=connection,
            target_metadata=metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
        connection.commit()


_run()
