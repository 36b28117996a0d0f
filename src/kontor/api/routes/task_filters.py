"""What a work list shows, read from the query: view, filters, a saved or inline filter, search."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Annotated, Any

from fastapi import Query, Request

from kontor.api.filter_tables import SAVED_FILTERS
from kontor.api.wiring import kontor_of
from kontor.casework.tasks import Sort, TaskFilter, TaskState, View
from kontor.casework.tasks.filtering import TASK_FILTER_FIELDS
from kontor.errors import InvalidInput
from kontor.json_input import loads_bounded
from kontor.platform import Principal
from kontor.platform.saved_filters import Group, Node, SavedFilter, SavedFilterStore, parse_filter


@dataclass(frozen=True)
class WorkListQuery:
    """The work list's query parameters; ``resolve`` loads the saved filter for the caller."""

    plain: TaskFilter
    filter_id: str | None
    inline: Node | None

    def resolve(self, request: Request, caller: Principal) -> tuple[TaskFilter, Sort | None]:
        """The filter (the plain ones AND the saved filter AND the inline one) and the sort
        order the saved filter keeps, if it names one of the work list's."""
        trees, saved_sort = [], None
        if self.filter_id is not None:
            saved = _saved(request, caller, self.filter_id)
            trees.append(SAVED_FILTERS.tree(saved))
            saved_sort = Sort(saved.sort) if saved.sort in set(Sort) else None
        trees += [] if self.inline is None else [self.inline]
        if not trees:
            return self.plain, saved_sort
        tree = trees[0] if len(trees) == 1 else Group(True, tuple(trees))
        return replace(self.plain, tree=tree), saved_sort


def work_list_query(
    view: View = View.ALL,
    state: Annotated[list[TaskState] | None, Query()] = None,
    assignee: str | None = None,
    group: str | None = None,
    case_id: str | None = None,
    due_before: dt.datetime | None = None,
    filter_id: Annotated[str | None, Query(max_length=36)] = None,
    filter: Annotated[str | None, Query(max_length=20_000)] = None,
    q: Annotated[str | None, Query(max_length=200)] = None,
) -> WorkListQuery:
    """The work list's filters: the plain ones, a saved filter (``filter_id``), an inline one
    (``filter``: the JSON condition tree); ``q`` searches the tasks' text columns."""
    plain = TaskFilter(
        view, tuple(state or ()), assignee, group, case_id, due_before, None, q or None
    )
    inline = None if filter is None else parse_filter(_json(filter), TASK_FILTER_FIELDS, "filter")
    return WorkListQuery(plain, filter_id, inline)


def saved_tree(request: Request, caller: Principal, filter_id: str) -> Node:
    """The condition tree of a saved task filter the caller sees (404 otherwise)."""
    return SAVED_FILTERS.tree(_saved(request, caller, filter_id))


def _saved(request: Request, caller: Principal, filter_id: str) -> SavedFilter:
    with kontor_of(request).bus.reading() as uow:
        saved = SavedFilterStore(uow.connection, caller.tenant_id).visible(
            filter_id, caller.user_id, caller.groups
        )
    if saved.table_id != TASK_FILTER_FIELDS.table_id:
        raise InvalidInput(
            f"filter {filter_id} filters {saved.table_id}, not tasks", field="filter_id"
        )
    return saved


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is no JSON number")


def _json(text: str) -> Any:
    try:
        return loads_bounded(text, parse_float=Decimal, parse_constant=_no_constant)
    except ValueError as error:
        raise InvalidInput(f"filter is no JSON: {error}", field="filter") from None
