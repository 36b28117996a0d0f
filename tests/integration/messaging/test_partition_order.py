"""Scaled out with several relays and workers, one instance's events are handled in order.

Real PostgreSQL and RabbitMQ: three processes' worth of Kontor (each with its own relay, broker
connection and partition claims) share one outbox and eight partition queues; a fourth worker
joins and one leaves while events flow, so partitions change hands under load.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest

from kontor import db
from kontor.bootstrap import Kontor, bootstrap, load_schema
from kontor.messaging import FakeClock, HandlerRegistry, UnitOfWork
from kontor.messaging.transports.rabbitmq import RabbitMQTransport
from kontor.settings import Settings
from support.backends import create_postgres_schema, drop_postgres_schema, postgres_url_with_schema
from support.messaging import (
    InstanceStepped,
    delete_broker_names,
    effect_rows,
    record,
    test_metadata,
    unique_broker_names,
    wait_for,
)

POSTGRES_URL = os.environ.get("KONTOR_TEST_POSTGRES_URL")
AMQP_URL = os.environ.get("KONTOR_TEST_AMQP_URL")
INSTANCES = 30
STEPS = 20

pytestmark = pytest.mark.skipif(
    not (POSTGRES_URL and AMQP_URL),
    reason="needs KONTOR_TEST_POSTGRES_URL and KONTOR_TEST_AMQP_URL (CI sets both)",
)


@dataclass
class Cluster:
    """Workers on one database and one broker, started and stopped at will."""

    settings: Settings
    workers: dict[str, Kontor] = field(default_factory=dict)

    def start(self, name: str) -> Kontor:
        """Start a worker (relay and consumer) that records which worker handled each step."""
        registry = HandlerRegistry()

        def stepped(event: InstanceStepped, uow: UnitOfWork) -> None:
            record(uow, event.message_id, "stepped", f"{event.instance_id}|{event.step}|{name}")

        registry.subscribe(InstanceStepped, stepped, name="test.stepped")
        worker = bootstrap(self.settings, clock=FakeClock(), registry=registry)
        worker.start(consume=True, pump=False)
        self.workers[name] = worker
        return worker

    def stop(self, name: str) -> None:
        """Stop a worker: what it received and did not handle goes back to its queue."""
        self.workers.pop(name).stop()

    def partitions(self, name: str) -> set[int]:
        """The partitions a worker consumes now."""
        transport = self.workers[name].transport
        assert isinstance(transport, RabbitMQTransport)
        return transport.consumed_partitions()


@pytest.fixture
def cluster() -> Iterator[Cluster]:
    schema = create_postgres_schema()
    names = unique_broker_names()
    settings = Settings(
        database_url=postgres_url_with_schema(schema),
        broker_url=AMQP_URL,
        broker_partitions=8,
        dispatcher_poll_seconds=0.05,
        **names,
    )
    load_schema()
    engine = db.create_database_engine(settings.database_url or "")
    db.upgrade(engine)
    test_metadata.create_all(engine)
    engine.dispose()
    running = Cluster(settings)
    try:
        yield running
    finally:
        for name in list(running.workers):
            running.stop(name)
        delete_broker_names(AMQP_URL or "", names)
        drop_postgres_schema(schema)


def test_each_instance_is_handled_in_order_while_partitions_change_hands(cluster: Cluster) -> None:
    for name in ("a", "b", "c"):
        cluster.start(name)
    wait_for(
        lambda: all(len(cluster.partitions(name)) >= 2 for name in ("a", "b", "c")),
        "three workers to share the eight partitions",
    )
    shared = [cluster.partitions(name) for name in ("a", "b", "c")]
    assert sum(len(partitions) for partitions in shared) == 8
    assert set().union(*shared) == set(range(8))  # each partition has exactly one consumer

    publishers = list(cluster.workers.values())
    for step in range(STEPS):
        if step == 6:
            cluster.start("d")  # joins: partitions move to it while events wait in the queues
            wait_for(lambda: bool(cluster.partitions("d")), "the new worker to take partitions")
        if step == 12:
            cluster.stop("a")  # leaves: its partitions move to the others
            publishers = list(cluster.workers.values())
        # every step of every instance in one transaction, committed through a different
        # worker's relay each time
        publishers[step % len(publishers)].bus.publish(
            *(
                InstanceStepped(tenant_id="t1", instance_id=f"instance-{number}", step=step)
                for number in range(INSTANCES)
            )
        )

    engine = next(iter(cluster.workers.values())).engine
    wait_for(
        lambda: len(effect_rows(engine, "stepped")) >= INSTANCES * STEPS,
        "every step to be handled",
    )
    rows = effect_rows(engine, "stepped")
    assert len({message_id for message_id, _, _ in rows}) == len(rows)  # none handled twice
    steps: dict[str, list[int]] = {}
    handled_by: set[str] = set()
    for _, _, value in rows:  # in the order the handlers' rows were written
        instance, step, worker = value.split("|")
        steps.setdefault(instance, []).append(int(step))
        handled_by.add(worker)
    assert steps == {f"instance-{number}": list(range(STEPS)) for number in range(INSTANCES)}
    assert handled_by == {"a", "b", "c", "d"}
