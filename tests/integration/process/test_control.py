"""Runtime control through the bus: suspend/resume, cancel, set variables, modify, operation log."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import Engine, update

from kontor.bootstrap import Kontor, bootstrap
from kontor.messaging import Command, Event, FakeClock, HandlerRegistry
from kontor.process import (
    CancelInstance,
    CompleteUserTask,
    DeployProcess,
    ModificationInstruction,
    ModifyInstance,
    ProcessInstanceCompleted,
    ResumeInstance,
    SetVariables,
    StartProcess,
    SuspendInstance,
    TaskCompleted,
    UserTaskActivated,
    UserTaskCancelled,
)
from kontor.process.errors import CalledInstanceNotCancellable, InvalidProcessCommand
from kontor.process.store import (
    HistoryStore,
    InstanceRecord,
    InstanceStore,
    OperationRecord,
    operations,
)
from kontor.process.store.tables import process_instances
from kontor.settings import Settings
from support.backends import BACKENDS

pytestmark = pytest.mark.parametrize("database_url", BACKENDS, indirect=True)

HEAD = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"'
    ' id="d" targetNamespace="http://t"><bpmn:process id="{key}" isExecutable="true">'
)
TAIL = "</bpmn:process></bpmn:definitions>"


def flow(flow_id: str, source: str, target: str) -> str:
    return f'<bpmn:sequenceFlow id="{flow_id}" sourceRef="{source}" targetRef="{target}"/>'


# Start → (one hour) → Review → Decide → End; Review also reminds after a day.
REVIEW = (
    HEAD.format(key="Claim") + '<bpmn:startEvent id="S"/><bpmn:intermediateCatchEvent id="Wait">'
    "<bpmn:timerEventDefinition><bpmn:timeDuration>PT1H</bpmn:timeDuration>"
    "</bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>"
    '<bpmn:userTask id="Review"/><bpmn:userTask id="Decide"/><bpmn:endEvent id="E"/>'
    + flow("f1", "S", "Wait")
    + flow("f2", "Wait", "Review")
    + flow("f3", "Review", "Decide")
    + flow("f4", "Decide", "E")
    + TAIL
)


class World:
    """A wired Kontor with a fake clock that records the process events it emits."""

    def __init__(self, engine: Engine) -> None:
        self.clock = FakeClock()
        registry = HandlerRegistry()
        self.events: list[Event] = []
        for kind in (UserTaskActivated, UserTaskCancelled, ProcessInstanceCompleted):
            registry.subscribe(kind, lambda e, _uow: self.events.append(e), "test.seen")
        self.kontor: Kontor = bootstrap(
            Settings(), clock=self.clock, engine=engine, registry=registry
        )
        self.executor = self.kontor.process_jobs
        self.handle(DeployProcess(tenant_id="t1", bpmn_xml=REVIEW))

    def handle(self, command: Command) -> Any:
        return self.kontor.bus.handle(command)

    def start(self) -> str:
        result: str = self.handle(StartProcess(tenant_id="t1", process_key="Claim"))
        return result

    def at_review(self) -> str:
        instance = self.start()
        self.clock.advance(dt.timedelta(hours=1))
        self.executor.run_until_idle()
        return instance

    def of(self, kind: type[Event]) -> list[Any]:
        return [e for e in self.events if isinstance(e, kind)]

    def record(self, instance_id: str) -> InstanceRecord:
        with self.kontor.bus.unit_of_work() as uow:
            return InstanceStore(uow.connection, "t1").get(instance_id)

    def operations(self, instance_id: str) -> list[OperationRecord]:
        with self.kontor.bus.unit_of_work() as uow:
            return operations(uow.connection, "t1", instance_id)

    def outcomes(self, instance_id: str) -> list[tuple[str, str | None]]:
        with self.kontor.bus.unit_of_work() as uow:
            rows = HistoryStore(uow.connection, "t1").activity_history(instance_id)
        return [(row.element_id, row.outcome) for row in rows]


@pytest.fixture
def world(engine: Engine) -> World:
    return World(engine)


def test_a_suspended_instance_holds_its_timers_until_resumed(world: World) -> None:
    instance = world.start()
    assert (
        world.handle(SuspendInstance(tenant_id="t1", instance_id=instance, actor="ops")) == instance
    )
    world.clock.advance(dt.timedelta(hours=2))
    assert world.executor.run_until_idle().claimed == 0
    assert world.of(UserTaskActivated) == []
    world.handle(ResumeInstance(tenant_id="t1", instance_id=instance, actor="ops"))
    assert world.executor.run_until_idle().completed == 1  # the timer due meanwhile fires
    assert [e.element_id for e in world.of(UserTaskActivated)] == ["Review"]
    assert [(o.operation, o.actor) for o in world.operations(instance)] == [
        ("suspend", "ops"), ("resume", "ops")
    ]  # fmt: skip


def test_a_task_completed_while_suspended_is_kept_and_moves_on_at_resume(world: World) -> None:
    instance = world.at_review()
    [task] = world.of(UserTaskActivated)
    world.handle(SuspendInstance(tenant_id="t1", instance_id=instance))
    complete = CompleteUserTask(
        tenant_id="t1", instance_id=instance, task_id=task.task_id, variables={"ok": True}
    )
    world.handle(complete)  # accepted, not refused: the person's work is not lost
    world.kontor.bus.publish(  # the task system reports the same completion: no retry storm
        TaskCompleted(
            tenant_id="t1", task_id="casework-1", process_instance_id=instance,
            process_task_id=task.task_id, variables={"ok": False},
        )
    )  # fmt: skip
    backlog = world.kontor.dispatcher.backlog()
    assert (backlog["retrying"], backlog["dead"]) == (0, 0)
    waiting = world.record(instance).state
    assert [t.element_id for t in waiting.user_tasks.values()] == ["Review"]  # still waits
    assert waiting.variables == {}  # applied only on resume
    assert [e.element_id for e in world.of(UserTaskActivated)] == ["Review"]
    with pytest.raises(InvalidProcessCommand, match="already") as error:
        world.handle(SuspendInstance(tenant_id="t1", instance_id=instance))
    assert error.value.details["reason"] == "process.instance_suspended"
    with pytest.raises(InvalidProcessCommand, match="completed already"):
        world.handle(complete.model_copy(update={"message_id": "again"}))

    world.handle(ResumeInstance(tenant_id="t1", instance_id=instance))

    assert [e.element_id for e in world.of(UserTaskActivated)] == ["Review", "Decide"]
    resumed = world.record(instance).state
    assert (resumed.variables, resumed.parked) == ({"ok": True}, [])
    assert world.outcomes(instance)[-2:] == [("Review", "completed"), ("Decide", None)]
    with pytest.raises(InvalidProcessCommand, match="not open"):
        world.handle(complete.model_copy(update={"message_id": "late"}))


def test_cancel_withdraws_tasks_and_ends_the_instance_terminated(world: World) -> None:
    instance = world.at_review()
    [task] = world.of(UserTaskActivated)
    world.handle(
        CancelInstance(tenant_id="t1", instance_id=instance, reason="duplicate", actor="ann")
    )
    [withdrawn] = world.of(UserTaskCancelled)
    assert (withdrawn.task_id, withdrawn.element_id) == (task.task_id, "Review")
    [ended] = world.of(ProcessInstanceCompleted)
    assert ended.terminated
    assert world.record(instance).status.value == "terminated"
    assert world.outcomes(instance)[-1] == ("Review", "terminated")
    [logged] = world.operations(instance)
    assert (logged.operation, logged.actor, logged.details) == (
        "cancel",
        "ann",
        {"reason": "duplicate"},
    )
    with pytest.raises(InvalidProcessCommand, match="terminated"):
        world.handle(CancelInstance(tenant_id="t1", instance_id=instance))


def test_cancel_takes_the_called_instances_along(world: World, engine: Engine) -> None:
    parent, child = world.at_review(), world.at_review()
    with engine.begin() as connection:  # as a call activity links them
        connection.execute(
            update(process_instances)
            .where(process_instances.c.instance_id == child)
            .values(parent_instance_id=parent)
        )
    with pytest.raises(CalledInstanceNotCancellable, match=f"root instance {parent} instead"):
        world.handle(CancelInstance(tenant_id="t1", instance_id=child, actor="ann"))
    assert world.operations(child) == []
    world.handle(CancelInstance(tenant_id="t1", instance_id=parent, actor="ann"))
    assert world.record(child).status.value == "terminated"
    [logged] = world.operations(child)
    assert logged.details == {"reason": "", "cancelled_with": parent}


def test_set_variables_changes_the_process_scope(world: World) -> None:
    instance = world.start()
    world.handle(
        SetVariables(tenant_id="t1", instance_id=instance, variables={"amount": 12}, actor="bob")
    )
    assert world.record(instance).state.variables == {"amount": 12}
    [logged] = world.operations(instance)
    assert (logged.operation, logged.details) == (
        "set_variables",
        {"names": ["amount"], "scope_id": None},
    )
    with pytest.raises(InvalidProcessCommand, match="no scope 'nowhere'"):
        world.handle(
            SetVariables(
                tenant_id="t1", instance_id=instance, variables={"a": 1}, scope_id="nowhere"
            )
        )


def test_modify_moves_the_token_and_records_it(world: World) -> None:
    instance = world.at_review()
    world.handle(
        ModifyInstance(
            tenant_id="t1", instance_id=instance, actor="ann",
            instructions=[
                ModificationInstruction(kind="cancel", element_id="Review"),
                ModificationInstruction(kind="start_before", element_id="Decide"),
            ],
        )
    )  # fmt: skip
    assert [e.element_id for e in world.of(UserTaskCancelled)] == ["Review"]
    assert [e.element_id for e in world.of(UserTaskActivated)] == ["Review", "Decide"]
    assert world.outcomes(instance)[-2:] == [("Review", "terminated"), ("Decide", None)]
    [logged] = world.operations(instance)
    assert logged.operation == "modify"
    assert logged.details["instructions"][1]["element_id"] == "Decide"


def test_a_refused_modification_changes_nothing(world: World) -> None:
    instance = world.at_review()
    before = world.record(instance)
    with pytest.raises(InvalidProcessCommand, match="'Nowhere'"):
        world.handle(
            ModifyInstance(
                tenant_id="t1", instance_id=instance,
                instructions=[
                    ModificationInstruction(kind="cancel", element_id="Review"),
                    ModificationInstruction(kind="start_before", element_id="Nowhere"),
                ],
            )
        )  # fmt: skip
    assert world.record(instance).revision == before.revision
    assert world.of(UserTaskCancelled) == []
    assert world.operations(instance) == []
