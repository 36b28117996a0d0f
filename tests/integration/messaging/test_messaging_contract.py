"""Messaging contract: the same guarantees in-process (SQLite, PostgreSQL) and over RabbitMQ."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import delete, select

from kontor import db
from kontor.bootstrap import load_schema
from kontor.messaging import DEAD, RETRYING, FakeClock, correlation, deliveries, outbox
from kontor.messaging.retention import BatchedPurge, purge_delivered_messages
from kontor.messaging.transports.rabbitmq import RabbitMQTransport
from kontor.settings import Settings
from support.backends import (
    AMQP_URL,
    POSTGRES_URL,
    create_postgres_schema,
    drop_postgres_schema,
    postgres_url_with_schema,
    sqlite_url,
)
from support.messaging import (
    ContractNoted,
    Harness,
    NoteContract,
    delete_broker_names,
    effect_rows,
    effects,
    unique_broker_names,
    wait_for,
)

TRANSPORTS = [
    pytest.param(("sqlite", "inprocess"), id="sqlite-inprocess"),
    pytest.param(("postgres", "inprocess"), id="postgres-inprocess"),
    pytest.param(("postgres", "rabbitmq"), id="postgres-rabbitmq"),
]


@pytest.fixture(params=TRANSPORTS)
def harness(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Harness]:
    store, transport = request.param
    if store == "postgres" and not POSTGRES_URL:
        pytest.skip("PostgreSQL tests need KONTOR_TEST_POSTGRES_URL (CI sets it)")
    if transport == "rabbitmq" and not AMQP_URL:
        pytest.skip("RabbitMQ tests need KONTOR_TEST_AMQP_URL (CI sets it)")
    schema = create_postgres_schema() if store == "postgres" else None
    url = postgres_url_with_schema(schema) if schema else sqlite_url(tmp_path)
    names = unique_broker_names()
    settings = Settings(
        database_url=url,
        broker_url=AMQP_URL if transport == "rabbitmq" else "inprocess://",
        message_max_attempts=3,
        message_retry_base_seconds=10,
        dispatcher_poll_seconds=0.05,
        **names,
    )
    load_schema()
    engine = db.create_database_engine(url)
    db.upgrade(engine)
    engine.dispose()
    test_harness = Harness(settings, FakeClock())
    test_harness.start()
    try:
        yield test_harness
    finally:
        test_harness.stop()
        if transport == "rabbitmq" and AMQP_URL:
            delete_broker_names(AMQP_URL, names)
        if schema:
            drop_postgres_schema(schema)


def test_every_subscriber_hears_an_event_once(harness: Harness) -> None:
    harness.kontor.bus.handle(NoteContract(tenant_id="t1", text="Umdeckung 4711"))
    harness.settle()
    rows = effect_rows(harness.kontor.engine)
    assert sorted(handler for _, handler, _ in rows) == ["audit", "flaky", "follow_up", "followed"]


def test_failed_command_commits_neither_state_nor_events(harness: Harness) -> None:
    with pytest.raises(RuntimeError):
        harness.kontor.bus.handle(NoteContract(tenant_id="t1", text="x", fail=True))
    harness.kontor.bus.handle(NoteContract(tenant_id="t1", text="ok"))
    harness.settle()
    assert {value for _, handler, value in effect_rows(harness.kontor.engine, "audit")} == {"ok"}


def test_caused_events_keep_correlation_and_name_their_cause(harness: Harness) -> None:
    with correlation("corr-42"):
        command = NoteContract(tenant_id="t1", text="abc")
    harness.kontor.bus.handle(command)
    harness.settle()
    ((noted_id, _, seen_correlation),) = effect_rows(harness.kontor.engine, "follow_up")
    ((_, _, followed),) = effect_rows(harness.kontor.engine, "followed")
    assert seen_correlation == "corr-42"
    assert followed == f"ABC|{noted_id}"


def test_a_flood_in_one_unit_of_work_reaches_each_handler_once_in_order(harness: Harness) -> None:
    texts = [f"Vertrag {number:03d}" for number in range(250)]  # over RabbitMQ: three packs
    with harness.kontor.bus.unit_of_work() as uow, correlation("flood"):
        # one correlation (as one request's events have): one ordering key, one partition
        uow.emit(*(ContractNoted(tenant_id="t1", text=text) for text in texts))
        uow.commit()
    harness.settle()
    wait_for(lambda: len(effect_rows(harness.kontor.engine, "audit")) >= len(texts), "the flood")
    audited = [value for _, _, value in effect_rows(harness.kontor.engine, "audit")]
    assert audited == texts


def test_redelivered_event_has_no_second_effect(harness: Harness) -> None:
    event = ContractNoted(tenant_id="t1", text="once")
    harness.kontor.bus.publish(event)
    harness.settle()
    report = harness.kontor.dispatcher.deliver([event])
    assert report.handled == 0
    assert report.skipped == 3
    assert len(effect_rows(harness.kontor.engine, "audit")) == 1


def test_messages_resent_after_a_restore_reach_only_the_handlers_that_lost_them(
    harness: Harness,
) -> None:
    kontor = harness.kontor
    kontor.bus.publish(ContractNoted(tenant_id="t1", text="before the backup"))
    harness.settle()
    since = dt.datetime.now(dt.UTC)  # messages stamp the real time, not the test clock
    lost = ContractNoted(tenant_id="t1", text="after the backup")
    kontor.bus.publish(lost)
    harness.settle()
    with kontor.engine.begin() as connection:  # the restored database lacks one handler's work
        for table, handler in ((effects, "audit"), (deliveries, "test.audit")):
            connection.execute(
                delete(table).where(
                    table.c.message_id == lost.message_id, table.c.handler == handler
                )
            )

    assert kontor.dispatcher.resend_since(since) == 2  # the lost event and the one it caused
    if not isinstance(kontor.transport, RabbitMQTransport):
        kontor.dispatcher.replay_undispatched()  # what the embedded server does when it starts
    wait_for(lambda: len(effect_rows(kontor.engine, "audit")) == 2, "the lost effect again")
    harness.settle()
    values = sorted((handler, value) for _, handler, value in effect_rows(kontor.engine))
    assert [handler for handler, _ in values] == ["audit"] * 2 + ["flaky"] * 2 + [
        "follow_up"
    ] * 2 + ["followed"] * 2  # each effect once: the other handlers skipped the resent ones


def test_delivered_messages_older_than_the_retention_go_with_their_deliveries(
    harness: Harness,
) -> None:
    kontor, clock = harness.kontor, harness.clock
    harness.switches.flaky_fails = True
    failing = ContractNoted(tenant_id="t1", text="stays: a handler still retries it")
    delivered = ContractNoted(tenant_id="t1", text="goes")
    kontor.bus.publish(failing)
    harness.settle()
    harness.switches.flaky_fails = False
    kontor.bus.publish(delivered)
    harness.settle()
    clock.advance(dt.timedelta(days=31))
    recent = ContractNoted(tenant_id="t1", text="recent")
    kontor.bus.publish(recent)
    harness.settle()
    purge = BatchedPurge(
        kontor.engine, clock, purge_delivered_messages, keep=dt.timedelta(days=30), batch=2
    )

    assert purge.run_if_due() == 3  # the delivered event and both follow-ups, in two batches
    assert purge.run_if_due() == 0  # not due again within the hour
    with kontor.engine.connect() as connection:
        kept = set(connection.execute(select(outbox.c.message_id)).scalars())
        ledger = set(connection.execute(select(deliveries.c.message_id)).scalars())
    assert failing.message_id in kept
    assert recent.message_id in kept
    assert delivered.message_id not in kept
    assert delivered.message_id not in ledger
    assert failing.message_id in ledger
    assert kontor.dispatcher.dead_letters() == []  # the retrying one can still be retried


def test_failing_handler_backs_off_dead_letters_and_is_retried_once_fixed(
    harness: Harness,
) -> None:
    harness.switches.flaky_fails = True
    event = ContractNoted(tenant_id="t1", text="Kfz 050")
    harness.kontor.bus.publish(event)
    harness.settle()
    dispatcher, clock = harness.kontor.dispatcher, harness.clock
    assert _delivery(harness, event.message_id, "test.flaky")["status"] == RETRYING

    assert dispatcher.run_due_retries().handled == 0  # backoff not over: nothing runs
    clock.advance(dt.timedelta(seconds=10))
    assert dispatcher.run_due_retries().failed == 1  # second attempt, next wait 20 s
    clock.advance(dt.timedelta(seconds=19))
    assert dispatcher.run_due_retries().failed == 0
    clock.advance(dt.timedelta(seconds=1))
    assert dispatcher.run_due_retries().dead == 1

    (letter,) = dispatcher.dead_letters(tenant_id="t1")
    assert letter.handler == "test.flaky"
    assert letter.attempts == 3
    assert "flaky handler refuses 'Kfz 050'" in (letter.last_error or "")
    assert dispatcher.dead_letters(tenant_id="other-tenant") == []

    harness.switches.flaky_fails = False
    assert dispatcher.retry_dead(event.message_id) == 1
    assert dispatcher.run_due_retries().handled == 1
    assert _delivery(harness, event.message_id, "test.flaky")["status"] == "done"
    assert len(effect_rows(harness.kontor.engine, "flaky")) == 1  # failed attempts left nothing
    assert len(effect_rows(harness.kontor.engine, "audit")) == 1  # others ran once, untouched
    assert dispatcher.run_due_retries().handled == 0


def test_dead_letter_keeps_its_state_until_retried(harness: Harness) -> None:
    harness.switches.flaky_fails = True
    event = ContractNoted(tenant_id="t1", text="x")
    harness.kontor.bus.publish(event)
    harness.settle()
    for _ in range(3):
        harness.clock.advance(dt.timedelta(hours=1))
        harness.kontor.dispatcher.run_due_retries()
    assert _delivery(harness, event.message_id, "test.flaky")["status"] == DEAD
    harness.clock.advance(dt.timedelta(days=1))
    assert harness.kontor.dispatcher.run_due_retries().handled == 0
    assert harness.kontor.dispatcher.backlog()[DEAD] == 1


def _delivery(harness: Harness, message_id: str, handler: str) -> dict[str, object]:
    with harness.kontor.engine.connect() as connection:
        row = connection.execute(
            select(deliveries).where(
                deliveries.c.message_id == message_id, deliveries.c.handler == handler
            )
        ).one()
    return dict(row._mapping)


def test_commands_handled_together_commit_once_and_a_failing_one_is_undone_alone(
    harness: Harness,
) -> None:
    bus = harness.kontor.bus
    results = bus.handle_all(
        [
            NoteContract(tenant_id="t1", text="Vertrag 1"),
            NoteContract(tenant_id="t1", text="kaputt", fail=True),
            NoteContract(tenant_id="t1", text="Vertrag 3"),
        ]
    )
    assert (results[0], results[2]) == (1, 1)  # each command's own result, in order
    assert isinstance(results[1], RuntimeError)
    harness.settle()
    audited = {value for _, _, value in effect_rows(harness.kontor.engine, "audit")}
    assert audited == {"Vertrag 1", "Vertrag 3"}  # the failed command left no state, no event


def test_events_of_a_batch_delivery_reach_their_handlers_when_the_block_ends(
    harness: Harness,
) -> None:
    bus = harness.kontor.bus
    with bus.batch_delivery():
        for number in range(3):
            bus.handle(NoteContract(tenant_id="t1", text=f"Antrag {number}"))
    harness.settle()
    audited = sorted(value for _, _, value in effect_rows(harness.kontor.engine, "audit"))
    assert audited == ["Antrag 0", "Antrag 1", "Antrag 2"]
