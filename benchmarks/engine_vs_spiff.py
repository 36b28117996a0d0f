"""Benchmark: Kontor's durable process engine (SQLite) vs SpiffWorkflow 3.x on claim triage.

Usage: python benchmarks/engine_vs_spiff.py [--instances N] [--spiff-model PATH]
    [--postgres URL] [--history N] [--budget-rounds R]

With ``--postgres`` (or KONTOR_TEST_POSTGRES_URL set) Kontor also runs on PostgreSQL in a
throwaway schema; when that server runs on this machine, its CPU milliseconds per instance are
printed beside the rate (``postgresql_cpu_ms_per_instance``: all of the server's processes).
With ``--history N`` Kontor runs once more on SQLite after N completed instances were put into
its history (copies of real runs), to show throughput holds.

Each instance starts, waits at its user task, is completed there and runs to its end through
both service tasks. Kontor: FEEL model (the test copy in tests/conformance/bpmn/models), state,
history and events committed to the database at every wait state; it runs in three modes
(``MODES``): bulk intake (the headline figure), one transaction per command, and service tasks
as executor jobs. SpiffWorkflow: its Python-expression model, serialized to JSON and restored at
the user-task wait state (and serialized again at the end), service tasks inline. Prints JSON.

With ``--budget-rounds R`` it measures only what the budgets cost: Kontor on SQLite (bulk and
per-command modes), R rounds each with budgets on and off in turn (``budget_switch``), as
instances per wall second and per CPU second of the benchmark process (the steadier figure
on a loaded machine).
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from functools import partial
from pathlib import Path
from typing import Any

from budget_switch import interleaved
from cpu_meter import CpuMeter, server_roots
from scratch_schemas import postgres_schema
from sqlalchemy import Engine, func, insert, literal, select

from kontor import db
from kontor.bootstrap import Kontor, bootstrap, load_schema
from kontor.messaging import HandlerRegistry
from kontor.process import (
    CompleteUserTask,
    DeployProcess,
    StartProcess,
    TaskCompleted,
    TaskHandlers,
    UserTaskActivated,
)
from kontor.process.store.tables import (
    process_activity_history,
    process_instances,
    process_variable_history,
)
from kontor.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
FEEL_MODEL = ROOT / "tests" / "conformance" / "bpmn" / "models" / "claim_triage_feel.bpmn"
SPIFF_MODEL = ROOT.parent / "shared" / "bench" / "bpmn" / "claim_triage.bpmn"
BATCH = 200


def amount(number: int) -> int:
    """Alternate high- and low-risk claims so both review paths run."""
    return 5000 if number % 2 else 200


MODES = {
    "bulk": "starts in batches of 200 per transaction (bus.handle_all), completions as "
    "TaskCompleted events published 200 per transaction, events delivered together inside "
    "the transaction that emits them, service-task handlers inline",
    "per_command": "every start and every completion its own transaction (bus.handle), "
    "events delivered inside it, service-task handlers inline",
    "jobs": "every start and completion its own transaction, events delivered inside it, "
    "service tasks as jobs run by the job executor (200 per batch)",
}


def run_kontor(
    instances: int, url: str | None = None, history: int = 0, mode: str = "bulk"
) -> dict[str, Any]:
    """Run ``instances`` claims through Kontor (fresh SQLite file unless ``url``); figures."""
    if url is None:
        with tempfile.TemporaryDirectory(prefix="kontor-bench-") as scratch:
            return run_kontor(instances, f"sqlite:///{scratch}/kontor.db", history, mode)
    load_schema()
    engine = db.create_database_engine(url)
    db.upgrade(engine)
    if history:
        _fill_history(engine, history)
    try:
        return _run_claims(engine, url, instances, mode)
    finally:
        engine.dispose()


def claim_kontor(engine: Engine, url: str, mode: str) -> tuple[Kontor, dict[str, str]]:
    """Kontor wired for the claim model in ``mode``; each user task lands in the dict by
    instance id as it is activated."""
    registry = HandlerRegistry()
    tasks: dict[str, str] = {}
    registry.subscribe(
        UserTaskActivated,
        lambda event, _uow: tasks.__setitem__(event.instance_id, event.task_id),
        "bench.tasks",
    )
    handlers = TaskHandlers()
    inline = mode != "jobs"
    handlers.register("notify", lambda variables, headers: {"notified": True}, inline=inline)
    handlers.register(
        "ledger", lambda variables, headers: {"booked": variables["reserve"]}, inline=inline
    )
    kontor = bootstrap(
        Settings(database_url=url), engine=engine, registry=registry, task_handlers=handlers
    )
    kontor.process_jobs.batch = BATCH
    return kontor, tasks


def _run_claims(engine: Engine, url: str, instances: int, mode: str) -> dict[str, Any]:
    kontor, tasks = claim_kontor(engine, url, mode)
    executor = kontor.process_jobs
    bus = kontor.bus
    bus.handle(DeployProcess(tenant_id="bench", bpmn_xml=FEEL_MODEL.read_text()))
    done_before = _completed(engine)
    local = server_roots("postgres") if engine.dialect.name == "postgresql" else []
    server = CpuMeter({"postgresql": local})  # empty on SQLite or a server elsewhere
    server.start()
    started, cpu_started = time.perf_counter(), time.process_time()
    for first in range(0, instances, BATCH):
        starts = [
            StartProcess(
                tenant_id="bench", process_key="ClaimTriage", variables={"amount": amount(n)}
            )
            for n in range(first, min(first + BATCH, instances))
        ]
        if mode == "bulk":
            ids = bus.handle_all(starts)
            # The task system's stand-in: people's completions, committed as one batch.
            bus.publish(*(_completion(instance_id, tasks.pop(instance_id)) for instance_id in ids))
        else:
            ids = [bus.handle(start) for start in starts]
            for instance_id in ids:
                bus.handle(
                    CompleteUserTask(
                        tenant_id="bench", instance_id=instance_id,
                        task_id=tasks.pop(instance_id), variables={"approved": True},
                    )
                )  # fmt: skip
        executor.run_until_idle()
    seconds = time.perf_counter() - started
    cpu_seconds = time.process_time() - cpu_started
    server.stop()
    kontor.stop()
    done = _completed(engine) - done_before
    assert done == instances, f"only {done} of {instances} Kontor instances completed"
    figures = {
        **_figures(instances, seconds),
        "instances_per_cpu_s": round(instances / cpu_seconds, 1),
    }
    if local:
        spent = server.spent["postgresql"]
        figures["postgresql_cpu_ms_per_instance"] = round(spent * 1000 / instances, 2)
    return figures


def _completion(instance_id: str, task_id: str) -> TaskCompleted:
    return TaskCompleted(
        tenant_id="bench", task_id=f"task-{instance_id}", process_instance_id=instance_id,
        process_task_id=task_id, variables={"approved": True},
    )  # fmt: skip


def _completed(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(
            connection.execute(
                select(func.count())
                .select_from(process_instances)
                .where(process_instances.c.status == "completed")
            ).scalar_one()
        )


def _fill_history(engine: Engine, rows: int) -> None:
    """Put ``rows`` completed instances into the history: real runs, then copies of them.

    Each round copies every completed instance with its activity and variable history under new
    ids (a round letter in front of the old id), doubling the history.
    """
    url = str(engine.url.render_as_string(hide_password=False))
    _run_claims(engine, url, min(rows, 1000), "bulk")
    tables = (process_instances, process_activity_history, process_variable_history)
    for letter in "ghijklmnopqrstuvwxyz":
        if _completed(engine) >= rows:
            break
        with engine.begin() as connection:
            for table in tables:
                columns = [c for c in table.c if c.name == "instance_id" or not c.primary_key]
                renamed = [
                    (literal(letter) + func.substr(c, 1, 35)).label(c.name)
                    if c.name == "instance_id"
                    else c
                    for c in columns
                ]
                connection.execute(
                    insert(table).from_select([c.name for c in columns], select(*renamed))
                )
    if engine.dialect.name == "sqlite":
        # The copies went through the write-ahead log; fold it into the database first, as a
        # long-running installation would have, so the measured run does not pay for it.
        with engine.connect() as connection:
            connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
            connection.exec_driver_sql("ANALYZE")


def run_spiff(instances: int, model: Path) -> dict[str, Any]:
    """Run ``instances`` claims through SpiffWorkflow with a JSON round trip at the wait state."""
    from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine, TaskDataEnvironment
    from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
    from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
    from SpiffWorkflow.spiff.parser import SpiffBpmnParser
    from SpiffWorkflow.spiff.serializer import DEFAULT_CONFIG
    from SpiffWorkflow.util.task import TaskState

    class Services(TaskDataEnvironment):  # type: ignore[misc]
        def call_service(self, context: dict[str, Any], **kwargs: Any) -> str:
            return json.dumps({"ok": True})

    engine = PythonScriptEngine(environment=Services())
    parser = SpiffBpmnParser()
    parser.add_bpmn_file(str(model))
    spec = parser.get_spec("ClaimTriage")
    serializer = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(DEFAULT_CONFIG))
    started = time.perf_counter()
    for number in range(instances):
        workflow = BpmnWorkflow(spec, script_engine=engine)
        workflow.get_next_task(state=TaskState.READY).data["amount"] = amount(number)
        workflow.do_engine_steps()
        stored = serializer.serialize_json(workflow)
        restored = serializer.deserialize_json(stored)
        restored.script_engine = engine
        task = restored.get_next_task(state=TaskState.READY, manual=True)
        task.data["approved"] = True
        task.run()
        restored.do_engine_steps()
        assert restored.is_completed(), "a SpiffWorkflow instance did not complete"
        serializer.serialize_json(restored)
    return _figures(instances, time.perf_counter() - started)


def _ratio(figures: dict[str, Any], other: dict[str, Any]) -> float:
    return round(figures["instances_per_s"] / other["instances_per_s"], 2)


def _figures(instances: int, seconds: float) -> dict[str, Any]:
    return {"seconds": round(seconds, 3), "instances_per_s": round(instances / seconds, 1)}


def budget_cost(instances: int, rounds: int) -> dict[str, Any]:
    """Kontor's claim-triage rate on SQLite with budgets on and off, interleaved."""
    figures: dict[str, Any] = {
        "benchmark": "claim triage on SQLite, budgets on (as shipped) vs off (budget_switch)",
        "instances": instances,
        "rounds": rounds,
        "cpu_count": os.cpu_count(),
    }
    for mode in ("bulk", "per_command"):
        figures[mode] = interleaved(rounds, partial(_rate, instances, mode))
    return figures


def _rate(instances: int, mode: str) -> dict[str, float]:
    figures = run_kontor(instances, mode=mode)
    return {
        "instances_per_s": figures["instances_per_s"],
        "instances_per_cpu_s": figures["instances_per_cpu_s"],
    }


def main() -> None:
    """Run both engines on the same number of instances and print the figures as JSON."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--instances", type=int, default=10_000)
    parser.add_argument("--spiff-model", type=Path, default=SPIFF_MODEL)
    parser.add_argument("--postgres", default=os.environ.get("KONTOR_TEST_POSTGRES_URL"))
    parser.add_argument("--history", type=int, default=0)
    parser.add_argument("--budget-rounds", type=int, default=0)
    args = parser.parse_args()
    if args.budget_rounds:
        print(json.dumps(budget_cost(args.instances, args.budget_rounds), indent=2))
        return
    kontor = run_kontor(args.instances)
    spiff = run_spiff(args.instances, args.spiff_model)
    figures: dict[str, Any] = {
        "benchmark": "claim triage: start, user task, complete, 2 service tasks, end",
        "instances": args.instances,
        "cpu_count": os.cpu_count(),
        "kontor_modes": MODES,
        "kontor_durable_sqlite": kontor,
        "spiffworkflow_json_roundtrip": spiff,
        "kontor_vs_spiff": _ratio(kontor, spiff),
    }
    for mode in ("per_command", "jobs"):
        figures[f"kontor_durable_sqlite_{mode}"] = run_kontor(args.instances, mode=mode)
        figures[f"kontor_{mode}_vs_spiff"] = _ratio(figures[f"kontor_durable_sqlite_{mode}"], spiff)
    if args.postgres:
        for mode in ("bulk", "per_command"):
            with postgres_schema(args.postgres) as (url, _schema):
                name = "kontor_durable_postgresql" + ("" if mode == "bulk" else f"_{mode}")
                figures[name] = run_kontor(args.instances, url, mode=mode)
    if args.history:
        loaded = run_kontor(args.instances, history=args.history)
        figures[f"kontor_durable_sqlite_with_{args.history}_in_history"] = loaded
        figures["throughput_kept_with_history"] = _ratio(loaded, kontor)
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
