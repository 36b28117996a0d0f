"""Hot-path statements: prebuilt once, run straight on the driver's cursor.

SQLAlchemy's per-execution bookkeeping costs several times what SQLite needs to run a small
INSERT or UPDATE. A ``FastStatement`` compiles its statement once per dialect and parameter set and
then only converts the parameters with the column types' own bind processors, so what reaches
the driver is exactly what SQLAlchemy would have sent. Reads that need their results converted
stay on SQLAlchemy.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Delete, Insert, Select, Update
from sqlalchemy.engine import Dialect

Params = Mapping[str, Any]


@dataclass(frozen=True)
class _Plan:
    sql: str
    names: tuple[str, ...]
    positional: bool
    processors: Mapping[str, Callable[[Any], Any]]
    defaults: Mapping[str, Any]  # values the statement carries itself (LIMIT 1, constants)

    def arguments(self, params: Params) -> Any:
        processors, defaults = self.processors, self.defaults
        values = [
            (params[name] if name in params else defaults[name])
            if name not in processors
            else processors[name](params[name] if name in params else defaults[name])
            for name in self.names
        ]
        return tuple(values) if self.positional else dict(zip(self.names, values, strict=True))


class FastStatement:
    """An INSERT, UPDATE or DELETE compiled once and executed without SQLAlchemy's overhead.

    Every execution must supply every parameter the statement names (no defaults, no
    expanding ``IN`` lists). ``first_value`` also serves a SELECT of one plain column (text
    or integer: no result conversion is applied).
    """

    def __init__(self, statement: Insert | Update | Delete | Select[Any]) -> None:
        self._statement = statement
        self._plans: dict[tuple[str, tuple[str, ...]], _Plan] = {}

    def execute(self, connection: Connection, params: Params) -> int:
        """Run once with ``params``; return the number of rows it touched."""
        plan = self._plan(connection.dialect, params)
        cursor = _cursor(connection)
        try:
            cursor.execute(plan.sql, plan.arguments(params))
            return int(cursor.rowcount)
        finally:
            cursor.close()

    def first_value(self, connection: Connection, params: Params) -> Any:
        """Run a one-column SELECT; the first row's raw value, or None without rows."""
        plan = self._plan(connection.dialect, params)
        cursor = _cursor(connection)
        try:
            cursor.execute(plan.sql, plan.arguments(params))
            row = cursor.fetchone()
            return None if row is None else row[0]
        finally:
            cursor.close()

    def execute_many(self, connection: Connection, rows: Sequence[Params]) -> None:
        """Run once per row (all rows with the same keys)."""
        if not rows:
            return
        plan = self._plan(connection.dialect, rows[0])
        cursor = _cursor(connection)
        try:
            cursor.executemany(plan.sql, [plan.arguments(row) for row in rows])
        finally:
            cursor.close()

    def _plan(self, dialect: Dialect, params: Params) -> _Plan:
        keys = tuple(sorted(params))
        plan = self._plans.get((dialect.name, keys))
        if plan is None:
            compiled = self._statement.compile(dialect=dialect, column_keys=list(keys))
            if compiled.insert_prefetch or compiled.update_prefetch:
                raise ValueError("a fast statement cannot fill Python-side column defaults")
            positional = compiled.positiontup is not None
            defaults = compiled.construct_params(_check=False)
            names = tuple(compiled.positiontup or defaults)
            processors: dict[str, Callable[[Any], Any]] = {
                name: processor
                for name, processor in compiled._bind_processors.items()
                if isinstance(name, str) and callable(processor)
            }
            plan = _Plan(compiled.string, names, positional, processors, defaults)
            self._plans[(dialect.name, keys)] = plan
        return plan


def _cursor(connection: Connection) -> Any:
    if not connection.in_transaction():
        connection.begin()  # runs the engine's begin hook (SQLite: BEGIN IMMEDIATE for writers)
    return connection.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
