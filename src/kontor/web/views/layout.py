"""A user's column layout of a declared table: which columns show and in which order."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from fastapi import Request
from fastapi.responses import Response

from kontor.api.wiring import kontor_of
from kontor.db import reading
from kontor.platform import Principal
from kontor.platform.saved_filters import TableLayouts
from kontor.web.views.declarations import Column, TableView


def shown_columns(view: TableView, keys: Sequence[str] | None) -> tuple[Column, ...]:
    """The view's columns in the user's order; keys the view no longer has are skipped, and a
    layout that shows nothing shows everything."""
    if not keys:
        return view.columns
    chosen = tuple(column for key in keys if (column := view.column(key)) is not None)
    return chosen or view.columns


def columns_for(request: Request, view: TableView, caller: Principal) -> tuple[Column, ...]:
    """The columns ``caller`` shows in ``view``."""
    with reading(kontor_of(request).engine) as connection:
        keys = TableLayouts(connection, caller.tenant_id).columns_of(caller.user_id, view.name)
    return shown_columns(view, keys)


def chosen_layout(
    view: TableView, form: Mapping[str, list[str]], current: Sequence[Column]
) -> list[str]:
    """The layout a form chose: the ticked columns (``show``) ordered by their ``pos_<key>``; a
    column moved to a taken position goes before the one that held it."""
    ticked = set(form.get("show", []))
    was = {column.key: index + 1 for index, column in enumerate(current)}

    def place(index_and_key: tuple[int, str]) -> tuple[int, int, int]:
        index, key = index_and_key
        text = (form.get(f"pos_{key}") or [""])[0].strip()
        position = int(text) if text.isdigit() else was.get(key, index + 1)
        return (position, 0 if position != was.get(key) else 1, index)

    keyed = [(i, c.key) for i, c in enumerate(view.columns) if c.key in ticked]
    return [key for _, key in sorted(keyed, key=place)]


def save_layout(
    request: Request, view: TableView, caller: Principal, form: Mapping[str, list[str]]
) -> Response:
    """Keep (or with ``reset``, forget) the caller's layout; the page reloads to show it."""
    kontor = kontor_of(request)
    current = columns_for(request, view, caller)
    with kontor.bus.unit_of_work() as uow:
        layouts = TableLayouts(uow.connection, caller.tenant_id)
        keys = chosen_layout(view, form, current)
        if form.get("reset") or not keys:
            layouts.reset(caller.user_id, view.name)
        else:
            layouts.save(caller.user_id, view.name, keys, uow.clock.now())
        uow.commit()
    return Response(status_code=204, headers={"HX-Refresh": "true"})
