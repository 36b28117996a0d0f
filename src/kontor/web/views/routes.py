"""The pages of declared tables: the table (page or htmx fragment), its actions and exports."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import parse_qsl, quote, unquote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response, StreamingResponse
from sqlalchemy import Connection, select

from kontor.api.body_routes import StrictJsonRoute
from kontor.api.downloads import download
from kontor.api.wiring import kontor_of
from kontor.db import reading
from kontor.errors import InvalidInput, KontorError
from kontor.exchange import tabular
from kontor.platform import Principal
from kontor.platform.saved_filters import FilterDraft, FilterUser, SavedFilterStore, to_json
from kontor.web.messages import german_error
from kontor.web.security import page_requires
from kontor.web.templating import is_htmx, language_of, render
from kontor.web.views import engine
from kontor.web.views.declarations import Column, TableView, ViewContext
from kontor.web.views.export import csv_chunks, xlsx_chunks
from kontor.web.views.layout import columns_for, save_layout
from kontor.web.views.saved import (
    OPERATOR_WORDS,
    both,
    definition_of,
    filter_fields,
    read_conditions,
    saved_filters_for,
)
from kontor.web.views.state import (
    TableState,
    read_selection_token,
    read_state,
    selection_token,
)

SEARCH_COOKIE = "kontor_search_"
SEARCH_KEPT_SECONDS = 8 * 3600
"""The seed: a table's search stays for eight hours."""
BULK_CAP = 10_000
"""The most rows one bulk action covers."""


def view_context(request: Request, principal: Principal) -> ViewContext:
    """The context a declaration's callables get for ``request``."""
    kontor = kontor_of(request)
    return ViewContext(kontor, principal, kontor.clock.now(), language_of(request))


def _remembered(request: Request, view: TableView, principal: Principal) -> str | None:
    stored = request.cookies.get(SEARCH_COOKIE + view.name)
    if not stored:
        return None
    owner, _, search = unquote(stored).partition("\t")
    return search if owner == principal.user_id else None


def _remember(response: Response, view: TableView, principal: Principal, search: str) -> None:
    name = SEARCH_COOKIE + view.name
    if search:
        value = quote(f"{principal.user_id}\t{search}")
        response.set_cookie(
            name, value, max_age=SEARCH_KEPT_SECONDS, httponly=True, samesite="strict", path="/"
        )
    else:
        response.delete_cookie(name, path="/", samesite="strict")


def _secret(request: Request) -> str:
    return kontor_of(request).settings.secret_key.get_secret_value()


def resolved(request: Request, view: TableView, caller: Principal, state: TableState) -> TableState:
    """``state`` with its condition tree: the editor's conditions AND the saved filter's.

    A saved filter the caller does not see (another's private one, another tenant's) is 404.
    """
    tree = read_conditions(view, state.conditions)
    sort = state.sort
    if state.saved:
        with kontor_of(request).bus.reading() as uow:
            saved = SavedFilterStore(uow.connection, caller.tenant_id).visible(
                state.saved, caller.user_id, caller.groups
            )
        if saved.table_id != view.name:
            raise InvalidInput(
                "der gespeicherte Filter gehört zu einer anderen Tabelle", field="saved"
            )
        tree = both(tree, _services(request).tree(saved))
    return replace(state, tree=tree, sort=sort)


def _services(request: Request) -> Any:
    return saved_filters_for(request.app.state.web_registry.tables)


def _filter_user(caller: Principal) -> FilterUser:
    return FilterUser(caller.tenant_id, caller.user_id, caller.groups)


@dataclass(frozen=True)
class ActionResult:
    """What one bulk action did to one row."""

    row_id: str
    title: str
    ok: bool
    message: str


def table_router(tables: Mapping[str, TableView]) -> APIRouter:
    """The routes of every declared table."""
    router = APIRouter(route_class=StrictJsonRoute, include_in_schema=False)
    for view in tables.values():
        _add_table_routes(router, view)
    return router


def _add_table_routes(router: APIRouter, view: TableView) -> None:
    needs_view = page_requires(view.permission)

    def show(request: Request, caller: Principal = needs_view) -> HTMLResponse:
        """The table, whole or (for htmx) only its rows."""
        return show_table(request, view, caller)

    router.add_api_route(view.path, show, methods=["GET"], name=f"table:{view.name}")

    async def act(request: Request, caller: Principal = needs_view) -> HTMLResponse:
        """Run an action on the chosen rows; each row's result is shown."""
        form = _form(await request.body())
        return run_action(request, view, caller, form)

    router.add_api_route(f"{view.path}/actions", act, methods=["POST"], name=f"actions:{view.name}")

    async def save(request: Request, caller: Principal = needs_view) -> Response:
        """Save the table's current conditions, search and filters under a name."""
        return save_filter(request, view, caller, _form(await request.body()))

    router.add_api_route(
        f"{view.path}/saved-filters", save, methods=["POST"], name=f"save-filter:{view.name}"
    )

    async def arrange(request: Request, caller: Principal = needs_view) -> Response:
        """Keep which columns the caller shows, in which order (or the table's own again)."""
        return save_layout(request, view, caller, _form(await request.body()))

    router.add_api_route(
        f"{view.path}/layout", arrange, methods=["POST"], name=f"layout:{view.name}"
    )

    def forget(filter_id: str, request: Request, caller: Principal = needs_view) -> Response:
        """Delete one of the caller's saved filters of this table."""
        return delete_filter(request, view, caller, filter_id)

    router.add_api_route(
        f"{view.path}/saved-filters/{{filter_id}}/delete", forget, methods=["POST"],
        name=f"delete-filter:{view.name}",
    )  # fmt: skip
    if view.export_permission is None:
        return
    for suffix, maker in (("csv", _csv), ("xlsx", _xlsx)):
        router.add_api_route(
            f"{view.path}/export.{suffix}",
            _export_route(view, maker),
            methods=["GET"],
            name=f"export:{view.name}:{suffix}",
        )


def _export_route(
    view: TableView, maker: Callable[..., StreamingResponse]
) -> Callable[..., StreamingResponse]:
    needs_export = page_requires(view.export_permission or "")

    def export(request: Request, caller: Principal = needs_export) -> StreamingResponse:
        """The whole filtered table as a file (streamed)."""
        return _export(request, view, caller, maker)

    return export


def _form(body: bytes) -> dict[str, list[str]]:
    values: dict[str, list[str]] = {}
    for key, value in parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True):
        values.setdefault(key, []).append(value)
    return values


def show_table(request: Request, view: TableView, caller: Principal) -> HTMLResponse:
    """The table for the URL's state; the search is remembered for the person and table."""
    params = dict(request.query_params)
    try:
        state = resolved(
            request, view, caller, read_state(view, params, _remembered(request, view, caller))
        )
    except InvalidInput as error:
        return render(request, "error.html", {"message": error.message}, status=400)
    except KontorError as error:
        message = "Diesen gespeicherten Filter gibt es nicht."
        return render(request, "error.html", {"message": message}, status=error.status)
    context = view_context(request, caller)
    with reading(kontor_of(request).engine) as connection:
        page = engine.page(connection, view, context, state)
    options = {f.key: f.options(context) for f in view.filters}
    actions = [a for a in view.actions if caller.has(a.permission)]
    values = {
        "view": view,
        "columns": columns_for(request, view, caller),
        "state": state,
        "page": page,
        "filter_options": options,
        "actions": actions,
        "all_token": selection_token(_secret(request), view, caller.user_id, state),
        "principal": caller,
        "can_export": bool(view.export_permission) and caller.has(view.export_permission or ""),
        "saved_filters": view.saved_filters.saved(context, view.name) if view.saved_filters else [],
        "filter_choices": _choices(request, view, caller),
        "filter_fields": filter_fields(view).fields,
        "operator_words": OPERATOR_WORDS,
        "tree": to_json(state.tree) if state.tree is not None and not state.saved else None,
    }
    block = (
        "table"
        if is_htmx(request) and request.headers.get("hx-target", "").endswith("#table-area")
        else None
    )
    response = render(request, "table.html", values, block=block)
    if "q" in params:
        _remember(response, view, caller, state.search)
    return response


def run_action(
    request: Request, view: TableView, caller: Principal, form: Mapping[str, list[str]]
) -> HTMLResponse:
    """Run the chosen action on the chosen rows (or all matching), one result per row."""
    action = view.action((form.get("action") or [""])[0])
    if action is None:
        return _results(request, [], "Unbekannte Aktion.", 422)
    if not caller.has(action.permission):
        return _results(request, [], "Dafür fehlt Ihnen die Berechtigung.", 403)
    context = view_context(request, caller)
    reason = (form.get("reason") or [""])[0].strip() or None
    ids = [i for i in form.get("ids", []) if i][:BULK_CAP]
    token = (form.get("all") or [""])[0]
    kontor = kontor_of(request)
    with reading(kontor.engine) as connection:
        if token:
            try:
                state = read_selection_token(_secret(request), view, caller.user_id, token)
                state = resolved(request, view, caller, state)
            except KontorError as error:
                return _results(request, [], german_error(error), 422)
            ids = engine.matching_ids(connection, view, context, state, BULK_CAP)
        titles = _titles(connection, view, context, ids)
    if not ids:
        return _results(request, [], "Keine Zeile ausgewählt.", 422)
    if len(ids) > 1 and not action.selection:
        return _results(request, [], "Diese Aktion gilt nur für eine Zeile.", 422)
    results = []
    for row_id in ids:
        title = titles.get(row_id)
        if title is None:  # another tenant's row, or one the caller may not see
            results.append(ActionResult(row_id, row_id, False, "Nicht gefunden."))
            continue
        try:
            action.run(context, row_id, reason)
        except KontorError as error:
            results.append(ActionResult(row_id, title, False, german_error(error)))
        else:
            results.append(ActionResult(row_id, title, True, "Erledigt."))
    return _results(request, results, None, 200, action.label)


def _titles(
    connection: Connection, view: TableView, context: ViewContext, ids: list[str]
) -> dict[str, str]:
    if not ids:
        return {}
    base = view.rows(context, {}).subquery("rows")
    first = view.columns[0].key
    found = connection.execute(select(base.c.id, base.c[first]).where(base.c.id.in_(ids)))
    return {str(row[0]): str(row[1]) for row in found}


def _results(
    request: Request, results: list[ActionResult], problem: str | None, status: int, label: str = ""
) -> HTMLResponse:
    headers = {"HX-Trigger": "table-changed"} if results else {}
    values = {"results": results, "problem": problem, "label": label,
              "failed": sum(1 for r in results if not r.ok)}  # fmt: skip
    return render(request, "action_results.html", values, status=status, headers=headers)


def _export(
    request: Request, view: TableView, caller: Principal, maker: Callable[..., StreamingResponse]
) -> StreamingResponse:
    state = read_state(view, dict(request.query_params), _remembered(request, view, caller))
    state = resolved(request, view, caller, state)
    context = view_context(request, caller)
    kontor = kontor_of(request)
    cap = kontor.settings.export_max_rows

    def rows() -> Any:
        with reading(kontor.engine) as connection:
            yield from engine.all_rows(connection, view, context, state, cap)

    return maker(view, columns_for(request, view, caller), rows())


def _filename(view: TableView, suffix: str) -> str:
    return f"{view.name}-{dt.date.today().isoformat()}.{suffix}"


def _csv(view: TableView, columns: tuple[Column, ...], rows: Any) -> StreamingResponse:
    chunks = csv_chunks(columns, rows)
    return download(chunks, _filename(view, "csv"), tabular.CSV_MEDIA_TYPE)


def _xlsx(view: TableView, columns: tuple[Column, ...], rows: Any) -> StreamingResponse:
    chunks = xlsx_chunks(columns, rows, view.title)
    return download(chunks, _filename(view, "xlsx"), tabular.XLSX_MEDIA_TYPE)


def _choices(request: Request, view: TableView, caller: Principal) -> list[dict[str, Any]]:
    with kontor_of(request).bus.reading() as uow:
        found = SavedFilterStore(uow.connection, caller.tenant_id).of_viewer(
            caller.user_id, caller.groups, view.name
        )
    return [
        {"id": f.filter_id, "name": f.name, "shared": f.shared_group,
         "mine": f.owner == caller.user_id}
        for f in found
    ]  # fmt: skip


def _saved_problem(request: Request, message: str, status: int) -> HTMLResponse:
    values = {"results": [], "problem": message, "label": "", "failed": 0}
    return render(request, "action_results.html", values, status=status)


def save_filter(
    request: Request, view: TableView, caller: Principal, form: Mapping[str, list[str]]
) -> Response:
    """Store the shown state as a named filter (private, or shared to one of the caller's
    groups)."""
    first = {key: values[-1] for key, values in form.items()}
    name = first.get("name", "").strip()
    if not name:
        return _saved_problem(request, "Bitte einen Namen für den Filter angeben.", 422)
    try:
        state = read_state(view, first, None)
        tree = read_conditions(view, state.conditions)
        definition = definition_of(view, tree, state.search, state.filters)
        if definition is None:
            message = "Es gibt nichts zu speichern: bitte Bedingungen, Suche oder Filter setzen."
            return _saved_problem(request, message, 422)
        draft = FilterDraft(name, definition, first.get("shared_group") or None, state.sort)
        with kontor_of(request).bus.unit_of_work() as uow:
            saved = _services(request).create(uow, _filter_user(caller), view.name, draft)
            uow.commit()
    except KontorError as error:
        return _saved_problem(request, german_error(error), error.status)
    target = f"{view.path}?saved={saved.filter_id}"
    return Response(status_code=204, headers={"HX-Redirect": target})


def delete_filter(request: Request, view: TableView, caller: Principal, filter_id: str) -> Response:
    """Delete the caller's own filter; another's is refused, another tenant's is not found."""
    try:
        with kontor_of(request).bus.unit_of_work() as uow:
            _services(request).delete(uow, _filter_user(caller), filter_id)
            uow.commit()
    except KontorError as error:
        return _saved_problem(request, german_error(error), error.status)
    return Response(status_code=204, headers={"HX-Redirect": view.path})
