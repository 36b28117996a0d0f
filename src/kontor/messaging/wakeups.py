"""Due work announced at commit: background loops of every process look at once, not at their
next poll.

A transaction that makes work due (a process job) calls ``announce_due_work``. When its unit of
work commits, the loops of this process are woken; on PostgreSQL a ``NOTIFY`` sent with the
commit reaches the loops of every other process through ``DueWorkListener``.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

import psycopg
from sqlalchemy import Connection, bindparam, func, select

from kontor.db.fast import FastStatement

log = logging.getLogger(__name__)

CHANNEL = "kontor_due_work"
_ANNOUNCED = "kontor_due_work_announced"
_NOTIFY = FastStatement(select(func.pg_notify(bindparam("channel"), bindparam("payload"))))
_local_wakers: list[Callable[[], None]] = []


def announce_due_work(connection: Connection) -> None:
    """Mark the transaction: once it commits, background loops look for due work at once."""
    connection.info[_ANNOUNCED] = True


def before_commit(connection: Connection) -> bool:
    """Queue the NOTIFY of an announcing transaction (PostgreSQL); whether it announced."""
    if not connection.info.pop(_ANNOUNCED, False):
        return False
    if connection.dialect.name == "postgresql":
        _NOTIFY.execute_later(connection, [{"channel": CHANNEL, "payload": ""}])
    return True


def forget_announcement(connection: Connection) -> None:
    """The transaction rolled back: nothing became due."""
    connection.info.pop(_ANNOUNCED, None)


def wake_local() -> None:
    """Wake the loops of this process (after an announcing commit)."""
    for wake in tuple(_local_wakers):
        wake()


def on_due_work(wake: Callable[[], None]) -> Callable[[], None]:
    """Call ``wake`` after every announcing commit of this process; returns its removal."""
    _local_wakers.append(wake)
    return lambda: _local_wakers.remove(wake)


class DueWorkListener:
    """LISTENs on PostgreSQL in a daemon thread and calls ``wake`` on every announcement."""

    def __init__(self, conninfo: str, wake: Callable[[], None], retry_seconds: float = 1.0):
        self._conninfo = conninfo
        self._wake = wake
        self._retry_seconds = retry_seconds
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="kontor-listen", daemon=True)

    def start(self) -> None:
        """Start listening."""
        self._thread.start()

    def stop(self) -> None:
        """Stop listening (within a second)."""
        self._stop.set()
        self._thread.join(timeout=5)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                with psycopg.connect(self._conninfo, autocommit=True) as connection:
                    connection.execute(f"LISTEN {CHANNEL}")
                    self._wake()  # announcements missed while not listening
                    while not self._stop.is_set():
                        for _ in connection.notifies(timeout=1.0, stop_after=1):
                            self._wake()
            except psycopg.Error as error:
                log.warning("listening for due work failed (%s); polling meanwhile", error)
                self._stop.wait(self._retry_seconds)
