"""A batch of events saves its instances without a round trip each, and an instance another
process moved meanwhile is still applied once.

Delivered together, the saves of a batch's steps are sent with the batch's other writes and
their revisions checked then (``checks_later``). When one instance moved since the batch read
it, the check refuses the whole batch, nothing of it is kept, and the deliveries run again
one by one, where the step is applied to the newer state.
"""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, func, select, update

from kontor.bootstrap import bootstrap
from kontor.messaging import FakeClock, HandlerRegistry, UnitOfWork
from kontor.process import DeployProcess, StartProcess, TaskCompleted
from kontor.process.store import InstanceStore
from kontor.process.store.tables import process_activity_history, process_instances
from kontor.settings import Settings
from support.process_world import chain, model, process

TENANT = "t1"
INSTANCES = 6
MODEL = model(
    process(
        "Review", '<bpmn:startEvent id="Start"/><bpmn:userTask id="Check"/>',
        '<bpmn:endEvent id="End"/>', chain("Start", "Check", "End"),
    )
)  # fmt: skip

pytestmark = pytest.mark.parametrize("database_url", ["sqlite", "postgres"], indirect=True)


def _ends(engine: Engine) -> dict[str, int]:
    query = (
        select(process_activity_history.c.instance_id, func.count())
        .where(process_activity_history.c.element_id == "End")
        .group_by(process_activity_history.c.instance_id)
    )
    with engine.connect() as connection:
        return dict(connection.execute(query).all())


def test_a_batch_completes_every_instance_once_even_when_one_moved_meanwhile(
    database_url: str, engine: Engine
) -> None:
    registry = HandlerRegistry()
    moved: list[str] = []
    on_postgres = engine.dialect.name == "postgresql"  # SQLite: one writer, nobody moves it

    def another_process_moves_the_last_instance(event: TaskCompleted, _uow: UnitOfWork) -> None:
        # while the batch runs, another process saves the last instance (a new revision)
        if event.process_instance_id == ids[0] and not moved and on_postgres:
            with engine.begin() as elsewhere:
                elsewhere.execute(
                    update(process_instances)
                    .where(process_instances.c.instance_id == ids[-1])
                    .values(revision=process_instances.c.revision + 1)
                )
            moved.append(ids[-1])

    registry.subscribe(TaskCompleted, another_process_moves_the_last_instance, "test.mover")
    kontor = bootstrap(
        Settings(database_url=database_url), engine=engine, clock=FakeClock(), registry=registry
    )
    kontor.bus.handle(DeployProcess(tenant_id=TENANT, bpmn_xml=MODEL))
    ids = kontor.bus.handle_all(
        [StartProcess(tenant_id=TENANT, process_key="Review") for _ in range(INSTANCES)]
    )
    with engine.connect() as connection:
        records = [InstanceStore(connection, TENANT).get(one) for one in ids]
    kontor.bus.publish(
        *(
            TaskCompleted(
                tenant_id=TENANT, task_id=f"task-{r.instance_id}",
                process_instance_id=r.instance_id,
                process_task_id=next(iter(r.state.user_tasks)), variables={"ok": True},
            )
            for r in records
        )
    )  # fmt: skip

    with engine.connect() as connection:
        ended = [InstanceStore(connection, TENANT).get(one) for one in ids]
    assert [record.status.value for record in ended] == ["completed"] * INSTANCES
    assert _ends(engine) == dict.fromkeys(ids, 1)  # each step applied once, none lost
    if on_postgres:
        assert moved == [ids[-1]]
        assert ended[-1].revision == records[-1].revision + 2  # the move, then the step
    kontor.stop()
