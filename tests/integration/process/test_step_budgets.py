"""Step budgets through the bus: a loop without wait state ends in an incident, never a hang."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable, Mapping
from typing import Any

import pytest
from sqlalchemy import Engine

from kontor.messaging import Command
from kontor.process import (
    CancelInstance,
    CompleteUserTask,
    IncidentRaised,
    ModificationInstruction,
    ModifyInstance,
    SuspendInstance,
)
from kontor.process.bpmn import Expression
from kontor.process.calls import MAX_NESTED_CALLS
from kontor.process.errors import StepStopped
from kontor.process.runtime import ExpressionEvaluator
from kontor.process.store import HistoryStore
from kontor.settings import Settings
from support.backends import BACKENDS
from support.messaging import WAIT_BOUND_SECONDS
from support.process_world import TENANT, World, chain, model, process

pytestmark = pytest.mark.parametrize("database_url", BACKENDS, indirect=True)

LOOP = "loop without wait state: Task_A → Gateway_B → Task_A"


def looping(key: str, *before: str) -> str:
    """``key``: start → ``before`` elements → Task_A → Gateway_B → Task_A while ``again``."""
    ids = [element.split('id="')[1].split('"')[0] for element in before]
    return process(
        key,
        '<bpmn:startEvent id="S"/>',
        *before,
        '<bpmn:task id="Task_A"/><bpmn:exclusiveGateway id="Gateway_B" default="Out"/>',
        '<bpmn:endEvent id="E"/>',
        chain("S", *ids, "Task_A", "Gateway_B"),
        '<bpmn:sequenceFlow id="Back" sourceRef="Gateway_B" targetRef="Task_A">'
        "<bpmn:conditionExpression>=again</bpmn:conditionExpression></bpmn:sequenceFlow>",
        '<bpmn:sequenceFlow id="Out" sourceRef="Gateway_B" targetRef="E"/>',
    )


TIMER = (
    '<bpmn:intermediateCatchEvent id="Wait"><bpmn:timerEventDefinition>'
    "<bpmn:timeDuration>PT1H</bpmn:timeDuration></bpmn:timerEventDefinition>"
    "</bpmn:intermediateCatchEvent>"
)
REMINDER = process(
    "Reminder",
    '<bpmn:startEvent id="S"/>',
    TIMER,
    '<bpmn:userTask id="Remind"/><bpmn:endEvent id="E"/>',
    chain("S", "Wait", "Remind", "E"),
)
MODELS = [
    model(looping("Looping")),
    model(looping("TimedLoop", TIMER)),
    model(looping("ReviewedLoop", '<bpmn:userTask id="Review"/>')),
    model(REMINDER),
]


RECURSIVE = model(
    process(
        "Recursive",
        '<bpmn:startEvent id="S"/><bpmn:callActivity id="Call"><bpmn:extensionElements>'
        '<zeebe:calledElement processId="Recursive"/></bpmn:extensionElements>'
        '</bpmn:callActivity><bpmn:endEvent id="E"/>',
        chain("S", "Call", "E"),
    )
)


def world_with(engine: Engine, **limits: Any) -> World:
    world = World(engine, settings=Settings(**limits))
    for document in MODELS:
        world.deploy(document)
    return world


@pytest.fixture
def world(engine: Engine) -> World:
    return world_with(engine, process_step_max_elements=200, process_step_max_seconds=3600)


def test_a_looping_start_creates_the_instance_with_an_incident_naming_the_loop(
    world: World,
) -> None:
    instance = world.start("Looping", variables={"again": True})
    state = world.record(instance).state
    [incident] = state.incidents.values()
    assert incident.element_id == "S"
    assert incident.reason.startswith(LOOP)
    assert [e.reason for e in world.of(IncidentRaised)] == [incident.reason]
    assert world.completed(instance) == []  # nothing of the loop was stored
    with world.kontor.bus.unit_of_work() as uow:
        [row] = HistoryStore(uow.connection, TENANT).incidents(instance)
    assert row.reason == incident.reason
    other = world.start("Looping", variables={"again": False})
    assert world.status(other) == "completed"


def test_the_looping_instance_is_fixed_by_modification(world: World) -> None:
    instance = world.start("Looping", variables={"again": True})
    world.handle(
        ModifyInstance(
            tenant_id=TENANT, instance_id=instance,
            instructions=[
                ModificationInstruction(kind="cancel", element_id="S"),
                ModificationInstruction(kind="start_before", element_id="E"),
            ],
        )
    )  # fmt: skip
    assert world.status(instance) == "completed"


def test_the_looping_instance_can_be_cancelled(world: World) -> None:
    instance = world.start("Looping", variables={"again": True})
    world.handle(CancelInstance(tenant_id=TENANT, instance_id=instance))
    assert world.status(instance) == "terminated"


def test_a_loop_after_a_timer_stops_the_job_for_good_and_other_timers_fire(
    world: World,
) -> None:
    looping_instance = world.start("TimedLoop", variables={"again": True})
    reminder = world.start("Reminder")
    world.clock.advance(dt.timedelta(hours=1))
    report = world.executor.run_until_idle()
    assert report.completed == 2
    [incident] = world.record(looping_instance).state.incidents.values()
    assert (incident.element_id, incident.reason.startswith(LOOP)) == ("Task_A", True)
    assert world.task("Remind").instance_id == reminder
    # The timer's job is spent: neither this executor nor one after a restart runs the loop again.
    world.clock.advance(dt.timedelta(hours=1))
    assert world.executor.run_until_idle().claimed == 0
    assert world.executor.next_due_at() is None


def test_the_time_budget_stops_a_loop(engine: Engine) -> None:
    world = world_with(engine, process_step_max_elements=10**9, process_step_max_seconds=0.001)
    instance = world.start("Looping", variables={"again": True})
    [incident] = world.record(instance).state.incidents.values()
    assert incident.reason.startswith(LOOP)


class Signalling:
    """The real evaluator that also tells the test once the loop evaluates its condition."""

    def __init__(self, inner: ExpressionEvaluator) -> None:
        self.inner = inner
        self.looping = threading.Event()

    def evaluate(self, expression: Expression, variables: Mapping[str, Any]) -> Any:
        self.looping.set()
        return self.inner.evaluate(expression, variables)


def while_looping(world: World, instance: str, run: Callable[[], Any], stop: Command) -> Any:
    """Handle ``stop`` while ``run`` loops in another thread; ``run``'s result or error."""
    services = world.executor.services
    signalling = Signalling(services.evaluator)
    services.evaluator = signalling
    outcome: list[Any] = []

    def looping() -> None:
        try:
            outcome.append(run())
        except Exception as error:  # handed to the test thread
            outcome.append(error)

    thread = threading.Thread(target=looping, daemon=True)
    thread.start()
    try:
        assert signalling.looping.wait(WAIT_BOUND_SECONDS)
        world.handle(stop)
        thread.join(WAIT_BOUND_SECONDS)
    finally:
        services.running.stop(TENANT, instance, "test end")  # never leave the loop running
    assert not thread.is_alive()
    services.evaluator = signalling.inner
    return outcome[0]


@pytest.mark.parametrize(
    ("stop", "status"), [(CancelInstance, "terminated"), (SuspendInstance, "active")]
)
def test_cancel_or_suspend_stops_a_running_step_of_the_instance(
    engine: Engine, stop: type[CancelInstance | SuspendInstance], status: str
) -> None:
    world = world_with(engine, process_step_max_elements=10**9, process_step_max_seconds=3600)
    instance = world.start("ReviewedLoop")
    task = world.task("Review")
    completion = CompleteUserTask(
        tenant_id=TENANT, instance_id=instance, task_id=task.task_id, variables={"again": True}
    )
    failure = while_looping(
        world,
        instance,
        lambda: world.handle(completion),
        stop(tenant_id=TENANT, instance_id=instance),
    )
    assert isinstance(failure, StepStopped)
    request = "cancel" if stop is CancelInstance else "suspend"
    assert f"a {request} of instance {instance} stopped the step" in str(failure)
    assert world.status(instance) == status
    assert world.completed(instance) == ["S"]  # nothing of the stopped step was stored
    assert world.status(world.start("Looping", variables={"again": False})) == "completed"


def test_cancel_stops_a_job_running_a_loop_and_the_job_is_gone(engine: Engine) -> None:
    world = world_with(engine, process_step_max_elements=10**9, process_step_max_seconds=3600)
    instance = world.start("TimedLoop", variables={"again": True})
    world.clock.advance(dt.timedelta(hours=1))
    report = while_looping(
        world,
        instance,
        world.executor.run_due,
        CancelInstance(tenant_id=TENANT, instance_id=instance),
    )
    assert (report.completed, report.conflicts) == (0, 1)
    assert world.status(instance) == "terminated"
    world.clock.advance(dt.timedelta(hours=1))  # past the job's lock
    assert world.executor.run_until_idle().claimed == 0


def test_a_process_calling_itself_stops_at_the_nesting_limit_with_an_incident(
    world: World,
) -> None:
    world.deploy(RECURSIVE)
    root = world.start("Recursive")
    chain_of_calls = world.instances("Recursive")
    assert chain_of_calls[0] == root
    assert len(chain_of_calls) == MAX_NESTED_CALLS + 1
    [incident] = world.record(chain_of_calls[-1]).state.incidents.values()
    assert incident.element_id == "Call"
    assert f"would nest more than {MAX_NESTED_CALLS} called instances" in incident.reason
    assert all(world.status(instance) == "active" for instance in chain_of_calls)
