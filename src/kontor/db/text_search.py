"""Substring tests as the planner should see them: a position test, not ``LIKE '%…%'``.

PostgreSQL estimates ``LIKE '%text%'`` from the column's statistics as rare and then prefers
plans that read every row; a position test is estimated as common, so work lists walk their
queue index and stop after a page (1,000,000 tasks: about 400 ms against 3 ms).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Integer
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement


class _Position(FunctionElement[int]):
    """1-based position of the second argument in the first (0: not found)."""

    type = Integer()
    inherit_cache = True


@compiles(_Position)
def _instr(element: _Position, compiler: SQLCompiler, **kw: Any) -> str:
    return f"instr({compiler.process(element.clauses, **kw)})"


@compiles(_Position, "postgresql")
def _strpos(element: _Position, compiler: SQLCompiler, **kw: Any) -> str:
    return f"strpos({compiler.process(element.clauses, **kw)})"


def contains_text(text: ColumnElement[Any], part: str) -> ColumnElement[bool]:
    """Whether ``text`` contains ``part`` (exactly: callers fold case on both sides first)."""
    return _Position(text, part) > 0
