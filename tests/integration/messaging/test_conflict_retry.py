"""A command the database rolled back for a conflict runs again, a bounded number of times."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import psycopg
import pytest
from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError

from kontor.errors import KontorError
from kontor.messaging import Command, FakeClock, HandlerRegistry, InProcessTransport, MessageBus
from kontor.messaging.bus import ATTEMPTS
from kontor.messaging.uow import UnitOfWork
from kontor.platform import TenantStore


class OpenTenant(Command, type_name="test.open_tenant"):
    """Create a tenant (a row that a rolled-back attempt must not leave behind)."""

    tenant_id: str


def _bus(
    engine: Engine, fail_first: int, error: Callable[[], Exception]
) -> tuple[MessageBus, list[int]]:
    attempts: list[int] = []

    def open_tenant(command: OpenTenant, uow: UnitOfWork) -> int:
        attempts.append(len(attempts) + 1)
        TenantStore(uow.connection).add(command.tenant_id, "Test", uow.clock.now())
        if len(attempts) <= fail_first:
            raise error()
        return len(attempts)

    registry = HandlerRegistry()
    registry.register_command(OpenTenant, open_tenant)
    return MessageBus(engine, FakeClock(), registry, InProcessTransport()), attempts


def _conflict(kind: type[psycopg.Error]) -> Callable[[], Exception]:
    return lambda: OperationalError("UPDATE …", {}, kind("conflict"))


def _tenants(engine: Engine) -> int:
    with UnitOfWork(engine, FakeClock()) as uow:
        return len(TenantStore(uow.connection).list())


class StaleState(KontorError):
    """A concurrent change won: running the command again may succeed."""

    retry_at_once = True


@pytest.mark.parametrize(
    "error",
    [
        _conflict(psycopg.errors.SerializationFailure),
        _conflict(psycopg.errors.DeadlockDetected),
        lambda: StaleState("the instance changed"),
    ],
    ids=["serialization failure", "deadlock", "stale state"],
)
def test_a_conflict_rolled_back_runs_again_and_commits_once(
    engine: Engine, error: Callable[[], Exception]
) -> None:
    bus, attempts = _bus(engine, ATTEMPTS - 1, error)
    assert bus.handle(OpenTenant(tenant_id="neu")) == len(attempts) == ATTEMPTS
    assert _tenants(engine) == 1


def test_a_conflict_that_persists_reaches_the_caller_after_the_bound(engine: Engine) -> None:
    bus, attempts = _bus(engine, ATTEMPTS, _conflict(psycopg.errors.SerializationFailure))
    with pytest.raises(OperationalError):
        bus.handle(OpenTenant(tenant_id="neu"))
    assert (len(attempts), _tenants(engine)) == (ATTEMPTS, 0)


@pytest.mark.parametrize(
    ("error", "raised"),
    [
        (_conflict(psycopg.errors.LockNotAvailable), OperationalError),
        (lambda: ValueError("a bug"), ValueError),
    ],
    ids=["lock timeout: it already waited", "any other error"],
)
def test_other_errors_are_not_run_again(
    engine: Engine, error: Callable[[], Any], raised: type[Exception]
) -> None:
    bus, attempts = _bus(engine, 1, error)
    with pytest.raises(raised):
        bus.handle(OpenTenant(tenant_id="neu"))
    assert (len(attempts), _tenants(engine)) == (1, 0)
