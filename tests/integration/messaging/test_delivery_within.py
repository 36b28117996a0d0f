"""In-process delivery inside the transaction that emits: one commit for a command and the
handlers of its events; a handler that fails leaves the command alone and is retried after it."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import pytest
from sqlalchemy import Engine, select

from kontor.bootstrap import Kontor, bootstrap
from kontor.messaging import (
    RETRYING,
    Event,
    FakeClock,
    HandlerRegistry,
    Message,
    UnitOfWork,
    deliveries,
)
from kontor.messaging.uow import MESSAGES_WITHIN, ROUNDS_WITHIN
from kontor.settings import Settings
from support.backends import BACKENDS
from support.messaging import (
    ContractNoted,
    Harness,
    NoteContract,
    effect_rows,
    record,
    state,
    test_metadata,
    undispatched,
)

pytestmark = pytest.mark.parametrize("database_url", BACKENDS, indirect=True)


@pytest.fixture
def url(database_url: str, engine: Engine) -> str:
    """The URL of a migrated database."""
    return database_url


@pytest.fixture
def harness(url: str) -> Iterator[Harness]:
    wired = Harness(Settings(database_url=url, message_retry_base_seconds=10), FakeClock())
    try:
        yield wired
    finally:
        wired.stop()


def _commits_after(harness: Harness) -> list[int]:
    """Record the size of each batch the transport is handed after a commit."""
    return _after_commit_batches(harness.kontor)


def _after_commit_batches(kontor: Kontor) -> list[int]:
    batches: list[int] = []
    deliver_after = kontor.transport.committed

    def counted(messages: Sequence[Message]) -> None:
        batches.append(len(messages))
        deliver_after(messages)

    kontor.transport.committed = counted  # type: ignore[method-assign]
    return batches


def test_a_command_and_the_handlers_of_its_events_commit_together(harness: Harness) -> None:
    after = _commits_after(harness)
    harness.kontor.bus.handle(NoteContract(tenant_id="t1", text="Umdeckung 4711"))
    engine = harness.kontor.engine
    handled = sorted(handler for _, handler, _ in effect_rows(engine))
    assert handled == ["audit", "flaky", "follow_up", "followed"]
    assert after == []  # nothing was left to deliver after the commit
    assert undispatched(engine) == 0
    with engine.connect() as connection:
        done = connection.execute(select(deliveries.c.handler, deliveries.c.status)).all()
    assert sorted(done) == [
        ("test.audit", "done"), ("test.flaky", "done"),
        ("test.follow_up", "done"), ("test.followed", "done"),
    ]  # fmt: skip


def test_a_failing_handler_leaves_the_command_and_is_retried_after_it(harness: Harness) -> None:
    harness.switches.flaky_fails = True
    after = _commits_after(harness)
    harness.kontor.bus.handle(NoteContract(tenant_id="t1", text="Kfz 050"))
    engine = harness.kontor.engine
    with engine.connect() as connection:
        assert connection.execute(select(state.c.name)).scalars().all() == ["Kfz 050"]
        (status,) = connection.execute(
            select(deliveries.c.status).where(deliveries.c.handler == "test.flaky")
        ).scalars()
    assert status == RETRYING
    assert after == [1]  # the event went after the commit, as if delivered there from the start
    assert effect_rows(engine, "flaky") == []  # its writes were undone twice
    assert sorted(h for _, h, _ in effect_rows(engine)) == ["audit", "follow_up", "followed"]
    harness.switches.flaky_fails = False
    harness.clock.advance(10)
    assert harness.kontor.dispatcher.run_due_retries().handled == 1
    assert len(effect_rows(engine, "flaky")) == 1


def test_a_flood_beyond_the_limit_is_delivered_after_the_commit(harness: Harness) -> None:
    after = _commits_after(harness)
    with harness.kontor.bus.unit_of_work() as uow:
        uow.emit(*(ContractNoted(tenant_id="t1", text=f"n{n}") for n in range(MESSAGES_WITHIN)))
        uow.commit()
    with harness.kontor.bus.unit_of_work() as uow:
        uow.emit(ContractNoted(tenant_id="t1", text="over"))
        uow.emit(*(ContractNoted(tenant_id="t1", text=f"o{n}") for n in range(MESSAGES_WITHIN)))
        uow.commit()
    # the first flood within its transaction, its follow-ups (a generation past the limit)
    # after it; the second flood after its commit, where its batches' follow-ups went within
    assert after == [MESSAGES_WITHIN, MESSAGES_WITHIN + 1]
    audited = [value for _, _, value in effect_rows(harness.kontor.engine, "audit")]
    assert len(audited) == len(set(audited)) == 2 * MESSAGES_WITHIN + 1


class Relayed(Event, type_name="test.relayed"):
    """One generation of a chain: each handler emits the next until ``left`` is 0."""

    left: int


def test_generations_beyond_the_limit_are_delivered_after_the_commit(url: str) -> None:
    registry = HandlerRegistry()

    def relay(event: Relayed, uow: UnitOfWork) -> None:
        record(uow, event.message_id, "relay", str(event.left))
        if event.left:
            uow.emit(Relayed(left=event.left - 1, **event.caused()))

    registry.subscribe(Relayed, relay, name="test.relay")
    kontor = bootstrap(Settings(database_url=url), clock=FakeClock(), registry=registry)
    test_metadata.create_all(kontor.engine)
    batches = _after_commit_batches(kontor)
    try:
        kontor.bus.publish(Relayed(tenant_id="t1", left=ROUNDS_WITHIN + 2))
        relayed = [int(value) for _, _, value in effect_rows(kontor.engine, "relay")]
    finally:
        kontor.stop()
    assert relayed == list(range(ROUNDS_WITHIN + 2, -1, -1))  # each generation once, in order
    assert batches == [1]  # the first generation past the limit followed the commit, and the
    # rest were delivered inside the transaction that delivered it
