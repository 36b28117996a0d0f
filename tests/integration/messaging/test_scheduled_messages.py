"""Durable timers: scheduled in the caller's transaction, fired once when due, cancellable by key,
surviving a restart, and never delivered twice when two workers race for them."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from sqlalchemy import Engine, func, select, update

from kontor.bootstrap import Kontor, bootstrap
from kontor.messaging import (
    FakeClock,
    HandlerRegistry,
    Schedule,
    ScheduledDelivery,
    outbox,
    scheduled_messages,
)
from kontor.settings import Settings
from support.backends import BACKENDS
from support.messaging import (
    ContractNoted,
    NoteContract,
    Switches,
    effect_rows,
    register_test_handlers,
    test_metadata,
)

pytestmark = pytest.mark.parametrize("database_url", BACKENDS, indirect=True)

TENANT = "t1"
START = dt.datetime(2026, 3, 2, 8, 0, tzinfo=dt.UTC)


def wired(engine: Engine, clock: FakeClock) -> Kontor:
    registry = HandlerRegistry()
    register_test_handlers(registry, Switches())
    kontor = bootstrap(Settings(), clock=clock, engine=engine, registry=registry)
    test_metadata.create_all(engine)
    return kontor


def schedule(kontor: Kontor, text: str, after: dt.timedelta, key: str | None = None) -> None:
    with kontor.bus.unit_of_work() as uow:
        Schedule.of(uow).at(
            uow.clock.now() + after, ContractNoted(tenant_id=TENANT, text=text), key=key
        )
        uow.commit()


def heard(engine: Engine) -> list[str]:
    """What the audit test handler heard, in order."""
    return [value for _, _, value in effect_rows(engine, "audit")]


def test_a_message_fires_once_when_due_and_not_before(engine: Engine) -> None:
    clock = FakeClock(START)
    kontor = wired(engine, clock)
    schedule(kontor, "remind", dt.timedelta(hours=1))
    assert kontor.timers is not None
    assert kontor.timers.next_due_at() == START + dt.timedelta(hours=1)

    clock.advance(dt.timedelta(minutes=59))
    kontor.background_round()
    assert heard(engine) == []

    clock.advance(dt.timedelta(minutes=1))
    kontor.background_round()
    kontor.background_round()
    assert heard(engine) == ["remind"]
    assert kontor.timers.next_due_at() is None


def test_a_rolled_back_transaction_schedules_nothing(engine: Engine) -> None:
    clock = FakeClock(START)
    kontor = wired(engine, clock)
    with kontor.bus.unit_of_work() as uow:
        Schedule.of(uow).at(START, ContractNoted(tenant_id=TENANT, text="never"))
        uow.rollback()
    clock.advance(dt.timedelta(days=1))
    kontor.background_round()
    assert heard(engine) == []


def test_a_scheduled_command_is_handled_through_the_bus(engine: Engine) -> None:
    clock = FakeClock(START)
    kontor = wired(engine, clock)
    with kontor.bus.unit_of_work() as uow:
        Schedule.of(uow).at(
            START + dt.timedelta(minutes=5), NoteContract(tenant_id=TENANT, text="later")
        )
        uow.commit()
    clock.advance(dt.timedelta(minutes=5))
    kontor.background_round()
    assert heard(engine) == ["later"]  # the command's handler ran and emitted its event


def test_a_key_cancels_or_replaces_the_scheduled_message(engine: Engine) -> None:
    clock = FakeClock(START)
    kontor = wired(engine, clock)
    schedule(kontor, "first", dt.timedelta(hours=1), key="task:1:deadline")
    schedule(kontor, "second", dt.timedelta(hours=2), key="task:1:deadline")
    schedule(kontor, "other", dt.timedelta(hours=1), key="task:2:deadline")
    with kontor.bus.unit_of_work() as uow:
        waiting = Schedule.of(uow).find(TENANT, "task:1:deadline")
        assert waiting is not None
        assert waiting.due_at == START + dt.timedelta(hours=2)
        assert Schedule.of(uow).cancel(TENANT, "task:2:deadline")
        assert not Schedule.of(uow).cancel(TENANT, "task:3:deadline")
        assert Schedule.of(uow).find("t2", "task:1:deadline") is None  # keys are per tenant
        uow.commit()
    clock.advance(dt.timedelta(hours=3))
    kontor.background_round()
    assert heard(engine) == ["second"]


def test_scheduled_messages_survive_a_restart(engine: Engine, database_url: str) -> None:
    clock = FakeClock(START)
    schedule(wired(engine, clock), "after restart", dt.timedelta(minutes=30))
    engine.dispose()  # the process ends; a new one starts on the same database
    from kontor import db

    fresh = db.create_database_engine(database_url)
    try:
        clock.advance(dt.timedelta(minutes=30))
        wired(fresh, clock).background_round()
        assert heard(fresh) == ["after restart"]
    finally:
        fresh.dispose()


def test_a_claim_left_by_a_dead_worker_is_taken_over_when_it_ends(engine: Engine) -> None:
    clock = FakeClock(START)
    kontor = wired(engine, clock)
    schedule(kontor, "orphan", dt.timedelta(0))
    dead = ScheduledDelivery(kontor.bus, owner="dead", claim_for=dt.timedelta(minutes=2))
    assert len(dead._claim()) == 1  # claims, then dies before delivering
    survivor = ScheduledDelivery(kontor.bus, owner="survivor")
    assert survivor.fire_due() == 0
    clock.advance(dt.timedelta(minutes=2))
    assert survivor.fire_due() == 1
    assert heard(engine) == ["orphan"]
    with kontor.bus.unit_of_work() as uow:
        assert Schedule.of(uow).pending(TENANT) == []


def test_two_workers_racing_deliver_each_message_once(engine: Engine) -> None:
    clock = FakeClock(START)
    kontor = wired(engine, clock)
    texts = [f"m{n}" for n in range(40)]
    with kontor.bus.unit_of_work() as uow:
        for text in texts:
            Schedule.of(uow).at(START, ContractNoted(tenant_id=TENANT, text=text))
        uow.commit()
    workers = [ScheduledDelivery(kontor.bus, owner=f"w{n}", batch=5) for n in range(2)]
    counts = [0, 0]
    errors: list[BaseException] = []
    barrier = threading.Barrier(2)

    def run(index: int) -> None:
        try:
            barrier.wait()
            counts[index] = workers[index].fire_until_idle()
        except BaseException as error:  # reported below, not lost in the thread
            errors.append(error)

    threads = [threading.Thread(target=run, args=(n,)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sum(counts) == len(texts)
    assert sorted(heard(engine)) == sorted(texts)  # each handled exactly once
    with engine.connect() as connection:
        in_outbox = connection.execute(
            select(func.count(func.distinct(outbox.c.message_id))).where(
                outbox.c.type_name == ContractNoted.type_name
            )
        ).scalar_one()
        fired = connection.execute(
            select(func.count()).where(outbox.c.type_name == ContractNoted.type_name)
        ).scalar_one()
    assert in_outbox == fired == len(texts)


def test_a_message_that_no_longer_decodes_does_not_hold_up_the_others(engine: Engine) -> None:
    clock = FakeClock(START)
    kontor = wired(engine, clock)
    with kontor.bus.unit_of_work() as uow:
        Schedule.of(uow).at(START, ContractNoted(tenant_id=TENANT, text="fine"))
        Schedule.of(uow).at(START, ContractNoted(tenant_id=TENANT, text="broken"), key="broken")
        uow.connection.execute(  # its type was renamed since it was scheduled
            update(scheduled_messages)
            .where(scheduled_messages.c.schedule_key == "broken")
            .values(type_name="test.renamed_away")
        )
        uow.commit()
    kontor.background_round()
    assert heard(engine) == ["fine"]
    with kontor.bus.unit_of_work() as uow:
        [left] = Schedule.of(uow).pending(TENANT)
    assert (left.key, left.attempt) == ("broken", 1)  # tried again when its claim ends
