"""Runs a table declaration: the row query with search, filters, sort and paging applied."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, String, cast, func, or_, select
from sqlalchemy.sql import Subquery

from kontor.db import planned_rows, reading
from kontor.web.people import display_names
from kontor.web.views.declarations import Column, Kind, TableView, ViewContext
from kontor.web.views.saved import where
from kontor.web.views.state import TableState

EXPORT_CHUNK = 500


@dataclass(frozen=True)
class TablePage:
    """One page of rows, whether another follows, and the total when the view counts."""

    rows: Sequence[Mapping[str, Any]]
    has_next: bool
    total: int | None
    estimated: bool = False
    """The total is the planner's estimate (at least the rows counted)."""


def _matching(view: TableView, context: ViewContext, state: TableState) -> Subquery:
    base = view.rows(context, state.filters).subquery("rows")
    query = select(base)
    for declared in view.filters:
        value = state.filters.get(declared.key)
        if declared.column and value:
            query = query.where(base.c[declared.key] == value)
    if state.tree is not None:
        query = query.where(where(state.tree, base))
    if state.search:
        pattern = "%" + _escape_like(state.search.lower()) + "%"
        fields = view.search_fields or tuple(c.key for c in view.columns)
        query = query.where(
            or_(
                *(
                    func.lower(cast(base.c[key], String)).like(pattern, escape="\\")
                    for key in fields
                )
            )
        )
    return query.subquery("matching")


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _ordered(view: TableView, matching: Subquery, state: TableState) -> Any:
    key = state.sort.removeprefix("-")
    column = matching.c[key]
    first = column.desc().nulls_last() if state.sort.startswith("-") else column.asc().nulls_last()
    return select(matching).order_by(first, matching.c.id)


def page(
    connection: Connection, view: TableView, context: ViewContext, state: TableState
) -> TablePage:
    """The rows of ``state.page`` (and the total if the view counts)."""
    offset = (state.page - 1) * view.page_size
    paged = None if view.pager is None else view.pager(context, state, offset, view.page_size + 1)
    if paged is not None:
        _show_names(connection, view, context, paged.rows, {})
        total = paged.total if view.count else None
        more = len(paged.rows) > view.page_size
        return TablePage(paged.rows[: view.page_size], more, total, paged.estimated)
    matching = _matching(view, context, state)
    query = _ordered(view, matching, state).limit(view.page_size + 1).offset(offset)
    rows = [dict(row) for row in connection.execute(query).mappings()]
    _show_names(connection, view, context, rows, {})
    if not view.count:
        return TablePage(rows[: view.page_size], len(rows) > view.page_size, None)
    total, estimated = _total(connection, view, matching)
    return TablePage(rows[: view.page_size], len(rows) > view.page_size, total, estimated)


def _total(connection: Connection, view: TableView, matching: Subquery) -> tuple[int, bool]:
    """The number of matching rows, or beyond ``exact_count_up_to`` on PostgreSQL an estimate."""
    cap = view.exact_count_up_to
    if cap is None or connection.dialect.name != "postgresql":
        return int(
            connection.execute(select(func.count()).select_from(matching)).scalar_one()
        ), False
    capped = select(matching.c.id).limit(cap + 1).subquery()
    counted = int(connection.execute(select(func.count()).select_from(capped)).scalar_one())
    if counted <= cap:
        return counted, False
    return max(counted, planned_rows(connection, select(matching.c.id))), True


def all_rows(
    connection: Connection, view: TableView, context: ViewContext, state: TableState, cap: int
) -> Iterator[Mapping[str, Any]]:
    """Every matching row in the table's order, at most ``cap``, read in chunks."""
    matching = _matching(view, context, state)
    query = _ordered(view, matching, state).limit(cap)
    streaming = connection.execution_options(stream_results=True, yield_per=EXPORT_CHUNK)
    names: dict[str, str] = {}
    for chunk in streaming.execute(query).mappings().partitions(EXPORT_CHUNK):
        rows = [dict(row) for row in chunk]
        with reading(context.kontor.engine) as lookup:  # the export's cursor stays open
            _show_names(lookup, view, context, rows, names)
        yield from rows


def matching_ids(
    connection: Connection, view: TableView, context: ViewContext, state: TableState, cap: int
) -> list[str]:
    """The ids of every matching row (a bulk action over "all matching"), at most ``cap``."""
    matching = _matching(view, context, state)
    query = select(matching.c.id).order_by(matching.c.id).limit(cap)
    return [str(row_id) for row_id in connection.execute(query).scalars()]


def _show_names(
    connection: Connection,
    view: TableView,
    context: ViewContext,
    rows: list[dict[str, Any]],
    names: dict[str, str],
) -> None:
    show_names(connection, context.principal.tenant_id, view.columns, rows, names)


def show_names(
    connection: Connection,
    tenant_id: str,
    columns: Sequence[Column],
    rows: Sequence[dict[str, Any]],
    names: dict[str, str] | None = None,
) -> None:
    """Put the users' names in the ``USER`` columns (``names`` caches them across calls)."""
    keys = [column.key for column in columns if column.kind is Kind.USER]
    if not keys:
        return
    ids = [row[key] for row in rows for key in keys if row.get(key) is not None]
    known = display_names(connection, tenant_id, ids, names)
    for row in rows:
        for key in keys:
            if row.get(key) is not None:
                row[key] = known[row[key]]
