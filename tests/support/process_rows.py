"""Counting rows of the process tables, for tests that watch workers from outside."""

from __future__ import annotations

from sqlalchemy import ColumnElement, Engine, Table, func, select

from kontor.process.store.tables import process_instances


def count_rows(engine: Engine, table: Table, *where: ColumnElement[bool]) -> int:
    """How many rows of ``table`` match every condition of ``where``."""
    with engine.connect() as connection:
        return connection.execute(
            select(func.count()).select_from(table).where(*where)
        ).scalar_one()


def active_instances(engine: Engine) -> int:
    """How many process instances are still active (of every tenant)."""
    return count_rows(engine, process_instances, process_instances.c.status == "active")
