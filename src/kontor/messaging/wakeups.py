"""Due work announced at commit: background loops of every process look at once, not at their
next poll.

A transaction that makes work due (a process job) calls ``announce_due_work``. When its unit of
work commits, the loops of this process are woken; on PostgreSQL a ``NOTIFY`` sent with the
commit reaches the loops of every other process listening on ``CHANNEL``.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import Connection, bindparam, func, select

from kontor.db.fast import FastStatement

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
