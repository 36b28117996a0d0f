"""Crash tests: SIGKILL at awkward moments loses no message and applies none twice."""

from __future__ import annotations

import queue
import random
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import NoReturn

import pytest
from sqlalchemy import Engine, func, select

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
    WAIT_BOUND_SECONDS,
    ContractNoted,
    Harness,
    delete_broker_names,
    effect_rows,
    effects,
    state,
    test_metadata,
    undispatched,
    unique_broker_names,
    wait_for,
)

# Processes are started and killed here: on a machine ten times slower than CI these tests take
# minutes, so the hang guard is wider than the suite's 300 s.
pytestmark = pytest.mark.slow

CHILD = str(Path(__file__).with_name("crash_child.py"))
HANDLERS_OF_NOTED = {"audit", "follow_up", "flaky"}
PRODUCED = 2000
KILL_ROUNDS = 8


class Producer:
    """A ``crash_child.py produce`` process; the test reads its progress lines as they come."""

    def __init__(self, database_url: str, target: int, log: Path) -> None:
        self._log = log
        with log.open("a") as stderr:
            self._process = subprocess.Popen(
                [sys.executable, CHILD, "produce", database_url, str(target)],
                stdout=subprocess.PIPE,
                stderr=stderr,
                text=True,
            )
        self._lines: queue.Queue[str] = queue.Queue()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self._process.stdout is not None
        for line in self._process.stdout:
            self._lines.put(line.strip())
        self._lines.put("")  # end of output: the child exited

    def expect(self, line: str) -> None:
        """Wait for the child's next line and fail unless it is ``line``."""
        got = self._next_line()
        if got != line:
            self._stop()
            self._fail(f"expected {line!r} from the producer, got {got or 'its exit'!r}")

    def kill(self) -> None:
        """SIGKILL the child wherever it is and check that the kill, not the child, ended it."""
        returncode = self._stop()
        if returncode != -signal.SIGKILL:
            self._fail(f"the producer ended by itself (exit code {returncode}) before the kill")

    def finish(self) -> None:
        """Wait until the child reports that it reached its target, and for its exit."""
        line = self._next_line()
        while line == "noted":
            line = self._next_line()
        returncode = self._process.wait(timeout=WAIT_BOUND_SECONDS)
        self._close()
        if (line, returncode) != ("done", 0):
            self._fail(f"the producer ended with {line or 'no line'!r} and exit code {returncode}")

    def _next_line(self) -> str:
        try:
            return self._lines.get(timeout=WAIT_BOUND_SECONDS)
        except queue.Empty:
            self._stop()
            self._fail(f"the producer said nothing for {WAIT_BOUND_SECONDS:.0f} s")

    def _fail(self, problem: str) -> NoReturn:
        pytest.fail(f"{problem}; its stderr ends: {self._log.read_text()[-2000:]}")

    def _stop(self) -> int:
        self._process.kill()
        returncode = self._process.wait(timeout=WAIT_BOUND_SECONDS)
        self._close()
        return returncode

    def _close(self) -> None:
        self._reader.join(timeout=WAIT_BOUND_SECONDS)
        assert self._process.stdout is not None
        self._process.stdout.close()


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


def _applied(engine: Engine) -> int:
    """How many effects the handlers have applied so far."""
    with engine.connect() as connection:
        return connection.execute(select(func.count()).select_from(effects)).scalar_one()


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
        timeout=WAIT_BOUND_SECONDS,
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
    sqlite_database: str, tmp_path: Path
) -> None:
    rng = random.Random(20261121)
    log = tmp_path / "producer.log"
    for _round in range(KILL_ROUNDS):
        producer = Producer(sqlite_database, PRODUCED, log)
        for _command in range(rng.randint(20, 150)):  # kill rounds stop far short of PRODUCED
            producer.expect("noted")
        time.sleep(rng.uniform(0, 0.02))  # lands the kill at a random point of a later command
        producer.kill()
    Producer(sqlite_database, PRODUCED, log).finish()  # unkilled: resumes and completes
    harness = Harness(Settings(database_url=sqlite_database), FakeClock())
    harness.start()
    with harness.kontor.engine.connect() as connection:
        assert connection.execute(select(func.count()).select_from(state)).scalar_one() == PRODUCED
    assert _assert_every_event_applied_exactly_once(harness) == PRODUCED
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
            seen = _applied(engine)
            wait_for(
                lambda seen=seen: _applied(engine) > seen + 200,
                f"consumer progress before kill {kill}",
            )
            consumer.kill()  # SIGKILL mid-batch: unacknowledged messages return to the queue
            consumer.wait()
        assert undispatched(engine) > 0, "the kills came too late to test anything"
        consumer = subprocess.Popen(
            consumer_args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        try:
            wait_for(lambda: undispatched(engine) == 0, "every event to be delivered")
        finally:
            consumer.kill()
            consumer.wait()
        assert _assert_every_event_applied_exactly_once(publisher) == count
    finally:
        publisher.stop()
        delete_broker_names(AMQP_URL, names)
