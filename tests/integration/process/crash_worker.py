"""Job executor workers for the process crash test, forked from one parent that imported Kontor.

Usage: crash_worker.py DATABASE_URL RUNS_DIR

Each line ``spawn`` on stdin forks a worker, which prints ``ready <pid>`` once it runs; the
test kills workers with SIGKILL at random moments and asks for new ones. At the end of stdin
the remaining workers are killed. Forking from a parent that has imported everything spares
each restart about a second of imports, so kills can come every few tenths of a second.

A worker wires Kontor from settings as ``kontor worker`` does, registers the crash model's task
handlers (which ``kontor worker`` cannot load) and runs the background loop until killed. Each
handler run appends ``<instance> <task>`` to ``RUNS_DIR/<pid>.log`` before it returns, so the
test can count how often each handler ran.
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import sys
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any, NoReturn

from kontor.bootstrap import bootstrap
from kontor.process import TaskHandler, TaskHandlers
from kontor.settings import Settings

TASKS = ("a", "b", "c")
LOCK_FOR = dt.timedelta(seconds=2)  # how long a killed worker's claimed jobs stay locked
POLL_SECONDS = 0.02


def task_type(task: str) -> str:
    """The job type of one of the crash model's service tasks."""
    return f"crash.{task}"


def _recording_handler(task: str, runs: int) -> TaskHandler:
    def run(variables: Mapping[str, Any], headers: Mapping[str, str]) -> dict[str, Any]:
        instance = variables["instance"]
        os.write(runs, f"{instance} {task}\n".encode())  # one O_APPEND write: never torn
        return {"result": f"{task}:{instance}"}

    return run


def _work(database_url: str, runs_dir: Path) -> NoReturn:
    runs = os.open(runs_dir / f"{os.getpid()}.log", os.O_WRONLY | os.O_CREAT | os.O_APPEND)
    handlers = TaskHandlers()
    for task in TASKS:
        handlers.register(task_type(task), _recording_handler(task, runs))
    settings = Settings(database_url=database_url, dispatcher_poll_seconds=POLL_SECONDS)
    kontor = bootstrap(settings, task_handlers=handlers)
    kontor.process_jobs.lock_for = LOCK_FOR
    kontor.start(consume=True)
    print("ready", os.getpid(), flush=True)
    os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # nothing else for the test
    threading.Event().wait()
    os._exit(1)


def _reap(workers: set[int]) -> None:
    for pid in list(workers):
        done, _status = os.waitpid(pid, os.WNOHANG)
        if done:
            workers.discard(pid)


def main() -> None:
    """Fork a worker per ``spawn`` line until stdin ends, then kill the remaining workers."""
    database_url, runs_dir = sys.argv[1], Path(sys.argv[2])
    workers: set[int] = set()
    for line in sys.stdin:
        if line.strip() != "spawn":
            raise SystemExit(f"unknown command {line.strip()!r}")
        _reap(workers)  # killed workers stay zombies until here, so their pids are not reused
        pid = os.fork()
        if pid == 0:
            _work(database_url, runs_dir)
        workers.add(pid)
    _reap(workers)
    for pid in workers:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)


if __name__ == "__main__":
    main()
