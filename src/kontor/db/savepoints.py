"""Savepoints that cost no round trip of their own on PostgreSQL.

SQLAlchemy sends ``SAVEPOINT`` and ``RELEASE SAVEPOINT`` each in a round trip of their own,
after sending the queued writes (``FastStatement.execute_later``) in another. A savepoint
guarding work that rarely fails is cheaper queued: its ``SAVEPOINT`` goes with the next
statement and is never released (the COMMIT ends it); only a failure costs a round trip, the
``ROLLBACK TO SAVEPOINT``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from sqlalchemy import Connection

from kontor.db.fast import (
    discard_later,
    driver_cursor,
    flush_later,
    queued_writes,
    refuse_commit,
    send_later,
)

_DEPTH = "kontor_savepoint_depth"  # names by depth: an inner savepoint never shadows an outer


@contextmanager
def queued_savepoint(connection: Connection) -> Iterator[None]:
    """A block whose writes are undone alone when it raises (the transaction goes on).

    On PostgreSQL the ``SAVEPOINT`` is queued with the writes; when the block raises before
    it was sent, the writes queued in the block are dropped, else the server rolls back to it
    and what the block queued since is forgotten. Elsewhere it runs at once (on the driver:
    SQLAlchemy's own savepoints cost more than SQLite's). Never released: the commit ends it.
    When the transaction cannot return to the savepoint (a statement queued before it failed),
    the block's error is raised all the same and the transaction can no longer commit
    (``commit_refused``).
    """
    queued = connection.dialect.name == "postgresql"
    if queued and any(entry.refused is not None for entry in queued_writes(connection)):
        flush_later(connection)  # checked before: a refusal there is no failure of the block
    depth = connection.info.get(_DEPTH, 0) + 1
    name = f"kontor_savepoint_{depth}"
    marker = send_later(connection, f"SAVEPOINT {name}") if queued else None
    if marker is None:
        cursor = driver_cursor(connection)  # at once: no round trip to save
        cursor.execute(f"SAVEPOINT {name}")
        cursor.close()
    connection.info[_DEPTH] = depth
    try:
        yield
    except BaseException as error:
        queue = queued_writes(connection) if queued else []
        unsent = [n for n, entry in enumerate(queue) if entry is marker]
        if unsent:  # nothing reached the server since the SAVEPOINT
            del queue[unsent[0] :]
        else:
            discard_later(connection)  # all queued since the SAVEPOINT was sent
            back = f"ROLLBACK TO SAVEPOINT {name}"
            _undo(connection, lambda: connection.exec_driver_sql(back), error)
        raise
    finally:
        connection.info[_DEPTH] = depth - 1


def _undo(connection: Connection, roll_back: Callable[[], object], error: BaseException) -> None:
    try:
        roll_back()
    except Exception:
        refuse_commit(connection, error)
