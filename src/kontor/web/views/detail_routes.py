"""The pages of declared detail views: one item with its fields and sections."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from kontor.api.body_routes import StrictJsonRoute
from kontor.api.wiring import kontor_of
from kontor.db import reading
from kontor.platform import Principal
from kontor.web.security import page_requires
from kontor.web.templating import render
from kontor.web.views.declarations import DetailView
from kontor.web.views.engine import show_names
from kontor.web.views.routes import view_context

HISTORY = "audit:read"
"""Who sees a record's history: those who may read the audit log it comes from."""


def detail_router(details: Mapping[str, DetailView]) -> APIRouter:
    """The routes of every declared detail view."""
    router = APIRouter(route_class=StrictJsonRoute, include_in_schema=False)
    for view in details.values():
        router.add_api_route(
            f"{view.path}/{{{view.id_name}}}",
            _show(view),
            methods=["GET"],
            name=f"detail:{view.name}",
        )
    return router


def _show(view: DetailView) -> Callable[..., HTMLResponse]:
    needs_view = page_requires(view.permission)

    def show(request: Request, caller: Principal = needs_view) -> HTMLResponse:
        """One item: its fields and sections; another tenant's item does not exist."""
        return show_detail(request, view, caller, str(request.path_params[view.id_name]))

    return show


def show_detail(
    request: Request, view: DetailView, caller: Principal, item_id: str, *, status: int = 200,
    message: str | None = None, problem: str | None = None,
) -> HTMLResponse:  # fmt: skip
    """The page of ``item_id`` (404 when the caller's tenant has none), with a ``message`` of
    what was done or the ``problem`` that stopped it (both German)."""
    context = view_context(request, caller)
    item = view.load(context, item_id)
    if item is None:
        return render(request, "error.html", {"message": view.not_found}, status=404)
    fields = dict(item)
    sections = []
    with reading(kontor_of(request).engine) as connection:
        names: dict[str, str] = {}
        show_names(connection, caller.tenant_id, view.fields, [fields], names)
        for section in view.sections:
            rows = [dict(row) for row in section.rows(context, item_id)]
            show_names(connection, caller.tenant_id, section.columns, rows, names)
            sections.append((section, rows))
    links = list(view.links(fields)) if view.links is not None else []
    if view.audited_as is not None and caller.has(HISTORY):
        links.append(("Historie", f"/history/{view.audited_as}/{item_id}"))
    values = {
        "principal": caller, "view": view, "item": fields, "item_id": item_id,
        "sections": sections, "links": links, "message": message, "problem": problem,
    }  # fmt: skip
    return render(request, "detail.html", values, status=status)
