"""Store contract: the same behaviour on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import Engine, insert, select

from kontor.errors import Conflict, InvalidInput, NotFound
from kontor.messaging import FakeClock, UnitOfWork, outbox
from kontor.platform import TenantStore
from support.backends import BACKENDS

pytestmark = pytest.mark.parametrize("database_url", BACKENDS, indirect=True)

BERLIN_SUMMER = dt.datetime(2026, 7, 1, 14, 30, tzinfo=dt.timezone(dt.timedelta(hours=2)))


def test_tenant_round_trip_keeps_aware_utc_time(engine: Engine) -> None:
    clock = FakeClock(BERLIN_SUMMER)
    with UnitOfWork(engine, clock) as uow:
        TenantStore(uow.connection).add("makler-a", "Makler A", clock.now())
        uow.commit()
    with UnitOfWork(engine, clock) as uow:
        tenant = TenantStore(uow.connection).get("makler-a")
    assert tenant.name == "Makler A"
    assert tenant.created_at == BERLIN_SUMMER
    assert tenant.created_at.utcoffset() == dt.timedelta(0)


def test_duplicate_tenant_is_a_conflict(engine: Engine) -> None:
    clock = FakeClock()
    with UnitOfWork(engine, clock) as uow:
        store = TenantStore(uow.connection)
        store.add("makler-a", "Makler A", clock.now())
        with pytest.raises(Conflict):
            store.add("makler-a", "Makler A again", clock.now())


def test_bad_tenant_id_names_the_field(engine: Engine) -> None:
    with UnitOfWork(engine, FakeClock()) as uow, pytest.raises(InvalidInput) as caught:
        TenantStore(uow.connection).add("Makler A!", "x", FakeClock().now())
    assert caught.value.details["field"] == "tenant_id"


def test_unknown_tenant_is_not_found(engine: Engine) -> None:
    with UnitOfWork(engine, FakeClock()) as uow, pytest.raises(NotFound):
        TenantStore(uow.connection).get("nobody")


def test_uncommitted_unit_of_work_leaves_nothing(engine: Engine) -> None:
    clock = FakeClock()
    with UnitOfWork(engine, clock) as uow:
        TenantStore(uow.connection).add("makler-a", "Makler A", clock.now())
    with UnitOfWork(engine, clock) as uow:
        assert TenantStore(uow.connection).find("makler-a") is None


def test_naive_datetimes_are_refused(engine: Engine) -> None:
    with UnitOfWork(engine, FakeClock()) as uow, pytest.raises(Exception, match="naive"):
        TenantStore(uow.connection).add("makler-a", "Makler A", dt.datetime(2026, 1, 1))


def test_json_payload_round_trips_unicode_and_nesting(engine: Engine) -> None:
    payload = {"Versicherungsnehmer": "Jörg Müller", "Sparten": ["130", "140"], "n": {"a": 1}}
    with UnitOfWork(engine, FakeClock()) as uow:
        uow.connection.execute(
            insert(outbox).values(
                message_id="m-1",
                type_name="t",
                schema_version=1,
                tenant_id="t1",
                correlation_id="c",
                occurred_at=FakeClock().now(),
                payload=payload,
            )
        )
        uow.commit()
    with engine.connect() as connection:
        stored = connection.execute(select(outbox.c.payload)).scalar_one()
    assert stored == payload
