"""Job executor workers for the SIGKILL concurrency test, forked from one parent that imported
Kontor.

Usage: worker_child.py DATABASE_URL RUNS_DIR LOCK_SECONDS

Commands on stdin, one a line, each answered by one line on stdout:
  spawn        fork a worker; answers ``ready <pid>`` once the worker runs
  kill <pid>   SIGKILL that worker; answers ``killed <pid> <ns>`` (``ns``: CLOCK_MONOTONIC just
               before the signal) or ``died <pid> <status>`` when it had ended by itself
At the end of stdin each remaining worker that ended by itself is reported as ``died <pid>
<status>``, the others are killed, and ``closed`` ends the output.

A worker wires Kontor from settings as ``kontor worker`` does, with the test's task handlers
and a subscriber of ``ProcessInstanceCompleted`` (which ``kontor worker`` cannot load), and runs
the background loop until killed; it claims jobs as ``kill-test-<pid>``. Each handler run
appends ``<ns> <pid> <instance> <element> <job key>`` to ``RUNS_DIR/<pid>.log`` in one
``O_APPEND`` write before it returns: the kernel keeps the line even when the worker is killed
right after. The handler's result names the run (``run<element>`` = ``<pid>-<ns>``), so the
test can tell which run was applied.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any, NoReturn

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from kontor.bootstrap import bootstrap
from kontor.messaging import HandlerRegistry, UnitOfWork
from kontor.process import ProcessInstanceCompleted, TaskHandler, TaskHandlers
from kontor.process.task_handlers import IDEMPOTENCY_HEADER
from kontor.settings import Settings
from support.messaging import record

TASK_TYPES = {"Record": "kill-test.record", "Confirm": "kill-test.confirm"}  # element → type
COMPLETION_HANDLER = "kill-test.completed"
POLL_SECONDS = 0.02


def executor_owner(pid: int) -> str:
    """The lock owner the worker ``pid`` claims its jobs as."""
    return f"kill-test-{pid}"


def _recording_handler(element: str, runs: int) -> TaskHandler:
    def run(variables: Mapping[str, Any], headers: Mapping[str, str]) -> dict[str, Any]:
        pid, now = os.getpid(), time.monotonic_ns()
        line = f"{now} {pid} {variables['instance']} {element} {headers[IDEMPOTENCY_HEADER]}\n"
        os.write(runs, line.encode())  # one O_APPEND write: never torn, kept after a SIGKILL
        return {f"run{element}": f"{pid}-{now}"}

    return run


def _note_completion(event: ProcessInstanceCompleted, uow: UnitOfWork) -> None:
    record(uow, event.message_id, COMPLETION_HANDLER, event.instance_id)


def _work(database_url: str, runs_dir: Path, lock_seconds: float) -> NoReturn:
    runs = os.open(runs_dir / f"{os.getpid()}.log", os.O_WRONLY | os.O_CREAT | os.O_APPEND)
    handlers = TaskHandlers()
    for element, task_type in TASK_TYPES.items():
        handlers.register(task_type, _recording_handler(element, runs))
    registry = HandlerRegistry()
    registry.subscribe(ProcessInstanceCompleted, _note_completion, name=COMPLETION_HANDLER)
    settings = Settings(
        database_url=database_url,
        dispatcher_poll_seconds=POLL_SECONDS,
        process_job_lock_seconds=lock_seconds,
    )
    kontor = bootstrap(settings, registry=registry, task_handlers=handlers)
    kontor.process_jobs.owner = executor_owner(os.getpid())  # the test sees who holds a job
    kontor.start(consume=True)  # replays what killed workers committed but never delivered
    print("ready", os.getpid(), flush=True)
    os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # nothing else for the test
    threading.Event().wait()
    os._exit(1)


def _ended_by_itself(pid: int) -> int | None:
    """The wait status of a worker that has ended, None while it runs."""
    done, status = os.waitpid(pid, os.WNOHANG)
    return status if done else None


def _kill(pid: int, workers: set[int]) -> str:
    if pid not in workers:
        raise SystemExit(f"no worker {pid}")
    workers.discard(pid)
    status = _ended_by_itself(pid)
    if status is not None:
        return f"died {pid} {status}"
    at = time.monotonic_ns()
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    return f"killed {pid} {at}"


def _close(workers: set[int]) -> None:
    for pid in sorted(workers):
        status = _ended_by_itself(pid)
        if status is not None:
            print("died", pid, status, flush=True)
            continue
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
    print("closed", flush=True)


def main() -> None:
    """Fork and kill workers as stdin asks until it ends, then kill the remaining workers."""
    database_url, runs_dir, lock_seconds = sys.argv[1], Path(sys.argv[2]), float(sys.argv[3])
    workers: set[int] = set()
    for line in sys.stdin:
        command, _, argument = line.strip().partition(" ")
        if command == "spawn":
            pid = os.fork()
            if pid == 0:
                _work(database_url, runs_dir, lock_seconds)
            workers.add(pid)
        elif command == "kill":
            print(_kill(int(argument), workers), flush=True)
        else:
            raise SystemExit(f"unknown command {line.strip()!r}")
    _close(workers)


if __name__ == "__main__":
    main()
