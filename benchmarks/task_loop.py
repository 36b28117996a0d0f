"""Benchmark: claim triage end to end with the task system in the loop vs the engine alone.

Both runs use the claim-triage model of the engine benchmark (``engine_vs_spiff.py``), in
batches of 200 instances: starts committed together, every user task becoming a task of the
task system (as always in Kontor). **Engine alone**: the user tasks' completions reach the
engine as ``TaskCompleted`` events published together, as in the engine benchmark. **With the
task system**: people's work goes through the task system, one bulk action per batch assigning
the tasks to a clerk and one completing them (``WorkOnTasks``: history, audit entry, deadlines,
``TaskCompleted``); the engine then moves each instance on. Prints instances/s of both and the
ratio (goal ≥ 0.7). Usage:
    python benchmarks/task_loop.py [--instances 2000] [--postgres URL]
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from typing import Any

from engine_vs_spiff import BATCH, FEEL_MODEL, amount
from scratch_schemas import postgres_schema
from sqlalchemy import Engine, func, select

from kontor import db
from kontor.bootstrap import Kontor, bootstrap, load_schema
from kontor.casework.tasks import WorkOnTasks
from kontor.casework.tasks.tables import tasks
from kontor.process import DeployProcess, StartProcess, TaskCompleted, TaskHandlers
from kontor.process.store.tables import process_instances
from kontor.settings import Settings

TENANT = "bench"


def main() -> None:
    """Run both ways on a fresh database each and print the figures as JSON."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--instances", type=int, default=2000)
    parser.add_argument("--postgres", default=os.environ.get("KONTOR_TEST_POSTGRES_URL"))
    args = parser.parse_args()
    load_schema()
    result: dict[str, Any] = {"instances": args.instances, "load_average": os.getloadavg()[0]}
    for store in ("sqlite", "postgresql") if args.postgres else ("sqlite",):
        figures = {way: _fresh(store, args, way) for way in ("engine_alone", "with_tasks")}
        figures["ratio"] = round(figures["with_tasks"] / figures["engine_alone"], 2)
        result[store] = figures
    print(json.dumps(result, indent=2))


def _fresh(store: str, args: argparse.Namespace, way: str) -> float:
    if store == "sqlite":
        with tempfile.TemporaryDirectory(prefix="kontor-bench-") as scratch:
            return _run(f"sqlite:///{scratch}/kontor.db", args.instances, way)
    with postgres_schema(args.postgres) as (url, _):
        return _run(url, args.instances, way)


def _run(url: str, instances: int, way: str) -> float:
    """Instances per second through start, user task, both service tasks and end."""
    engine = db.create_database_engine(url)
    db.upgrade(engine)
    handlers = TaskHandlers()  # the model's service tasks, run in the step that reaches them
    handlers.register("notify", lambda variables, headers: {"notified": True}, inline=True)
    handlers.register(
        "ledger", lambda variables, headers: {"booked": variables["reserve"]}, inline=True
    )
    kontor = bootstrap(Settings(database_url=url), engine=engine, task_handlers=handlers)
    kontor.bus.handle(DeployProcess(tenant_id=TENANT, bpmn_xml=FEEL_MODEL.read_text()))
    began = time.perf_counter()
    for first in range(0, instances, BATCH):
        starts = [
            StartProcess(
                tenant_id=TENANT, process_key="ClaimTriage", variables={"amount": amount(n)}
            )
            for n in range(first, min(first + BATCH, instances))
        ]
        with kontor.bus.batch_delivery():
            ids = kontor.bus.handle_all(starts)
        with kontor.bus.batch_delivery():
            _complete(kontor, engine, ids, way)
        kontor.process_jobs.run_until_idle()
    seconds = time.perf_counter() - began
    kontor.stop()
    done = _count(engine, process_instances, process_instances.c.status == "completed")
    engine.dispose()
    assert done == instances, f"{done} of {instances} instances ended ({way})"
    return round(instances / seconds, 1)


def _complete(kontor: Kontor, engine: Engine, instance_ids: list[str], way: str) -> None:
    with engine.connect() as connection:
        rows = connection.execute(
            select(tasks.c.task_id, tasks.c.process_instance_id, tasks.c.process_task_id).where(
                tasks.c.tenant_id == TENANT, tasks.c.process_instance_id.in_(instance_ids)
            )
        ).all()
    assert len(rows) == len(instance_ids), "every user task became a task"
    if way == "engine_alone":
        kontor.bus.publish(
            *(
                TaskCompleted(
                    tenant_id=TENANT,
                    task_id=row.task_id,
                    process_instance_id=row.process_instance_id,
                    process_task_id=row.process_task_id,
                    variables={"approved": True},
                )
                for row in rows
            )
        )
        return
    ids = [row.task_id for row in rows]
    for operation, arguments in (
        ("assign", {"user_id": "clerk"}),
        ("complete", {"data": {"approved": True}}),
    ):
        outcomes = kontor.bus.handle(
            WorkOnTasks(tenant_id=TENANT, actor="clerk", task_ids=ids, operation=operation,
                        arguments=arguments, as_manager=True)
        )  # fmt: skip
        assert all(not isinstance(o, Exception) for o in outcomes), outcomes[:3]


def _count(engine: Engine, table: Any, condition: Any) -> int:
    with engine.connect() as connection:
        return int(
            connection.execute(
                select(func.count()).select_from(table).where(condition)
            ).scalar_one()
        )


if __name__ == "__main__":
    main()
