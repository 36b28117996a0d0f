"""Acceptance: three ``kontor worker`` processes on PostgreSQL, their clock driven by the test
(the test clock file chosen by a setting), over a simulated week with the spring change to
daylight saving time and Good Friday: every expected firing happens exactly once, none outside
its window, and a worker killed in the middle of a firing loses none: its transaction ends with
it and another worker fires the timer.
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, func, select, text

from kontor.bootstrap import Kontor, bootstrap
from kontor.integration.scheduler import CreateSchedule, schedule_runs, schedules
from kontor.messaging import FileClock, outbox, scheduled_messages
from kontor.process import DeployProcess
from kontor.process.store.tables import process_instances
from kontor.settings import Environment, Settings
from support.messaging import WAIT_BOUND_SECONDS, wait_for

pytestmark = [
    pytest.mark.slow,
    pytest.mark.parametrize(
        "database_url", [pytest.param("postgres", id="postgres")], indirect=True
    ),
]

BERLIN = ZoneInfo("Europe/Berlin")
TENANT = "t1"
SECRET = "a-real-secret-for-tests"
START = dt.datetime(2026, 3, 27, 0, 0, tzinfo=BERLIN)  # Friday; Sunday the 29th: DST begins
END = dt.datetime(2026, 4, 4, 0, 0, tzinfo=BERLIN)  # after Good Friday, the 3rd of April
GOOD_FRIDAY = dt.date(2026, 4, 3)
SCHEDULES = {
    # process key: (cron, window, holiday state)
    "Bestand": ("0 * * * *", "Mo-Fr 08:00-20:00", "BY"),  # hourly on working days 8–19 h
    "Nacht": ("30 2 * * *", None, None),  # 02:30 does not exist on the 29th: 03:00 then
    "Sechs": ("0 0 */6 * * *", None, None),  # with seconds: 0, 6, 12 and 18 o'clock
}


def _model(key: str) -> str:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d"
  targetNamespace="http://t">
  <bpmn:process id="{key}" isExecutable="true">
    <bpmn:startEvent id="S"/><bpmn:endEvent id="E"/>
    <bpmn:sequenceFlow id="f" sourceRef="S" targetRef="E"/>
  </bpmn:process>
</bpmn:definitions>"""


def _days() -> Iterator[dt.date]:
    day = START.date()
    while day < END.date():
        yield day
        day += dt.timedelta(days=1)


def _at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    """The instant a wall time of Berlin names; a time the spring change skips: the next hour."""
    local = dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=BERLIN)
    back = local.astimezone(dt.UTC).astimezone(BERLIN)
    if back.replace(tzinfo=None) != local.replace(tzinfo=None):  # in the gap
        local = dt.datetime(day.year, day.month, day.day, hour + 1, tzinfo=BERLIN)
    return local.astimezone(dt.UTC)


def expected() -> dict[str, list[dt.datetime]]:
    """The firings each schedule owes after START, worked out by hand from the calendar."""
    owed = {
        "Bestand": [
            _at(day, hour) for day in _days()
            if day.weekday() < 5 and day != GOOD_FRIDAY for hour in range(8, 20)
        ],
        "Nacht": [_at(day, 2, 30) for day in _days()],
        "Sechs": [_at(day, hour) for day in _days() for hour in (0, 6, 12, 18)],
    }  # fmt: skip
    return {key: [due for due in dues if due > START] for key, dues in owed.items()}


class Workers:
    """``kontor worker`` processes on the database, their clock the test's file."""

    def __init__(self, database_url: str, tmp_path: Path, clock_file: Path) -> None:
        self._env = {
            **os.environ, "KONTOR_ENVIRONMENT": "test", "KONTOR_SECRET_KEY": SECRET,
            "KONTOR_DATABASE_URL": database_url, "KONTOR_TEST_CLOCK_FILE": str(clock_file),
            "KONTOR_DATA_DIR": str(tmp_path / "var"), "KONTOR_DISPATCHER_POLL_SECONDS": "0.05",
            "KONTOR_DATABASE_BUSY_TIMEOUT_SECONDS": str(WAIT_BOUND_SECONDS),
            "KONTOR_LOG_LEVEL": "WARNING", "KONTOR_PORTFOLIO_TRANSFER_RUNS": "false",
        }  # fmt: skip
        self._log = (tmp_path / "workers.log").open("w")
        self.running: dict[int, subprocess.Popen[bytes]] = {}

    def start(self) -> int:
        """One more worker; its pid."""
        worker = subprocess.Popen(
            [sys.executable, "-m", "kontor.cli", "worker"], env=self._env,
            stdout=self._log, stderr=self._log,
        )  # fmt: skip
        self.running[worker.pid] = worker
        return worker.pid

    def alive(self) -> bool:
        """Whether every worker still runs (a crash shows in workers.log)."""
        assert all(w.poll() is None for w in self.running.values()), "a worker died: see its log"
        return True

    def kill(self, pid: int) -> None:
        """End a worker at once, without any chance to clean up."""
        worker = self.running.pop(pid)
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=WAIT_BOUND_SECONDS)

    def stop_all(self) -> None:
        """End the remaining workers."""
        for pid in list(self.running):
            self.kill(pid)
        self._log.close()


@contextmanager
def workers(database_url: str, tmp_path: Path, clock_file: Path) -> Iterator[Workers]:
    pool = Workers(database_url, tmp_path, clock_file)
    try:
        yield pool
    finally:
        pool.stop_all()


def _scalar(engine: Engine, query: object) -> object:
    with engine.connect() as connection:
        return connection.execute(query).scalar()  # type: ignore[call-overload]


def _fired_through(engine: Engine, moment: dt.datetime) -> bool:
    """Every timer due by ``moment`` fired and every command it sent was handled."""
    due = select(func.count()).where(scheduled_messages.c.due_at <= moment)
    waiting = select(func.count()).where(outbox.c.dispatched_at.is_(None))
    return _scalar(engine, due) == 0 and _scalar(engine, waiting) == 0


def _firing_blocked(engine: Engine) -> int | None:
    """The pid of the worker whose firing waits for a lock (its sessions are named after it)."""
    waiting = _scalar(
        engine,
        text(
            "SELECT application_name FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
            "AND application_name LIKE 'kontor-%' LIMIT 1"
        ),
    )
    return None if waiting is None else int(str(waiting).removeprefix("kontor-"))


def _next_due(engine: Engine) -> dt.datetime | None:
    found = _scalar(engine, select(func.min(schedules.c.next_due_at)))
    return found if isinstance(found, dt.datetime) else None


def test_three_workers_fire_a_week_exactly_once_even_when_one_is_killed_mid_firing(
    engine: Engine, database_url: str, tmp_path: Path
) -> None:
    clock_file = tmp_path / "clock"
    clock = FileClock(clock_file)
    clock.set(START)
    settings = Settings(
        environment=Environment.TEST, secret_key=SECRET, database_url=database_url,
        test_clock_file=clock_file,
    )  # fmt: skip
    kontor: Kontor = bootstrap(settings, engine=engine)
    ids = {}
    for key, (cron, window, state) in SCHEDULES.items():
        kontor.bus.handle(DeployProcess(tenant_id=TENANT, bpmn_xml=_model(key)))
        command = CreateSchedule(
            tenant_id=TENANT, name=key, cron=cron, window=window, holiday_state=state,
            misfire_grace_seconds=60, command_type="process.start",
            command_payload={"process_key": key},
        )  # fmt: skip
        kontor.bus.handle(command)
        ids[key] = command.schedule_id
    owed = expected()
    kill_at = owed["Bestand"][20]  # Monday, in the window, while no other schedule is due
    killed: list[int] = []
    with workers(database_url, tmp_path, clock_file) as pool:
        for _ in range(3):
            pool.start()
        steps = 0
        while (due := _next_due(engine)) is not None and due < END:
            steps += 1
            if due != kill_at:
                clock.set(due)
                wait_for(lambda due=due: pool.alive() and _fired_through(engine, due), f"{due}")
                continue
            # Hold the schedule's row, so the worker that takes its timer stops mid-firing; kill
            # that worker, let go: its transaction is gone and another worker fires the timer.
            with engine.connect() as holder:
                holder.execute(
                    select(schedules.c.schedule_id)
                    .where(schedules.c.schedule_id == ids["Bestand"])
                    .with_for_update()
                )
                clock.set(due)
                wait_for(lambda: _firing_blocked(engine) is not None, "a firing held up")
                victim = _firing_blocked(engine)
                assert victim in pool.running
                pool.kill(victim)
                killed.append(victim)
                holder.rollback()
            pool.start()  # three again
            # the killed worker's transaction ended with it: another fires the timer at once
            wait_for(lambda due=due: _fired_through(engine, due), "the killed worker's firing")
    with engine.connect() as connection:
        runs = connection.execute(
            select(schedules.c.name, schedule_runs.c.due_at, schedule_runs.c.outcome,
                   schedule_runs.c.lateness_ms)
            .join(schedules, schedules.c.schedule_id == schedule_runs.c.schedule_id)
            .order_by(schedule_runs.c.due_at)
        ).all()  # fmt: skip
        started = Counter(
            dict(
                connection.execute(  # type: ignore[arg-type]
                    select(process_instances.c.process_key, func.count()).group_by(
                        process_instances.c.process_key
                    )
                ).all()
            )
        )
        connection.execute(text("SELECT 1"))
    fired = {key: [run.due_at for run in runs if run.name == key] for key in SCHEDULES}
    late = [run for run in runs if run.lateness_ms > 60_000]
    print(
        f"\nsteps {steps}, killed {killed}; firings expected / recorded / processes started: "
        + ", ".join(f"{k} {len(owed[k])}/{len(fired[k])}/{started[k]}" for k in SCHEDULES)
        + f"; late beyond grace (run once): {len(late)}"
    )
    assert killed, "a worker was killed in the middle of a firing"
    assert fired == owed  # each expected firing once, in order, none outside window or week
    assert {run.outcome for run in runs} == {"fired"}
    assert started == Counter({key: len(owed[key]) for key in SCHEDULES})
    assert late == []  # the killed worker's firing was taken over without waiting
