"""PostgreSQL: credentials answered from memory, forgotten at once when what they rest on changes.

Two wired Kontors on one database stand for two processes (each its own connection pool,
cache and listener). A change in the same process counts from its next request; another process
hears it through the tables' triggers.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from kontor import db
from kontor.api import create_app
from kontor.bootstrap import Kontor, bootstrap, load_schema
from kontor.platform import Directory
from kontor.platform.administration import deactivate_user
from kontor.platform.permissions import MANAGE_USERS
from kontor.settings import Environment, Settings
from support.identity import Caller, api_caller
from support.messaging import wait_for

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.parametrize("database_url", ["postgres"], indirect=True),
]

ME = "/api/auth/me"


def started(database_url: str) -> Kontor:
    """A Kontor of its own on the database, listening for changes (as ``kontor serve`` does)."""
    settings = Settings(environment=Environment.TEST, secret_key="a-real-secret-for-tests")
    wired = bootstrap(settings, engine=db.create_database_engine(database_url))
    wired.start(pump=False)
    cache = wired.authenticator.cache
    assert cache is not None
    wait_for(lambda: cache.answering, "the principal cache to listen")
    return wired


@pytest.fixture
def processes(engine: Engine, database_url: str) -> Iterator[tuple[Kontor, Kontor]]:
    load_schema()
    first, second = started(database_url), started(database_url)
    yield first, second
    for wired in (first, second):
        _clients.pop(id(wired), None)
        wired.stop()
        wired.engine.dispose()


_clients: dict[int, TestClient] = {}


def client(wired: Kontor) -> TestClient:
    """The API of ``wired`` (one app per process: its metrics register once)."""
    if id(wired) not in _clients:
        _clients[id(wired)] = TestClient(create_app(wired.settings, wired))
    return _clients[id(wired)]


def answers(wired: Kontor, caller: Caller) -> int:
    return client(wired).get(ME, headers=caller.headers).status_code


def hits(wired: Kontor) -> int:
    cache = wired.authenticator.cache
    assert cache is not None
    return cache.hits


def test_a_credential_is_read_once_and_a_change_counts_from_the_next_request(
    processes: tuple[Kontor, Kontor],
) -> None:
    here, _ = processes
    caller = api_caller(here)
    assert answers(here, caller) == 200
    before = hits(here)
    assert [answers(here, caller) for _ in range(3)] == [200] * 3
    assert hits(here) == before + 3  # no lookup in the database
    with here.bus.unit_of_work() as uow:
        deactivate_user(uow, caller.principal.tenant_id, caller.principal.user_id, None)
        uow.commit()
    assert answers(here, caller) == 401


def test_another_process_hears_deactivations_and_permission_changes(
    processes: tuple[Kontor, Kontor],
) -> None:
    here, there = processes
    caller = api_caller(here)
    other = api_caller(here, login="other@dev.test")
    assert answers(there, caller) == 200
    assert answers(there, other) == 200
    me = client(there).get(ME, headers=caller.headers).json()
    assert MANAGE_USERS in me["permissions"]
    with here.bus.unit_of_work() as uow:
        Directory(uow.connection, caller.principal.tenant_id).set_grant(
            caller.principal.user_id, MANAGE_USERS, False
        )  # withdrawn from this user, whatever their groups give
        uow.commit()
    wait_for(
        lambda: (
            MANAGE_USERS not in client(there).get(ME, headers=caller.headers).json()["permissions"]
        ),
        "the other process to hear the withdrawn grant",
    )
    with here.bus.unit_of_work() as uow:
        deactivate_user(uow, other.principal.tenant_id, other.principal.user_id, None)
        uow.commit()
    wait_for(lambda: answers(there, other) == 401, "the other process to refuse the token")


def test_a_change_made_outside_kontor_is_heard_too(
    processes: tuple[Kontor, Kontor], database_url: str
) -> None:
    here, there = processes
    caller = api_caller(here)
    assert answers(here, caller) == 200
    assert answers(there, caller) == 200
    with psycopg.connect(
        database_url.replace("postgresql+psycopg", "postgresql"), autocommit=True
    ) as connection:
        connection.execute(
            "UPDATE platform_api_tokens SET revoked_at = %s", (dt.datetime.now(dt.UTC),)
        )
    for wired in processes:
        wait_for(lambda w=wired: answers(w, caller) == 401, "the revocation to be heard")


def test_a_process_that_cannot_hear_changes_reads_every_time(
    processes: tuple[Kontor, Kontor],
) -> None:
    here, _ = processes
    caller = api_caller(here)
    cache: Any = here.authenticator.cache
    cache.deaf()  # as when the listening connection is lost
    before = hits(here)
    assert [answers(here, caller) for _ in range(3)] == [200] * 3
    assert hits(here) == before
