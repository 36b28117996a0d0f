"""Four job executor processes on PostgreSQL, SIGKILLed at random moments and replaced: every
instance completes exactly once, no job runs in two live workers, no event is lost or doubled.

In-process service-task handlers run at least once: a worker killed after its handler ran but
before the result was saved leaves the job locked, and another worker runs it again once the
lock expires. What must never happen is a run while an earlier runner of the same job is still
alive, or a run after the job's result was applied.
"""

from __future__ import annotations

import itertools
import random
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select

from kontor import db
from kontor.bootstrap import Kontor, bootstrap
from kontor.messaging import outbox
from kontor.messaging.tables import deliveries
from kontor.process import DeployProcess, ProcessInstanceCompleted, StartProcess, TaskHandlers
from kontor.process.store import InstanceRecord, InstanceStore
from kontor.process.store.tables import (
    process_activity_history,
    process_incidents,
    process_jobs,
    process_subscriptions,
)
from kontor.settings import Settings
from support.messaging import WAIT_BOUND_SECONDS, effect_rows, test_metadata, undispatched, wait_for
from support.process_rows import active_instances, count_rows

# Processes are started and killed here: on a machine ten times slower than CI this test takes
# minutes, so the hang guard is wider than the suite's 300 s.
pytestmark = [
    pytest.mark.slow,
    pytest.mark.parametrize("database_url", ["postgres"], indirect=True),
]

CHILD = str(Path(__file__).with_name("worker_child.py"))
TENANT = "t1"
INSTANCES = 360  # in KILL_ROUNDS + 1 waves: the last one runs unkilled
WORKERS = 4
KILL_ROUNDS = 8
LOCK_SECONDS = 10.0
"""How long a killed worker's claimed jobs wait for another worker. A live worker that takes
longer from claiming a batch to running its last handler loses the claim, and the job runs in
two live workers (the test fails): a batch takes 0.1 s here (0.8 s at worst), so ten times
slower still fits."""
ELEMENTS = ("Start", "Record", "Pause", "Confirm", "End")
TASKS = ("Record", "Confirm")  # their handlers live in worker_child.py (TASK_TYPES)
COMPLETION_HANDLER = "kill-test.completed"  # worker_child.py's subscriber
MODEL = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="d" targetNamespace="http://t">
  <bpmn:process id="KillTest" isExecutable="true">
    <bpmn:startEvent id="Start"/>
    <bpmn:serviceTask id="Record"><bpmn:extensionElements>
      <zeebe:taskDefinition type="kill-test.record"/></bpmn:extensionElements></bpmn:serviceTask>
    <bpmn:intermediateCatchEvent id="Pause">
      <bpmn:timerEventDefinition><bpmn:timeDuration>PT2S</bpmn:timeDuration></bpmn:timerEventDefinition>
    </bpmn:intermediateCatchEvent>
    <bpmn:serviceTask id="Confirm"><bpmn:extensionElements>
      <zeebe:taskDefinition type="kill-test.confirm"/></bpmn:extensionElements></bpmn:serviceTask>
    <bpmn:endEvent id="End"/>
    <bpmn:sequenceFlow id="f1" sourceRef="Start" targetRef="Record"/>
    <bpmn:sequenceFlow id="f2" sourceRef="Record" targetRef="Pause"/>
    <bpmn:sequenceFlow id="f3" sourceRef="Pause" targetRef="Confirm"/>
    <bpmn:sequenceFlow id="f4" sourceRef="Confirm" targetRef="End"/>
  </bpmn:process>
</bpmn:definitions>"""


@dataclass(frozen=True)
class Run:
    """One run of a service-task handler, as the worker recorded it before returning."""

    at_ns: int  # CLOCK_MONOTONIC, the same clock in every process of the machine
    pid: int
    instance_id: str
    element: str
    job_key: str

    @property
    def token(self) -> str:
        """What the handler returned as ``run<element>``: names the run whose result applied."""
        return f"{self.pid}-{self.at_ns}"


class WorkerPool:
    """Worker processes forked by ``worker_child.py``; killed with SIGKILL, replaced on request."""

    def __init__(self, database_url: str, runs_dir: Path, log: Path) -> None:
        self._log_path = log
        self._log = log.open("w")
        self._parent = subprocess.Popen(
            [sys.executable, CHILD, database_url, str(runs_dir), str(LOCK_SECONDS)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._log,
            text=True,
        )
        self.spawned: list[int] = []
        self.killed_at: dict[int, int] = {}  # pid → CLOCK_MONOTONIC just before its SIGKILL

    def spawn(self) -> int:
        """Start one more worker and return its pid once it runs."""
        ready, _, pid = self._ask("spawn").partition(" ")
        assert ready == "ready", f"the worker died before it ran; {self.log_tail()}"
        self.spawned.append(int(pid))
        return int(pid)

    def kill(self, pid: int) -> None:
        """SIGKILL a worker, noting when; fail if it had ended by itself before."""
        answer = self._ask(f"kill {pid}").split()
        assert answer[:2] == ["killed", str(pid)], f"{answer}; {self.log_tail()}"
        self.killed_at[pid] = int(answer[2])

    def close(self) -> list[str]:
        """Kill the remaining workers, end their parent; the workers that had died by themselves."""
        assert self._parent.stdin is not None
        assert self._parent.stdout is not None
        self._parent.stdin.close()
        lines = self._parent.stdout.read().splitlines()
        self._parent.wait(timeout=WAIT_BOUND_SECONDS)
        self._parent.stdout.close()
        self._log.close()
        assert lines[-1:] == ["closed"], f"{lines}; {self.log_tail()}"
        return lines[:-1]

    def log_tail(self) -> str:
        """The end of the workers' stderr, for a failure message."""
        self._log.flush()
        return "workers.log ends: " + self._log_path.read_text()[-3000:]

    def _ask(self, command: str) -> str:
        assert self._parent.stdin is not None
        assert self._parent.stdout is not None
        self._parent.stdin.write(command + "\n")
        self._parent.stdin.flush()
        return self._parent.stdout.readline().strip()


@contextmanager
def worker_pool(database_url: str, tmp_path: Path) -> Iterator[WorkerPool]:
    """A worker pool whose workers record handler runs under ``tmp_path / 'runs'``."""
    (tmp_path / "runs").mkdir()
    pool = WorkerPool(database_url, tmp_path / "runs", tmp_path / "workers.log")
    try:
        yield pool
    finally:
        died = pool.close()
    assert died == [], f"workers ended without being killed: {died}; {pool.log_tail()}"


@contextmanager
def starter_kontor(database_url: str) -> Iterator[Kontor]:
    """A Kontor of the test process: starts instances and reads them back, runs no job."""
    kontor = bootstrap(
        Settings(database_url=database_url),
        engine=db.create_database_engine(database_url),
        task_handlers=TaskHandlers(),
    )
    try:
        yield kontor
    finally:
        kontor.stop()


def _deploy(kontor: Kontor) -> None:
    """Deploy the test model."""
    kontor.bus.handle(DeployProcess(tenant_id=TENANT, bpmn_xml=MODEL))


def _start_instances(kontor: Kontor, ids: list[str]) -> None:
    """Start an instance of the test model for each id; each knows its own id."""
    for instance_id in ids:
        kontor.bus.handle(
            StartProcess(
                tenant_id=TENANT, process_key="KillTest", instance_id=instance_id,
                variables={"instance": instance_id},
            )
        )  # fmt: skip


def _stored_instances(kontor: Kontor, ids: list[str]) -> list[InstanceRecord]:
    """The instances as stored after the run."""
    with kontor.bus.unit_of_work() as uow:
        store = InstanceStore(uow.connection, TENANT)
        return [store.get(instance_id) for instance_id in ids]


def _recorded(engine: Engine, ids: list[str]) -> int:
    """How many of the instances ``ids`` have completed their Record task."""
    table = process_activity_history
    return count_rows(
        engine,
        table,
        table.c.instance_id.in_(ids),
        table.c.element_id == "Record",
        table.c.outcome == "completed",
    )


def _recorded_at_least(engine: Engine, ids: list[str], point: int) -> Callable[[], bool]:
    """Whether ``point`` of the instances ``ids`` have completed Record, asked when called."""
    return lambda: _recorded(engine, ids) >= point


def _holding_claims(engine: Engine, pids: list[int]) -> list[int]:
    """The workers among ``pids`` that hold claimed jobs (their handlers run or are applied)."""
    owners = {f"kill-test-{pid}": pid for pid in pids}  # worker_child.py's executor_owner
    with engine.connect() as connection:
        holders = connection.execute(
            select(process_jobs.c.lock_owner)
            .where(process_jobs.c.lock_owner.in_(list(owners)))
            .distinct()
        ).scalars()
        return sorted(owners[owner] for owner in holders)


def _some_holding_claims(engine: Engine, pids: list[int]) -> list[int]:
    """Wait until some of the workers ``pids`` hold claimed jobs and return those workers; fail
    if every instance completed first."""
    holders: list[int] = []

    def found() -> bool:
        holders[:] = _holding_claims(engine, pids)
        return bool(holders) or active_instances(engine) == 0

    wait_for(found, "a worker to claim jobs")
    assert holders, "the workers finished their work before the kill"
    return holders


def _start_in_waves_killing_at_random_moments(
    pool: WorkerPool, kontor: Kontor, rng: random.Random, ids: list[str]
) -> None:
    """Keep ``WORKERS`` workers running while the instances start in waves; in each wave but
    the last, once a random number of its Record tasks completed, SIGKILL a random worker that
    holds claimed jobs a random moment later, and start a replacement. Then let the workers
    finish unkilled.

    Kills follow progress, not the clock, so a slow machine gets the same kills as a fast one.
    A kill mostly lands between a handler run and the save of its result: the job runs again
    once its lock expires. Jobs a killed worker held do not hold up the next wave.
    """
    engine = kontor.engine
    pids = [pool.spawn() for _ in range(WORKERS)]
    wave = len(ids) // (KILL_ROUNDS + 1)
    for kill in range(KILL_ROUNDS):
        started = ids[kill * wave : (kill + 1) * wave]
        _start_instances(kontor, started)
        # at most half the wave: the other half's jobs are still to claim when the kill comes
        point = rng.randint(1, wave // 2)
        wait_for(_recorded_at_least(engine, started, point), f"progress before kill {kill}")
        victim = rng.choice(_some_holding_claims(engine, pids))
        time.sleep(rng.uniform(0, 0.01))  # lands the kill at a random point of its batch
        pool.kill(victim)
        pids.remove(victim)
        pids.append(pool.spawn())
    _start_instances(kontor, ids[KILL_ROUNDS * wave :])
    wait_for(lambda: active_instances(engine) == 0, "every instance to complete")
    # A replacement replays at its start what the killed worker committed but never delivered.
    wait_for(lambda: undispatched(engine) == 0, "every event to be delivered")


def _recorded_runs(runs_dir: Path) -> dict[tuple[str, str], list[Run]]:
    """Every handler run by (instance, element), earliest first."""
    runs: dict[tuple[str, str], list[Run]] = {}
    for log in runs_dir.glob("*.log"):
        for line in log.read_text().splitlines():
            at_ns, pid, instance_id, element, job_key = line.split()
            run = Run(int(at_ns), int(pid), instance_id, element, job_key)
            runs.setdefault((instance_id, element), []).append(run)
    for job_runs in runs.values():
        job_runs.sort(key=lambda run: run.at_ns)
    return runs


def _assert_every_instance_completed_once(engine: Engine, records: list[InstanceRecord]) -> None:
    """Completed, no token or incident left, each element ended exactly once in the history."""
    for record in records:
        assert record.status == "completed", record.instance_id
        assert record.state.tokens == {}, f"{record.instance_id} kept tokens"
        assert record.state.incidents == {}, f"{record.instance_id} has incidents"
    table = process_activity_history
    with engine.connect() as connection:
        rows = connection.execute(select(table.c.instance_id, table.c.element_id, table.c.outcome))
        history: dict[str, Counter[tuple[str, Any]]] = {}
        for instance_id, element_id, outcome in rows:
            history.setdefault(instance_id, Counter())[(element_id, outcome)] += 1
    once = Counter({(element, "completed"): 1 for element in ELEMENTS})
    assert {r.instance_id: history.get(r.instance_id) for r in records} == dict.fromkeys(
        [r.instance_id for r in records], once
    )
    for table in (process_jobs, process_subscriptions, process_incidents):
        assert count_rows(engine, table) == 0, f"{table.name} keeps rows"


def _assert_no_job_ran_in_two_live_workers(
    runs: dict[tuple[str, str], list[Run]], killed_at: dict[int, int]
) -> None:
    """A handler ran again only after every earlier runner of its job had been killed.

    So a worker that was never killed ran each job at most once, and only as its last run.
    """
    for job, job_runs in runs.items():
        keys = {run.job_key for run in job_runs}
        assert len(keys) == 1, f"{job} ran as several jobs: {keys}"
        for earlier, later in itertools.pairwise(job_runs):
            problem = (
                f"{job} ran in worker {later.pid} while worker {earlier.pid}, which had run it "
                f"before, was alive: {job_runs}, kills {killed_at}"
            )
            assert earlier.pid in killed_at, problem
            assert killed_at[earlier.pid] < later.at_ns, problem


def _assert_only_the_last_run_applied(
    records: list[InstanceRecord], runs: dict[tuple[str, str], list[Run]]
) -> None:
    """Each task's result in the instance is its last run's: no run came after the result."""
    assert set(runs) == {(r.instance_id, task) for r in records for task in TASKS}
    for record in records:
        for task in TASKS:
            last = runs[(record.instance_id, task)][-1]
            applied = record.state.variables.get(f"run{task}")
            assert applied == last.token, f"{record.instance_id} {task}: {applied} ≠ {last}"


def _assert_every_event_handled_once(engine: Engine, ids: list[str]) -> None:
    """One completion event per instance, each delivered once; nothing left in the outbox."""
    with engine.connect() as connection:
        completed = connection.execute(
            select(outbox.c.message_id, outbox.c.payload).where(
                outbox.c.type_name == ProcessInstanceCompleted.type_name
            )
        ).all()
        not_done = connection.execute(
            select(deliveries.c.message_id, deliveries.c.handler, deliveries.c.status).where(
                deliveries.c.status != "done"
            )
        ).all()
    assert Counter(payload["instance_id"] for _, payload in completed) == Counter(ids)
    handled = Counter(m for m, _, _ in effect_rows(engine, COMPLETION_HANDLER))
    assert handled == Counter(message_id for message_id, _ in completed), "lost or doubled"
    done = count_rows(
        engine,
        deliveries,
        deliveries.c.handler == COMPLETION_HANDLER,
        deliveries.c.status == "done",
    )
    assert done == len(completed)
    assert not_done == [], "deliveries failed"
    assert undispatched(engine) == 0


def test_four_workers_killed_at_random_complete_every_instance_once(
    database_url: str, engine: Engine, tmp_path: Path
) -> None:
    test_metadata.create_all(engine)  # the completion subscriber's effect rows
    ids = [f"00000000-0000-4000-8000-{n:012d}" for n in range(INSTANCES)]
    with starter_kontor(database_url) as kontor:
        _deploy(kontor)
        with worker_pool(database_url, tmp_path) as pool:
            _start_in_waves_killing_at_random_moments(pool, kontor, random.Random(20261123), ids)
        records = _stored_instances(kontor, ids)
    assert len(set(pool.spawned)) == len(pool.spawned), "a pid was reused: runs are ambiguous"
    runs = _recorded_runs(tmp_path / "runs")
    _assert_every_instance_completed_once(engine, records)
    _assert_no_job_ran_in_two_live_workers(runs, pool.killed_at)
    _assert_only_the_last_run_applied(records, runs)
    _assert_every_event_handled_once(engine, ids)
    repeated = sum(len(job_runs) - 1 for job_runs in runs.values())
    print(f"{len(pool.killed_at)} kills; {repeated} handler runs repeated after a kill")
