"""Real concurrency on PostgreSQL: parallel branches completed at once, executors side by side."""

from __future__ import annotations

import datetime as dt
import threading
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from sqlalchemy import Engine, func, select

from kontor import db
from kontor.bootstrap import Kontor, bootstrap
from kontor.messaging import FakeClock, outbox
from kontor.process import (
    CompleteUserTask,
    DeployProcess,
    ProcessInstanceCompleted,
    StartProcess,
    TaskCompleted,
    TaskHandlers,
)
from kontor.process.errors import ConcurrentModification
from kontor.process.runtime.state import UserTask
from kontor.process.store import HistoryStore, InstanceRecord, InstanceStore
from kontor.process.store.tables import process_jobs
from kontor.settings import Settings
from support.messaging import WAIT_BOUND_SECONDS

pytestmark = pytest.mark.parametrize("database_url", ["postgres"], indirect=True)

TENANT = "t1"
BRANCHES = ("Left", "Middle", "Right")


def _model(process_id: str, branches: Mapping[str, str]) -> str:
    """A process splitting into ``branches`` (element id → BPMN element) joined before the end."""
    flows = '<bpmn:sequenceFlow id="f0" sourceRef="Start" targetRef="Split"/>'
    flows += '<bpmn:sequenceFlow id="f9" sourceRef="Join" targetRef="End"/>'
    for n, element_id in enumerate(branches):
        flows += f'<bpmn:sequenceFlow id="in{n}" sourceRef="Split" targetRef="{element_id}"/>'
        flows += f'<bpmn:sequenceFlow id="out{n}" sourceRef="{element_id}" targetRef="Join"/>'
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="d" targetNamespace="http://t">
  <bpmn:process id="{process_id}" isExecutable="true">
    <bpmn:startEvent id="Start"/><bpmn:parallelGateway id="Split"/>{"".join(branches.values())}
    <bpmn:parallelGateway id="Join"/><bpmn:endEvent id="End"/>{flows}
  </bpmn:process>
</bpmn:definitions>"""


def _service(element_id: str, task_type: str) -> str:
    return (
        f'<bpmn:serviceTask id="{element_id}"><bpmn:extensionElements>'
        f'<zeebe:taskDefinition type="{task_type}"/></bpmn:extensionElements></bpmn:serviceTask>'
    )


REVIEWS = _model("Reviews", {b: f'<bpmn:userTask id="{b}"/>' for b in BRANCHES})
CHECKS = _model("Checks", {"Left": _service("Left", "left"), "Right": _service("Right", "right")})
SEQUENCE = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="d" targetNamespace="http://t">
  <bpmn:process id="Sequence" isExecutable="true">
    <bpmn:startEvent id="Start"/>
    <bpmn:serviceTask id="First"><bpmn:extensionElements>
      <zeebe:taskDefinition type="first"/></bpmn:extensionElements></bpmn:serviceTask>
    <bpmn:serviceTask id="Second"><bpmn:extensionElements>
      <zeebe:taskDefinition type="second"/></bpmn:extensionElements></bpmn:serviceTask>
    <bpmn:endEvent id="End"/>
    <bpmn:sequenceFlow id="f1" sourceRef="Start" targetRef="First"/>
    <bpmn:sequenceFlow id="f2" sourceRef="First" targetRef="Second"/>
    <bpmn:sequenceFlow id="f3" sourceRef="Second" targetRef="End"/>
  </bpmn:process>
</bpmn:definitions>"""


class Node:
    """One Kontor process on the shared database: its own engine, bus and job executor."""

    def __init__(self, database_url: str, clock: FakeClock, handlers: TaskHandlers) -> None:
        self.clock = clock
        self.kontor: Kontor = bootstrap(
            Settings(database_url=database_url),
            clock=clock,
            engine=db.create_database_engine(database_url),
            task_handlers=handlers,
        )

    def start(self, process_key: str, **variables: Any) -> str:
        instance_id: str = self.kontor.bus.handle(
            StartProcess(tenant_id=TENANT, process_key=process_key, variables=variables)
        )
        return instance_id

    def record(self, instance_id: str) -> InstanceRecord:
        with self.kontor.bus.unit_of_work() as uow:
            return InstanceStore(uow.connection, TENANT).get(instance_id)

    def completed_activities(self, instance_id: str) -> Counter[str]:
        with self.kontor.bus.unit_of_work() as uow:
            history = HistoryStore(uow.connection, TENANT).activity_history(instance_id)
        return Counter(row.element_id for row in history if row.outcome == "completed")


@pytest.fixture
def nodes(database_url: str, engine: Engine) -> Iterator[Callable[[TaskHandlers], Node]]:
    """Makes Kontor nodes on the test's PostgreSQL database, all on one fake clock."""
    clock = FakeClock()
    made: list[Node] = []

    def make(handlers: TaskHandlers) -> Node:
        node = Node(database_url, clock, handlers)
        if not made:
            for xml in (REVIEWS, CHECKS, SEQUENCE):
                node.kontor.bus.handle(DeployProcess(tenant_id=TENANT, bpmn_xml=xml))
        made.append(node)
        return node

    yield make
    for node in made:
        node.kontor.stop()


def _completions_per_instance(engine: Engine) -> Counter[str]:
    with engine.connect() as connection:
        payloads = connection.execute(
            select(outbox.c.payload).where(outbox.c.type_name == ProcessInstanceCompleted.type_name)
        ).scalars()
        return Counter(payload["instance_id"] for payload in payloads)


def _at_once(actions: list[Callable[[], Any]]) -> list[Any]:
    """Run each action in a thread of its own, all released at the same moment; their results."""
    barrier = threading.Barrier(len(actions))

    def run(action: Callable[[], Any]) -> Any:
        barrier.wait(timeout=WAIT_BOUND_SECONDS)
        return action()

    with ThreadPoolExecutor(len(actions)) as pool:
        return [future.result() for future in [pool.submit(run, a) for a in actions]]


def _complete_branches_at_once(
    node: Node, instance_id: str, *, retry_conflicts: bool
) -> list[Exception]:
    """Complete every open user task of the instance from its own thread at the same moment.

    With ``retry_conflicts`` a caller that is refused with ``ConcurrentModification`` tries
    again, as a client receiving 409 would; returns what the callers were refused with.
    """
    refused: list[Exception] = []

    def completing(task: UserTask) -> Callable[[], None]:
        def complete() -> None:
            while True:
                command = CompleteUserTask(
                    tenant_id=TENANT, instance_id=instance_id, task_id=task.id,
                    variables={f"by{task.element_id}": True},
                )  # fmt: skip
                try:
                    node.kontor.bus.handle(command)
                    return
                except ConcurrentModification as error:
                    refused.append(error)
                    if not retry_conflicts:
                        return

        return complete

    _at_once([completing(task) for task in node.record(instance_id).state.user_tasks.values()])
    return refused


def _assert_reviews_completed_once(node: Node, engine: Engine, instances: list[str]) -> None:
    for instance_id in instances:
        record = node.record(instance_id)
        assert record.status == "completed", instance_id
        assert record.state.tokens == {}
        assert record.state.variables == {f"by{b}": True for b in BRANCHES}
        history = node.completed_activities(instance_id)
        assert (history["Join"], history["End"]) == (1, 1), instance_id
    assert _completions_per_instance(engine) == Counter(instances)


def test_branches_completed_at_the_same_moment_fire_the_join_once(
    nodes: Callable[[TaskHandlers], Node], engine: Engine
) -> None:
    node = nodes(TaskHandlers())
    instances = [node.start("Reviews") for _ in range(15)]
    for instance_id in instances:
        _complete_branches_at_once(node, instance_id, retry_conflicts=True)
    _assert_reviews_completed_once(node, engine, instances)


def test_a_branch_completed_at_the_same_moment_as_another_is_not_refused(
    nodes: Callable[[TaskHandlers], Node],
) -> None:
    node = nodes(TaskHandlers())
    instances = [node.start("Reviews") for _ in range(5)]
    refused = [
        error
        for instance_id in instances
        for error in _complete_branches_at_once(node, instance_id, retry_conflicts=False)
    ]
    assert refused == []
    assert all(node.record(i).status == "completed" for i in instances)


def _announcing_completion(node: Node, instance_id: str, task: UserTask) -> Callable[[], None]:
    """Publishes what the task system announces when a person completed the task."""

    def announce() -> None:
        node.kontor.bus.publish(
            TaskCompleted(
                tenant_id=TENANT, task_id=f"casework-{task.id}", process_instance_id=instance_id,
                process_task_id=task.id, variables={f"by{task.element_id}": True},
            )
        )  # fmt: skip

    return announce


def test_task_completed_events_arriving_at_once_are_applied_once_after_retries(
    nodes: Callable[[TaskHandlers], Node], engine: Engine
) -> None:
    node = nodes(TaskHandlers())
    instances = [node.start("Reviews") for _ in range(10)]
    for instance_id in instances:
        tasks = node.record(instance_id).state.user_tasks.values()
        _at_once([_announcing_completion(node, instance_id, task) for task in tasks])
    for _ in range(5):  # a conflicting delivery is retried with backoff
        node.clock.advance(dt.timedelta(minutes=1))
        node.kontor.background_round()
    assert node.kontor.dispatcher.dead_letters() == []
    _assert_reviews_completed_once(node, engine, instances)


def _recording(
    calls: Counter[tuple[str, str]],
    *tasks: str,
    meet: threading.Barrier | None = None,
    meet_first: threading.Barrier | None = None,
) -> TaskHandlers:
    """Handlers for ``tasks`` that count their runs by (instance variable ``n``, task).

    With ``meet``, each handler waits there until as many handlers run as the barrier expects;
    with ``meet_first``, only the first run of this set of handlers waits there.
    """
    lock = threading.Lock()
    handlers = TaskHandlers()
    first_meeting = [meet_first] if meet_first is not None else []

    def recorder(task: str) -> Callable[[Mapping[str, Any], Mapping[str, str]], dict[str, Any]]:
        def run(variables: Mapping[str, Any], headers: Mapping[str, str]) -> dict[str, Any]:
            with lock:
                calls[(f"{variables['n']}", task)] += 1
                first = first_meeting.pop() if first_meeting else None
            for barrier in (first, meet):
                if barrier is not None:
                    barrier.wait(timeout=WAIT_BOUND_SECONDS)
            return {task: True}

        return run

    for task in tasks:
        handlers.register(task, recorder(task))
    return handlers


def test_two_executors_claim_disjoint_jobs_and_run_each_handler_once(
    nodes: Callable[[TaskHandlers], Node], engine: Engine
) -> None:
    calls: Counter[tuple[str, str]] = Counter()
    both_working = threading.Barrier(2)  # neither executor can finish all jobs alone, however fast
    pair = [nodes(_recording(calls, "first", "second", meet_first=both_working)) for _ in range(2)]
    instances = [pair[0].start("Sequence", n=n) for n in range(100)]
    reports = _at_once([node.kontor.process_jobs.run_until_idle for node in pair])
    assert [node.kontor.process_jobs.run_until_idle().claimed for node in pair] == [0, 0]
    assert calls == Counter({(f"{n}", task): 1 for n in range(100) for task in ("first", "second")})
    assert all(report.completed > 0 for report in reports), "one executor did all the work"
    assert sum(report.completed for report in reports) == 200
    assert all(pair[0].record(i).status == "completed" for i in instances)
    with engine.connect() as connection:
        assert connection.execute(select(func.count()).select_from(process_jobs)).scalar_one() == 0


def test_parallel_service_tasks_finished_by_two_executors_at_once_join_once_without_rerun(
    nodes: Callable[[TaskHandlers], Node], engine: Engine
) -> None:
    calls: Counter[tuple[str, str]] = Counter()
    both_running = threading.Barrier(2)  # each executor runs one branch; results meet
    pair = [nodes(_recording(calls, "left", "right", meet=both_running)) for _ in range(2)]
    for node in pair:
        node.kontor.process_jobs.batch = 1  # one job each: the two branches of one instance
    instances = []
    for n in range(10):
        instance_id = pair[0].start("Checks", n=n)
        instances.append(instance_id)
        _at_once([node.kontor.process_jobs.run_due for node in pair])
        record = pair[0].record(instance_id)
        assert record.status == "completed", f"instance {n} waits although both branches ran"
        assert record.state.variables == {"n": n, "left": True, "right": True}
        assert pair[0].completed_activities(instance_id)["Join"] == 1
    assert calls == Counter({(f"{n}", task): 1 for n in range(10) for task in ("left", "right")})
    assert _completions_per_instance(engine) == Counter(instances)
