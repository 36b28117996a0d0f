"""Process history through the bus: history levels, variable changes, operations, retention."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from sqlalchemy import Connection, Engine

from kontor.bootstrap import Kontor, bootstrap
from kontor.messaging import Event, FakeClock, HandlerRegistry
from kontor.process import (
    CompleteUserTask,
    DeployProcess,
    HistoryLevel,
    HistoryStore,
    StartProcess,
    TaskHandlers,
    UserTaskActivated,
)
from kontor.process.errors import InstanceNotFound, InvalidProcessModel
from kontor.process.runtime.state import InstanceState, Scope, ScopeKind
from kontor.process.store import InstanceStore, log_operation
from kontor.process.store.history import record_history
from kontor.settings import Settings
from support.backends import BACKENDS

pytestmark = pytest.mark.parametrize("database_url", BACKENDS, indirect=True)

T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


def model(key: str, *, wait: bool = False, ttl: str | None = None) -> str:
    """A process that ends at once, or waits in user task 'Approve' first."""
    ttl_attribute = f' camunda:historyTimeToLive="{ttl}"' if ttl is not None else ""
    body = (
        '<bpmn:userTask id="Approve"/>'
        '<bpmn:sequenceFlow id="f1" sourceRef="S" targetRef="Approve"/>'
        '<bpmn:sequenceFlow id="f2" sourceRef="Approve" targetRef="E"/>'
        if wait
        else '<bpmn:sequenceFlow id="f1" sourceRef="S" targetRef="E"/>'
    )
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="d" targetNamespace="http://t">
  <bpmn:process id="{key}" isExecutable="true"{ttl_attribute}>
    <bpmn:startEvent id="S"/><bpmn:endEvent id="E"/>{body}
  </bpmn:process>
</bpmn:definitions>"""


CHECKED = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="d" targetNamespace="http://t">
  <bpmn:process id="Checked" isExecutable="true">
    <bpmn:startEvent id="S"/>
    <bpmn:serviceTask id="Check"><bpmn:extensionElements>
      <zeebe:taskDefinition type="check" retries="1"/>
    </bpmn:extensionElements></bpmn:serviceTask>
    <bpmn:endEvent id="E"/>
    <bpmn:sequenceFlow id="f1" sourceRef="S" targetRef="Check"/>
    <bpmn:sequenceFlow id="f2" sourceRef="Check" targetRef="E"/>
  </bpmn:process>
</bpmn:definitions>"""


class World:
    """A wired Kontor on a fake clock whose settings each test chooses."""

    def __init__(self, engine: Engine, **settings: Any) -> None:
        self.clock = FakeClock(T0)
        self._open: list[Connection] = []
        registry = HandlerRegistry()
        self.tasks: list[UserTaskActivated] = []
        registry.subscribe(UserTaskActivated, self._seen, "test.seen")
        self.handlers = TaskHandlers()
        self.kontor: Kontor = bootstrap(
            Settings(**settings),
            clock=self.clock,
            engine=engine,
            registry=registry,
            task_handlers=self.handlers,
        )

    def _seen(self, event: Event, _uow: object) -> None:
        assert isinstance(event, UserTaskActivated)
        self.tasks.append(event)

    def deploy(self, xml: str) -> None:
        self.kontor.bus.handle(DeployProcess(tenant_id="t1", bpmn_xml=xml))

    def start(self, key: str, **variables: Any) -> str:
        result: str = self.kontor.bus.handle(
            StartProcess(tenant_id="t1", process_key=key, variables=variables)
        )
        return result

    def complete(self, instance_id: str, **variables: Any) -> None:
        [task] = [t for t in self.tasks if t.instance_id == instance_id]
        self.kontor.bus.handle(
            CompleteUserTask(
                tenant_id="t1", instance_id=instance_id, task_id=task.task_id, variables=variables
            )
        )

    def history(self, tenant_id: str = "t1") -> HistoryStore:
        """A history store on a connection that stays open for the test's reads."""
        connection = self.kontor.engine.connect()
        self._open.append(connection)
        return HistoryStore(connection, tenant_id)

    def exists(self, instance_id: str) -> bool:
        with self.kontor.bus.unit_of_work() as uow:
            try:
                InstanceStore(uow.connection, "t1").get(instance_id)
            except InstanceNotFound:
                return False
            return True

    def close(self) -> None:
        while self._open:
            self._open.pop().close()


MakeWorld = Callable[..., World]
"""Builds a World with the given settings."""


@pytest.fixture
def make_world(engine: Engine) -> Iterator[MakeWorld]:
    worlds: list[World] = []

    def make(**settings: Any) -> World:
        world = World(engine, **settings)
        worlds.append(world)
        return world

    yield make
    for world in worlds:
        world.close()


def test_level_full_records_every_variable_change_per_step(
    make_world: MakeWorld,
) -> None:
    world = make_world()
    world.deploy(model("Review", wait=True))
    instance = world.start("Review", amount=100, note="first")
    world.clock.advance(dt.timedelta(hours=2))
    world.complete(instance, amount=250, approved=True)
    changes = world.history().variable_history(instance)
    assert [(c.name, c.value, c.removed, c.changed_at) for c in changes] == [
        ("amount", 100, False, T0),
        ("note", "first", False, T0),
        ("amount", 250, False, T0 + dt.timedelta(hours=2)),
        ("approved", True, False, T0 + dt.timedelta(hours=2)),
    ]
    assert [c.value for c in world.history().variable_history(instance, "amount")] == [100, 250]
    assert world.history("t2").variable_history(instance) == []


def test_level_activity_records_activity_durations_but_no_variables(
    make_world: MakeWorld,
) -> None:
    world = make_world(process_history_level="activity")
    world.deploy(model("Review", wait=True))
    instance = world.start("Review", amount=100)
    world.clock.advance(dt.timedelta(hours=2))
    world.complete(instance, amount=250)
    activities = world.history().activity_history(instance)
    assert [(a.element_id, a.outcome, a.duration) for a in activities] == [
        ("S", "completed", dt.timedelta(0)),
        ("Approve", "completed", dt.timedelta(hours=2)),
        ("E", "completed", dt.timedelta(0)),
    ]
    assert world.history().variable_history(instance) == []


def test_level_none_writes_no_history_and_the_instance_still_runs(
    make_world: MakeWorld,
) -> None:
    world = make_world(process_history_level=HistoryLevel.NONE)
    world.deploy(model("Review", wait=True))
    instance = world.start("Review", amount=100)
    world.complete(instance, amount=250)
    with world.kontor.bus.unit_of_work() as uow:
        assert InstanceStore(uow.connection, "t1").get(instance).status.value == "completed"
    assert world.history().activity_history(instance) == []
    assert world.history().variable_history(instance) == []


def test_level_none_still_keeps_incidents(make_world: MakeWorld) -> None:
    world = make_world(process_history_level="none")
    world.deploy(CHECKED)

    def broken(variables: Any, headers: Any) -> None:
        raise ConnectionError("scoring service down")

    world.handlers.register("check", broken)
    instance = world.start("Checked")
    world.kontor.process_jobs.run_until_idle()
    [incident] = world.history().incidents(instance)
    assert incident.element_id == "Check"
    assert "scoring service down" in incident.reason
    assert incident.resolved_at is None
    assert world.history().activity_history(instance) == []


def test_removed_variables_and_values_of_another_type_are_changes(
    make_world: MakeWorld,
) -> None:
    world = make_world()

    def state(**variables: Any) -> InstanceState:
        scope = Scope("scope-1", ScopeKind.PROCESS, "P", None, None, variables)
        return InstanceState("i-1", "P", root_scope_id="scope-1", scopes={"scope-1": scope})

    with world.kontor.bus.unit_of_work() as uow:
        before = state(a=1, b="kept", c=[1])
        after = state(a=True, b="kept")
        record_history(uow.connection, "t1", before, after, [], T0)
        record_history(uow.connection, "t1", after, after, [], T0)  # nothing changed
        uow.commit()
    changes = world.history().variable_history("i-1")
    assert [(c.scope_id, c.name, c.value, c.removed) for c in changes] == [
        ("scope-1", "a", True, False),
        ("scope-1", "c", None, True),
    ]


def test_operation_log_round_trip_keeps_order_and_tenant(
    make_world: MakeWorld,
) -> None:
    world = make_world()
    with world.kontor.bus.unit_of_work() as uow:
        log_operation(uow.connection, "t1", "i-1", "suspend", "anna", {"why": "audit"}, T0)
        log_operation(uow.connection, "t1", "i-1", "resume", "ben", {}, T0)
        log_operation(uow.connection, "t2", "i-1", "cancel", "eve", {}, T0)
        uow.commit()
    operations = world.history().operations("i-1")
    assert [(o.operation, o.actor, o.details, o.at) for o in operations] == [
        ("suspend", "anna", {"why": "audit"}, T0),
        ("resume", "ben", {}, T0),
    ]


def test_retention_purges_ended_instances_after_their_time_to_live(
    make_world: MakeWorld,
) -> None:
    world = make_world(process_history_ttl_days=30)
    world.deploy(model("Quick"))
    world.deploy(model("Short", ttl="P5D"))
    world.deploy(model("Long", ttl="60"))
    world.deploy(model("Review", wait=True))
    quick, short, long = world.start("Quick", x=1), world.start("Short"), world.start("Long")
    waiting = world.start("Review")
    with world.kontor.bus.unit_of_work() as uow:
        log_operation(uow.connection, "t1", quick, "modify", "anna", {}, T0)
        uow.commit()
    world.kontor.background_round()
    assert all(world.exists(i) for i in (quick, short, long, waiting))

    world.clock.advance(dt.timedelta(days=10))
    recent = world.start("Quick")
    world.kontor.background_round()
    assert not world.exists(short)  # its own 5 days beat the setting's 30
    assert all(world.exists(i) for i in (quick, long, waiting, recent))

    world.clock.advance(dt.timedelta(days=21))
    world.kontor.background_round()
    assert not world.exists(quick)
    assert all(world.exists(i) for i in (long, waiting, recent))  # Long keeps its 60 days
    history = world.history()
    assert history.activity_history(quick) == []
    assert history.variable_history(quick) == []
    assert history.operations(quick) == []
    assert history.activity_history(recent) != []


def test_retention_runs_at_most_once_per_interval(make_world: MakeWorld) -> None:
    world = make_world(process_history_ttl_days=1, process_history_purge_seconds=3600)
    world.deploy(model("Quick"))
    ended = world.start("Quick")
    world.clock.advance(dt.timedelta(hours=23, minutes=50))
    world.kontor.background_round()  # nothing has expired yet
    world.clock.advance(dt.timedelta(minutes=20))
    world.kontor.background_round()  # expired now, but within the hour since the last round
    assert world.exists(ended)
    world.clock.advance(dt.timedelta(hours=1))
    world.kontor.background_round()
    assert not world.exists(ended)


def test_a_time_to_live_that_is_no_number_of_days_is_refused(
    make_world: MakeWorld,
) -> None:
    world = make_world()
    with pytest.raises(InvalidProcessModel, match=r"historyTimeToLive 'P1M'.*'Quick'"):
        world.deploy(model("Quick", ttl="P1M"))
