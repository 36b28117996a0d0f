"""Test messages, a recording handler set and harnesses for each transport."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

import aio_pika
from sqlalchemy import Column, Engine, Integer, MetaData, String, Table, func, insert, select

from kontor.bootstrap import Kontor, bootstrap
from kontor.messaging import Command, Event, FakeClock, HandlerRegistry, UnitOfWork, outbox
from kontor.messaging.transports.consumers import partition_queues
from kontor.settings import Settings

WAIT_BOUND_SECONDS = 240.0  # how long a test waits for an event before it calls it a hang
test_metadata = MetaData()
effects = Table(
    "test_effects",
    test_metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("message_id", String(36), nullable=False),  # deliberately not unique: doubles show
    Column("handler", String(100), nullable=False),
    Column("value", String(200)),
)
state = Table(
    "test_state",
    test_metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(200), nullable=False),
)


class ContractNoted(Event, type_name="test.contract_noted"):
    """Something was noted (the event under test)."""

    text: str


class ContractFollowedUp(Event, type_name="test.contract_followed_up"):
    """A handler reacted to ContractNoted by emitting this."""

    text: str


class InstanceStepped(Event, type_name="test.instance_stepped"):
    """A process instance took its ``step``-th step (ordering tests)."""

    instance_id: str
    step: int


class NoteContract(Command, type_name="test.note_contract"):
    """Store a note and announce it."""

    text: str
    fail: bool = False


@dataclass
class Switches:
    """Lets a test make the flaky handler fail or succeed."""

    flaky_fails: bool = False
    calls: dict[str, int] = field(default_factory=dict)


def record(uow: UnitOfWork, message_id: str, handler: str, value: str) -> None:
    """Write one effect row (the observable result of a handler)."""
    uow.connection.execute(
        insert(effects).values(message_id=message_id, handler=handler, value=value)
    )


def register_test_handlers(registry: HandlerRegistry, switches: Switches) -> None:
    """Subscribe the recording handlers used by the contract tests."""

    def note(command: NoteContract, uow: UnitOfWork) -> int:
        uow.connection.execute(insert(state).values(name=command.text))
        uow.emit(ContractNoted(text=command.text, **command.caused()))
        if command.fail:
            raise RuntimeError("command failed after emitting")
        return 1

    def audit(event: ContractNoted, uow: UnitOfWork) -> None:
        record(uow, event.message_id, "audit", event.text)

    def follow_up(event: ContractNoted, uow: UnitOfWork) -> None:
        record(uow, event.message_id, "follow_up", event.correlation_id)
        uow.emit(ContractFollowedUp(text=event.text.upper(), **event.caused()))

    def flaky(event: ContractNoted, uow: UnitOfWork) -> None:
        switches.calls["flaky"] = switches.calls.get("flaky", 0) + 1
        record(uow, event.message_id, "flaky", event.text)
        if switches.flaky_fails:
            raise ValueError(f"flaky handler refuses {event.text!r}")

    def followed(event: ContractFollowedUp, uow: UnitOfWork) -> None:
        record(uow, event.message_id, "followed", f"{event.text}|{event.causation_id}")

    registry.register_command(NoteContract, note)
    registry.subscribe(ContractNoted, audit, name="test.audit")
    registry.subscribe(ContractNoted, follow_up, name="test.follow_up")
    registry.subscribe(ContractNoted, flaky, name="test.flaky")
    registry.subscribe(ContractFollowedUp, followed, name="test.followed")


def effect_rows(engine: Engine, handler: str | None = None) -> list[tuple[str, str, str]]:
    """All effect rows (message id, handler, value), optionally of one handler."""
    query = select(effects.c.message_id, effects.c.handler, effects.c.value).order_by(effects.c.id)
    if handler:
        query = query.where(effects.c.handler == handler)
    with engine.connect() as connection:
        return [tuple(row) for row in connection.execute(query)]  # type: ignore[misc]


def undispatched(engine: Engine) -> int:
    """Outbox rows not yet delivered."""
    with engine.connect() as connection:
        return connection.execute(
            select(func.count()).select_from(outbox).where(outbox.c.dispatched_at.is_(None))
        ).scalar_one()


def wait_for(condition: Callable[[], bool], what: str, timeout: float = WAIT_BOUND_SECONDS) -> None:
    """Poll ``condition`` until true (asynchronous transports, other processes).

    The timeout is a hang guard, not a speed limit: keep it generous, since it ends a test only
    when what it waits for never happens.
    """
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"waited {timeout:.0f} s in vain for {what}")
        time.sleep(0.02)


class Harness:
    """A wired Kontor with the test handlers, for one backend/transport combination."""

    def __init__(self, settings: Settings, clock: FakeClock) -> None:
        self.switches = Switches()
        self.clock = clock
        registry = HandlerRegistry()
        register_test_handlers(registry, self.switches)
        self.kontor: Kontor = bootstrap(settings, clock=clock, registry=registry)
        test_metadata.create_all(self.kontor.engine)

    def start(self) -> None:
        """Start delivery."""
        self.kontor.start(consume=True, pump=False)

    def settle(self) -> None:
        """Return once every committed message has been delivered."""
        wait_for(lambda: undispatched(self.kontor.engine) == 0, "the outbox to drain")

    def stop(self) -> None:
        """Stop delivery and release connections."""
        self.kontor.stop()


def unique_broker_names() -> dict[str, str]:
    """An exchange and queue of a test's own, so tests never share a broker queue."""
    suffix = uuid.uuid4().hex[:10]
    return {"broker_exchange": f"kontor.test.{suffix}", "broker_queue": f"kontor.test.{suffix}"}


def delete_broker_names(url: str, names: dict[str, str]) -> None:
    """Remove a test's exchange and queue from the broker."""

    async def _delete() -> None:
        connection = await aio_pika.connect(url)
        async with connection:
            channel = await connection.channel()
            for queue in partition_queues(names["broker_queue"], Settings().broker_partitions):
                await channel.queue_delete(queue)
            await channel.exchange_delete(names["broker_exchange"])

    asyncio.run(_delete())
