"""What PostgreSQL's planner expects of a query, without running it."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import Connection, Select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import ClauseElement, Executable


class _Explain(Executable, ClauseElement):
    """``EXPLAIN (FORMAT JSON)`` of a query, its values bound as the query's own."""

    inherit_cache = False

    def __init__(self, query: Select[Any]) -> None:
        self.query = query


@compiles(_Explain, "postgresql")
def _explain(element: _Explain, compiler: Any, **kw: Any) -> str:
    return f"EXPLAIN (FORMAT JSON) {compiler.process(element.query, **kw)}"


def planned_rows(connection: Connection, query: Select[Any]) -> int:
    """The number of rows PostgreSQL's planner expects ``query`` to return: an estimate from
    the table statistics, not a count."""
    plan = connection.execute(_Explain(query)).scalar_one()
    plan = json.loads(plan) if isinstance(plan, str) else plan
    return int(plan[0]["Plan"]["Plan Rows"])
