"""Events delivered together read their instances and tasks ahead, and still apply each once.

A batch of ``TaskCompleted`` events (every branch of several parallel instances, one event twice)
and a batch of ``UserTaskActivated`` events (one twice) are each delivered in one transaction;
on PostgreSQL their lookups go in one round trip. Each instance takes its read-ahead state
once: its second and third branch read it again, so the join fires once and nothing is lost.
"""

from __future__ import annotations

from collections import Counter

import pytest
from sqlalchemy import Engine, func, select

from kontor.bootstrap import bootstrap
from kontor.casework.tasks.tables import tasks
from kontor.contracts.tasks import UserTaskActivated
from kontor.messaging import FakeClock
from kontor.process import DeployProcess, StartProcess, TaskCompleted
from kontor.process.store import InstanceStore
from kontor.settings import Settings

TENANT = "t1"
BRANCHES = ("Left", "Middle", "Right")
INSTANCES = 5
MODEL = f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d"
  targetNamespace="http://t">
  <bpmn:process id="Fan" isExecutable="true">
    <bpmn:startEvent id="Start"/><bpmn:parallelGateway id="Split"/>
    {"".join(f'<bpmn:userTask id="{b}"/>' for b in BRANCHES)}
    <bpmn:parallelGateway id="Join"/><bpmn:endEvent id="End"/>
    <bpmn:sequenceFlow id="f0" sourceRef="Start" targetRef="Split"/>
    {"".join(f'<bpmn:sequenceFlow id="i{b}" sourceRef="Split" targetRef="{b}"/>' for b in BRANCHES)}
    {"".join(f'<bpmn:sequenceFlow id="o{b}" sourceRef="{b}" targetRef="Join"/>' for b in BRANCHES)}
    <bpmn:sequenceFlow id="f9" sourceRef="Join" targetRef="End"/>
  </bpmn:process>
</bpmn:definitions>"""

pytestmark = pytest.mark.parametrize("database_url", ["sqlite", "postgres"], indirect=True)


def _tasks_per_user_task(engine: Engine) -> Counter[tuple[str, str]]:
    query = select(tasks.c.process_instance_id, tasks.c.process_task_id, func.count()).group_by(
        tasks.c.process_instance_id, tasks.c.process_task_id
    )
    with engine.connect() as connection:
        return Counter({(i, t): n for i, t, n in connection.execute(query)})


def test_a_batch_of_completions_moves_every_instance_once(
    database_url: str, engine: Engine
) -> None:
    kontor = bootstrap(Settings(database_url=database_url), engine=engine, clock=FakeClock())
    bus = kontor.bus
    bus.handle(DeployProcess(tenant_id=TENANT, bpmn_xml=MODEL))
    ids = bus.handle_all(
        [StartProcess(tenant_id=TENANT, process_key="Fan") for _ in range(INSTANCES)]
    )
    store = InstanceStore
    with engine.connect() as connection:
        records = [store(connection, TENANT).get(instance_id) for instance_id in ids]
    open_tasks = [(r.instance_id, task_id) for r in records for task_id in r.state.user_tasks]
    assert len(open_tasks) == INSTANCES * len(BRANCHES)
    assert _tasks_per_user_task(engine) == Counter(dict.fromkeys(open_tasks, 1))

    # the first user task's activation again, beside a new instance's: one task each still
    first = records[0]
    again = UserTaskActivated(
        tenant_id=TENANT, instance_id=first.instance_id, process_key="Fan",
        task_id=open_tasks[0][1], element_id="Left",
    )  # fmt: skip
    bus.publish(again, again.model_copy(update={"message_id": "again-2"}))
    assert _tasks_per_user_task(engine)[open_tasks[0]] == 1

    completions = [
        TaskCompleted(
            tenant_id=TENANT, task_id=f"task-{task_id}", process_instance_id=instance_id,
            process_task_id=task_id, variables={"done": task_id},
        )
        for instance_id, task_id in open_tasks
    ]  # fmt: skip
    duplicate = completions[0].model_copy(update={"message_id": "duplicate"})
    bus.publish(*completions, duplicate)  # one transaction, delivered together

    with engine.connect() as connection:
        ended = [store(connection, TENANT).get(instance_id) for instance_id in ids]
    assert [record.status.value for record in ended] == ["completed"] * INSTANCES
    assert all(not record.state.user_tasks for record in ended)
    kontor.stop()
