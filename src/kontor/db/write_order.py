"""The order in which a transaction's queued writes are sent, with appended rows gathered.

Writes queued with ``FastStatement.execute_later`` run in the order they were queued, with one
exception: rows *appended* to a table (new rows: history entries, new instances and tasks) may
go later, past statements that cannot touch them, so that the rows a batch appends to one table
go together — on PostgreSQL as one ``COPY`` instead of a statement per row. A read sends
everything queued before it, so the transaction still sees its own writes.

Appended rows wait until the first later statement that may touch them: one that names their
table (also in a subquery) without being scoped to another owner. A statement scoped to an
owner (a process instance) touches only that owner's rows, so the rows another owner appended
move past it. No appended row moves past a barrier (a queued SAVEPOINT). Whatever still waits
at the end goes last.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Queued:
    """One queued statement with its rows."""

    sql: str
    arguments: list[Any]
    tables: frozenset[str]  # every table it names
    copy: str | None = None  # a plain INSERT: its COPY
    scope: str | None = None  # the owner whose rows alone it touches (None: any row)
    appending: bool = False  # rows appended to one table, sent later together
    scopes: set[str | None] = field(default_factory=set)  # of gathered appended rows
    refused: Callable[[], Exception] | None = None  # must touch one row, else this error
    barrier: bool = False  # no appended row moves past it (a SAVEPOINT)


def sending_order(queue: list[Queued]) -> list[Queued]:
    """The queued statements in the order to send them, appended rows of one statement
    gathered into one entry (see the module)."""
    ordered: list[Queued] = []
    waiting: dict[str, Queued] = {}  # gathered appends by their SQL
    for entry in queue:
        if entry.appending:
            gathered = waiting.get(entry.sql)
            if gathered is None:
                gathered = Queued(entry.sql, [], entry.tables, entry.copy, appending=True)
                waiting[entry.sql] = gathered
            gathered.arguments.extend(entry.arguments)
            gathered.scopes.add(entry.scope)
            continue
        for sql, gathered in list(waiting.items()):
            if _may_touch(entry, gathered):
                ordered.append(waiting.pop(sql))
        ordered.append(entry)
    ordered.extend(waiting.values())
    return ordered


def _may_touch(entry: Queued, gathered: Queued) -> bool:
    """Whether ``entry`` may read, change or remove rows that ``gathered`` appends."""
    if entry.barrier:
        return True
    if not entry.tables & gathered.tables:
        return False
    if entry.scope is None or len(entry.tables) > 1:
        return True
    return entry.scope in gathered.scopes or None in gathered.scopes
