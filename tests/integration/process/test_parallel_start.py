"""A parallel multiple start event starts its process once each of its messages and signals
came (BPMN 2.0 §10.5.2), however many processes receive them at once."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import Engine, func, select

from kontor.bootstrap import bootstrap
from kontor.messaging import FakeClock
from kontor.process import BroadcastSignal, CorrelateMessage
from kontor.process.store.tables import process_instances, process_start_arrivals
from kontor.settings import Settings
from support.backends import BACKENDS
from support.process_world import TENANT, World

ON_POSTGRES = [pytest.param("postgres", id="postgres")]
"""Arrivals overlap only where writers do: SQLite has one writer at a time."""

MODEL = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d"
    targetNamespace="http://t">
  <bpmn:message id="Docs" name="unterlagen"/>
  <bpmn:signal id="Approved" name="freigegeben"/>
  <bpmn:process id="Claim" isExecutable="true">
    <bpmn:startEvent id="DocsAndApproval" parallelMultiple="true">
      <bpmn:messageEventDefinition messageRef="Docs"/>
      <bpmn:signalEventDefinition signalRef="Approved"/>
    </bpmn:startEvent>
    <bpmn:userTask id="Review"/>
    <bpmn:sequenceFlow id="f1" sourceRef="DocsAndApproval" targetRef="Review"/>
  </bpmn:process>
</bpmn:definitions>
"""


@pytest.fixture
def world(engine: Engine) -> World:
    world = World(engine)
    world.deploy(MODEL)
    return world


def _count(engine: Engine, table) -> int:  # type: ignore[no-untyped-def]
    with engine.connect() as connection:
        return int(connection.scalar(select(func.count()).select_from(table)) or 0)


@pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
def test_an_instance_starts_once_the_message_and_the_signal_came(world: World) -> None:
    kept = world.handle(CorrelateMessage(tenant_id=TENANT, name="unterlagen", variables={"a": 1}))
    assert kept is None  # kept: no instance yet
    assert _count(world.kontor.engine, process_instances) == 0
    world.handle(CorrelateMessage(tenant_id=TENANT, name="unterlagen", variables={"a": 2}))
    world.handle(BroadcastSignal(tenant_id=TENANT, name="freigegeben", variables={"b": 3}))
    with world.kontor.engine.connect() as connection:
        rows = connection.execute(select(process_instances.c.instance_id)).all()
    assert len(rows) == 1
    state = world.record(rows[0].instance_id).state
    assert {"a": 1, "b": 3}.items() <= state.variables.items()  # the oldest message went first
    assert _count(world.kontor.engine, process_start_arrivals) == 1  # the second message waits
    world.handle(BroadcastSignal(tenant_id=TENANT, name="freigegeben", variables={}))
    assert _count(world.kontor.engine, process_instances) == 2
    assert _count(world.kontor.engine, process_start_arrivals) == 0


@pytest.mark.parametrize("database_url", ON_POSTGRES, indirect=True)
def test_two_halves_arriving_at_once_in_two_processes_start_one_instance(world: World) -> None:
    other = bootstrap(Settings(), clock=FakeClock(), engine=world.kontor.engine)
    commands = [
        (world.kontor, CorrelateMessage(tenant_id=TENANT, name="unterlagen", variables={})),
        (other, BroadcastSignal(tenant_id=TENANT, name="freigegeben", variables={})),
    ]

    def send(barrier: threading.Barrier, kontor, command) -> None:  # type: ignore[no-untyped-def]
        barrier.wait()
        kontor.bus.handle(command)

    for _ in range(10):
        barrier = threading.Barrier(2)
        threads = [threading.Thread(target=send, args=(barrier, *pair)) for pair in commands]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    assert _count(world.kontor.engine, process_instances) == 10
    assert _count(world.kontor.engine, process_start_arrivals) == 0
