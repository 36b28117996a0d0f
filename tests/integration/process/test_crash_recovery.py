"""Crash tests of the process engine: killed workers lose no token and apply no result twice."""

from __future__ import annotations

import datetime as dt
import os
import random
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select

from kontor import db
from kontor.bootstrap import Kontor, bootstrap
from kontor.messaging import Clock, FakeClock, SystemClock, outbox
from kontor.process import (
    DeployProcess,
    ProcessInstanceCompleted,
    StartProcess,
    TaskHandlers,
    UserTaskCancelled,
)
from kontor.process.store import InstanceRecord, InstanceStore
from kontor.process.store.tables import (
    process_activity_history,
    process_jobs,
    process_subscriptions,
)
from kontor.settings import Settings
from support.backends import BACKENDS
from support.messaging import WAIT_BOUND_SECONDS, wait_for
from support.process_rows import active_instances, count_rows

# Processes are started and killed here: on a machine ten times slower than CI these tests take
# minutes, so the hang guard is wider than the suite's 300 s.
pytestmark = pytest.mark.slow

HERE = Path(__file__).resolve().parent
WORKER = str(HERE / "crash_worker.py")
CRASH_MODEL = (HERE / "models" / "crash_parallel.bpmn").read_text()
CRASH_ELEMENTS = ("Start", "Split", "Pause", "A", "B", "Join", "C", "End")
INSTANCES = 1000
KILL_ROUNDS = 12
TENANT = "t1"

DOWNTIME_MODEL = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="d" targetNamespace="http://t">
  <bpmn:process id="Downtime" isExecutable="true">
    <bpmn:startEvent id="Start"/>
    <bpmn:parallelGateway id="Split"/>
    <bpmn:intermediateCatchEvent id="Cooling">
      <bpmn:timerEventDefinition><bpmn:timeDuration>PT1H</bpmn:timeDuration></bpmn:timerEventDefinition>
    </bpmn:intermediateCatchEvent>
    <bpmn:serviceTask id="Notify"><bpmn:extensionElements>
      <zeebe:taskDefinition type="notify"/></bpmn:extensionElements></bpmn:serviceTask>
    <bpmn:userTask id="Review"/>
    <bpmn:boundaryEvent id="Deadline" attachedToRef="Review">
      <bpmn:timerEventDefinition><bpmn:timeDuration>PT2H</bpmn:timeDuration></bpmn:timerEventDefinition>
    </bpmn:boundaryEvent>
    <bpmn:serviceTask id="Escalate"><bpmn:extensionElements>
      <zeebe:taskDefinition type="escalate"/></bpmn:extensionElements></bpmn:serviceTask>
    <bpmn:endEvent id="Notified"/><bpmn:endEvent id="Reviewed"/><bpmn:endEvent id="Escalated"/>
    <bpmn:sequenceFlow id="f1" sourceRef="Start" targetRef="Split"/>
    <bpmn:sequenceFlow id="f2" sourceRef="Split" targetRef="Cooling"/>
    <bpmn:sequenceFlow id="f3" sourceRef="Cooling" targetRef="Notify"/>
    <bpmn:sequenceFlow id="f4" sourceRef="Notify" targetRef="Notified"/>
    <bpmn:sequenceFlow id="f5" sourceRef="Split" targetRef="Review"/>
    <bpmn:sequenceFlow id="f6" sourceRef="Review" targetRef="Reviewed"/>
    <bpmn:sequenceFlow id="f7" sourceRef="Deadline" targetRef="Escalate"/>
    <bpmn:sequenceFlow id="f8" sourceRef="Escalate" targetRef="Escalated"/>
  </bpmn:process>
</bpmn:definitions>"""


class WorkerPool:
    """Worker processes forked by ``crash_worker.py``; killed with SIGKILL, replaced on request."""

    def __init__(self, database_url: str, runs_dir: Path, log: Path) -> None:
        self._log = log.open("w")
        self._parent = subprocess.Popen(
            [sys.executable, WORKER, database_url, str(runs_dir)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._log,
            text=True,
        )

    def spawn(self) -> int:
        """Start one more worker and return its pid once it runs."""
        assert self._parent.stdin is not None
        assert self._parent.stdout is not None
        self._parent.stdin.write("spawn\n")
        self._parent.stdin.flush()
        ready, _, pid = self._parent.stdout.readline().partition(" ")
        assert ready == "ready", "the worker died before it ran; see workers.log"
        return int(pid)

    def close(self) -> None:
        """Kill the remaining workers and end their parent."""
        assert self._parent.stdin is not None
        assert self._parent.stdout is not None
        self._parent.stdin.close()
        self._parent.wait(timeout=WAIT_BOUND_SECONDS)
        self._parent.stdout.close()
        self._log.close()


@contextmanager
def worker_pool(database_url: str, tmp_path: Path) -> Iterator[WorkerPool]:
    """A worker pool whose workers record handler runs under ``tmp_path / 'runs'``."""
    (tmp_path / "runs").mkdir()
    pool = WorkerPool(database_url, tmp_path / "runs", tmp_path / "workers.log")
    try:
        yield pool
    finally:
        pool.close()


def _wired(database_url: str, clock: Clock, handlers: TaskHandlers | None = None) -> Kontor:
    """A Kontor of its own (own engine), as a separate process would have it."""
    return bootstrap(
        Settings(database_url=database_url),
        clock=clock,
        engine=db.create_database_engine(database_url),
        task_handlers=handlers,
    )


def _stored_instances(database_url: str, ids: list[str]) -> list[InstanceRecord]:
    """The instances as a fresh process reads them back after the run."""
    reader = _wired(database_url, SystemClock())
    with reader.bus.unit_of_work() as uow:
        store = InstanceStore(uow.connection, TENANT)
        records = [store.get(instance_id) for instance_id in ids]
    reader.stop()
    return records


def _start(kontor: Kontor, process_key: str, count: int, **variables: Any) -> list[str]:
    """Deploy the test models and start ``count`` instances that know their own id."""
    kontor.bus.handle(DeployProcess(tenant_id=TENANT, bpmn_xml=CRASH_MODEL))
    kontor.bus.handle(DeployProcess(tenant_id=TENANT, bpmn_xml=DOWNTIME_MODEL))
    ids = [f"00000000-0000-4000-8000-{n:012d}" for n in range(count)]
    for instance_id in ids:
        kontor.bus.handle(
            StartProcess(
                tenant_id=TENANT, process_key=process_key, instance_id=instance_id,
                variables={"instance": instance_id, **variables},
            )
        )  # fmt: skip
    return ids


def _finished_activities(engine: Engine) -> int:
    table = process_activity_history
    return count_rows(engine, table, table.c.outcome == "completed")


def _completed_activities(engine: Engine) -> dict[str, Counter[str]]:
    table = process_activity_history
    per_instance: dict[str, Counter[str]] = {}
    with engine.connect() as connection:
        rows = connection.execute(
            select(table.c.instance_id, table.c.element_id).where(table.c.outcome == "completed")
        )
        for instance_id, element_id in rows:
            per_instance.setdefault(instance_id, Counter())[element_id] += 1
    return per_instance


def _emitted(engine: Engine, event_type: type[Any]) -> Counter[str]:
    with engine.connect() as connection:
        payloads = connection.execute(
            select(outbox.c.payload).where(outbox.c.type_name == event_type.type_name)
        ).scalars()
        return Counter(payload["instance_id"] for payload in payloads)


def _handler_runs(runs_dir: Path) -> Counter[tuple[str, str]]:
    runs: Counter[tuple[str, str]] = Counter()
    for log in runs_dir.glob("*.log"):
        for line in log.read_text().splitlines():
            instance, task = line.split()
            runs[(instance, task)] += 1
    return runs


def _kill_at_random_progress_then_finish(
    pool: WorkerPool, engine: Engine, workers: int, rng: random.Random, total: int
) -> None:
    """Kill the oldest worker and start a new one each time the completed activities pass a
    random point of the run; after ``KILL_ROUNDS`` kills let the workers finish unkilled.

    ``total`` is how many activities the run completes in all. The kill points lie between 5 %
    and 75 % of it, so each is reached whatever the workers did while one was being replaced
    (a point already passed kills at once), and the last kill still finds work in progress.
    Kills follow progress, not the clock, so a slow machine gets the same kills as a fast one.
    """
    pids = [pool.spawn() for _ in range(workers)]
    points = sorted(rng.randint(total // 20, total * 3 // 4) for _ in range(KILL_ROUNDS))
    for kill, point in enumerate(points):
        wait_for(
            lambda point=point: _finished_activities(engine) >= point,
            f"progress before kill {kill}",
        )
        time.sleep(rng.uniform(0, 0.05))  # lands the kill at a random point of a later job
        os.kill(pids.pop(0), signal.SIGKILL)
        pids.append(pool.spawn())
    assert active_instances(engine) > 0, "the workers finished before the last kill"
    wait_for(lambda: active_instances(engine) == 0, "every instance to complete")


@pytest.mark.parametrize(
    ("database_url", "workers"),
    [
        pytest.param("sqlite", 1, id="sqlite-1-worker"),
        pytest.param("postgres", 2, id="postgres-2-workers"),
    ],
    indirect=["database_url"],
)
def test_killed_workers_complete_every_instance_applying_each_result_once(
    database_url: str, engine: Engine, workers: int, tmp_path: Path
) -> None:
    starter = _wired(database_url, SystemClock())
    ids = _start(starter, "CrashParallel", INSTANCES, appliedA=0, appliedB=0, appliedC=0)
    starter.stop()
    with worker_pool(database_url, tmp_path) as pool:
        _kill_at_random_progress_then_finish(
            pool, engine, workers, random.Random(20261122), total=INSTANCES * len(CRASH_ELEMENTS)
        )

    records = _stored_instances(database_url, ids)
    for record in records:
        instance = record.instance_id
        assert record.status == "completed", instance
        assert record.state.tokens == {}, f"{instance} kept tokens"
        variables = record.state.variables
        assert (variables["appliedA"], variables["appliedB"], variables["appliedC"]) == (1, 1, 1)
        assert variables["summary"] == f"a:{instance}+b:{instance}+c:{instance}"
    assert count_rows(engine, process_jobs) == 0
    assert count_rows(engine, process_subscriptions) == 0
    expected = Counter(CRASH_ELEMENTS)
    history = _completed_activities(engine)
    assert {i: history.get(i) for i in ids} == dict.fromkeys(ids, expected)
    assert _emitted(engine, ProcessInstanceCompleted) == Counter(ids)
    runs = _handler_runs(tmp_path / "runs")
    assert set(runs) == {(i, task) for i in ids for task in "abc"}  # at least once each
    print(  # the figures a reader of a CI log wants
        f"{KILL_ROUNDS} kills; {sum(runs.values()) - len(runs)} handler runs repeated after a kill"
    )


@pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
def test_timers_due_while_everything_was_down_fire_once_on_restart(
    database_url: str, engine: Engine
) -> None:
    down_at = FakeClock()
    before = _wired(database_url, down_at)
    ids = _start(before, "Downtime", 30)
    assert before.process_jobs.run_until_idle().claimed == 0  # nothing is due yet
    before.stop()

    calls: Counter[tuple[str, str]] = Counter()
    lock = threading.Lock()

    def recording(task: str) -> Any:
        def run(variables: Mapping[str, Any], headers: Mapping[str, str]) -> None:
            with lock:
                calls[(variables["instance"], task)] += 1

        return run

    handlers = TaskHandlers()
    for task in ("notify", "escalate"):
        handlers.register(task, recording(task))
    back_at = FakeClock(down_at.now() + dt.timedelta(days=1))
    workers = 1 if database_url.startswith("sqlite") else 2
    restarted = [_wired(database_url, back_at, handlers) for _ in range(workers)]
    start = threading.Barrier(workers)

    def work(kontor: Kontor) -> None:
        start.wait(timeout=WAIT_BOUND_SECONDS)
        kontor.process_jobs.run_until_idle()

    threads = [threading.Thread(target=work, args=(kontor,)) for kontor in restarted]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=WAIT_BOUND_SECONDS)
        assert not thread.is_alive(), "a restarted worker never went idle"
    back_at.advance(dt.timedelta(days=1))
    assert [k.process_jobs.run_until_idle().claimed for k in restarted] == [0] * workers
    for kontor in restarted:
        kontor.stop()

    assert calls == Counter({(i, task): 1 for i in ids for task in ("notify", "escalate")})
    assert active_instances(engine) == 0
    history = _completed_activities(engine)
    for instance_id in ids:
        fired = history[instance_id]
        assert (fired["Cooling"], fired["Deadline"], fired["Reviewed"]) == (1, 1, 0), instance_id
    assert _emitted(engine, UserTaskCancelled) == Counter(ids)
    assert _emitted(engine, ProcessInstanceCompleted) == Counter(ids)
    assert count_rows(engine, process_jobs) == 0
