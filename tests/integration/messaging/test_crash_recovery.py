"""Crash tests: SIGKILL at awkward moments loses no message and applies none twice."""

from __future__ import annotations

import random
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from kontor import db
from kontor.bootstrap import load_schema
from kontor.messaging import FakeClock, outbox
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
    delete_broker_names,
    effect_rows,
    state,
    test_metadata,
    undispatched,
    unique_broker_names,
    wait_for,
)

CHILD = str(Path(__file__).with_name("crash_child.py"))
HANDLERS_OF_NOTED = {"audit", "follow_up", "flaky"}


def _migrated(url: str) -> str:
    load_schema()
    engine = db.create_database_engine(url)
    db.upgrade(engine)
    test_metadata.create_all(engine)
    engine.dispose()
    return url


@pytest.fixture
def sqlite_database(tmp_path: Path) -> str:
    return _migrated(sqlite_url(tmp_path))


@pytest.fixture
def postgres_database() -> Iterator[str]:
    if not POSTGRES_URL:
        pytest.skip("PostgreSQL tests need KONTOR_TEST_POSTGRES_URL (CI sets it)")
    schema = create_postgres_schema()
    try:
        yield _migrated(postgres_url_with_schema(schema))
    finally:
        drop_postgres_schema(schema)


def _assert_every_event_applied_exactly_once(harness: Harness) -> int:
    engine = harness.kontor.engine
    with engine.connect() as connection:
        noted = {
            row.message_id
            for row in connection.execute(
                select(outbox.c.message_id).where(outbox.c.type_name == ContractNoted.type_name)
            )
        }
    per_message = Counter((m, h) for m, h, _ in effect_rows(engine))
    assert all(count == 1 for count in per_message.values()), "an effect was applied twice"
    for handler in HANDLERS_OF_NOTED:
        assert {m for m, h in per_message if h == handler} == noted, f"{handler} missed events"
    assert undispatched(engine) == 0
    return len(noted)


def test_events_committed_before_a_kill_are_delivered_once_after_restart(
    sqlite_database: str,
) -> None:
    child = subprocess.run(
        [sys.executable, CHILD, "commit-then-die", sqlite_database],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert child.returncode == -9, child.stderr
    harness = Harness(Settings(database_url=sqlite_database), FakeClock())
    assert effect_rows(harness.kontor.engine) == []  # the child died before dispatching
    harness.start()  # embedded start replays the outbox
    harness.stop()
    restarted = Harness(Settings(database_url=sqlite_database), FakeClock())
    restarted.start()  # a second restart must not apply anything again
    assert _assert_every_event_applied_exactly_once(restarted) == 50
    restarted.stop()


def test_random_kills_while_producing_lose_nothing_and_double_nothing(
    sqlite_database: str,
) -> None:
    rng = random.Random(20261121)
    target = 2000
    kills = 0
    for _round in range(30):
        child = subprocess.Popen(
            [sys.executable, CHILD, "produce", sqlite_database, str(target)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            stdout, _ = child.communicate(timeout=rng.uniform(1.0, 1.6))
            if "done" in stdout:
                break
        except subprocess.TimeoutExpired:
            child.kill()
            child.communicate()
            kills += 1
    else:
        pytest.fail("the producer never finished")
    assert kills >= 3, "the producer finished before enough kills to test anything"
    harness = Harness(Settings(database_url=sqlite_database), FakeClock())
    harness.start()
    with harness.kontor.engine.connect() as connection:
        assert connection.execute(select(func.count()).select_from(state)).scalar_one() == target
    assert _assert_every_event_applied_exactly_once(harness) == target
    harness.stop()


@pytest.mark.skipif(not AMQP_URL, reason="RabbitMQ tests need KONTOR_TEST_AMQP_URL (CI sets it)")
def test_killed_rabbitmq_consumer_loses_nothing_and_applies_nothing_twice(
    postgres_database: str,
) -> None:
    assert AMQP_URL
    names = unique_broker_names()
    settings = Settings(
        database_url=postgres_database, broker_url=AMQP_URL, dispatcher_poll_seconds=0.05, **names
    )
    publisher = Harness(settings, FakeClock())
    publisher.kontor.start(consume=False, pump=False)  # relay only
    count = 3000
    try:
        for start in range(0, count, 500):
            publisher.kontor.bus.publish(
                *(ContractNoted(tenant_id="t1", text=f"e{i}") for i in range(start, start + 500))
            )
        consumer_args = [
            sys.executable,
            CHILD,
            "consume",
            postgres_database,
            AMQP_URL,
            names["broker_exchange"],
            names["broker_queue"],
        ]
        engine = publisher.kontor.engine
        for kill in range(3):
            consumer = subprocess.Popen(
                consumer_args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
            )
            seen = len(effect_rows(engine))
            wait_for(
                lambda seen=seen: len(effect_rows(engine)) > seen + 200,
                timeout=60,
                what=f"consumer progress before kill {kill}",
            )
            consumer.kill()  # SIGKILL mid-batch: unacknowledged messages return to the queue
            consumer.wait()
        assert undispatched(engine) > 0, "the kills came too late to test anything"
        consumer = subprocess.Popen(
            consumer_args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        try:
            wait_for(lambda: undispatched(engine) == 0, timeout=120, what="all delivered")
        finally:
            consumer.kill()
            consumer.wait()
        assert _assert_every_event_applied_exactly_once(publisher) == count
    finally:
        publisher.stop()
        delete_broker_names(AMQP_URL, names)
