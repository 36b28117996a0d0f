"""A unit of work calls back after its commit only: not when rolled back or its block undone."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

from kontor.messaging import SystemClock, UnitOfWork


def test_a_callback_runs_once_the_transaction_committed(engine: Engine) -> None:
    called: list[str] = []
    with UnitOfWork(engine, SystemClock()) as uow:
        uow.on_commit(lambda: called.append("committed"))
        uow.commit()
        assert called == []  # not before the connection is released
    assert called == ["committed"]


def undone_block(uow: UnitOfWork, called: list[str]) -> None:
    """A savepoint block that asks for a callback and then fails."""
    with uow.savepoint():
        uow.on_commit(lambda: called.append("undone"))
        raise ValueError("undone")


def test_no_callback_without_a_commit_or_for_an_undone_savepoint(engine: Engine) -> None:
    called: list[str] = []
    with UnitOfWork(engine, SystemClock()) as uow:
        uow.on_commit(lambda: called.append("rolled back"))
        uow.rollback()
        with pytest.raises(ValueError, match="undone"):
            undone_block(uow, called)
        uow.on_commit(lambda: called.append("kept"))
        uow.commit()
    with UnitOfWork(engine, SystemClock()) as uow:
        uow.on_commit(lambda: called.append("never committed"))
    assert called == ["kept"]
