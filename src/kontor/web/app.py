"""The whole application: the JSON API plus the browser UI (pages, static files, headers)."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse, Response

from kontor.api import create_app as create_api
from kontor.bootstrap import Kontor
from kontor.camunda7 import engine_rest_router
from kontor.settings import Settings
from kontor.web import admin, cockpit, rulebook
from kontor.web.apps import links as links_pages
from kontor.web.apps.bipro import accesses as portal_access_pages
from kontor.web.apps.bipro import inbox as inbox_pages
from kontor.web.apps.portfolio_transfer import case_tools, intake_page, ratios_page
from kontor.web.apps.portfolio_transfer import imports as gdv_upload
from kontor.web.pages import analytics, cases, password, profile, second_factor, shell, tasks
from kontor.web.registry import WebRegistry
from kontor.web.security import (
    PageForbidden,
    SecurityHeadersMiddleware,
    SignInRequired,
    login_url,
)
from kontor.web.templating import is_htmx, render
from kontor.web.views.detail_routes import detail_router
from kontor.web.views.routes import table_router


def default_registry() -> WebRegistry:
    """The declarations of the platform's own views and of every app's web side."""
    from kontor.web.apps import register_apps

    registry = WebRegistry()
    tasks.declare(registry)
    cases.declare(registry)
    admin.declare(registry)
    cockpit.declare(registry)
    register_apps(registry)
    return registry


def create_app(
    settings: Settings, kontor: Kontor | None = None, registry: WebRegistry | None = None
) -> FastAPI:
    """The API of ``kontor.api`` with the browser UI's pages on top (what ``kontor serve`` runs)."""
    app = create_api(settings, kontor)
    app.include_router(engine_rest_router(settings.camunda7_base_path))
    registry = registry or default_registry()
    app.state.web_registry = registry
    # the tables first: their fixed paths (/tasks/export.csv) win over /tasks/{task_id}
    tables = table_router(registry.tables)
    details = detail_router(registry.details)
    pages = (
        shell.router, profile.router, second_factor.router, tables, admin.router,
        admin.history_router, tasks.router, tasks.uploads, details, cases.router,
        gdv_upload.router, analytics.router, intake_page.router, case_tools.router,
        links_pages.router, ratios_page.router, cockpit.router, rulebook.router,
        portal_access_pages.router, inbox_pages.router,
    )  # fmt: skip
    for router in (*pages, password.router):
        app.include_router(router)
    app.add_exception_handler(SignInRequired, _to_login)  # type: ignore[arg-type]
    app.add_exception_handler(PageForbidden, _forbidden)  # type: ignore[arg-type]
    app.add_middleware(SecurityHeadersMiddleware)
    return app


def _to_login(request: Request, signal: SignInRequired) -> Response:
    target = login_url(signal.next_url)
    if is_htmx(request):
        return Response(status_code=204, headers={"HX-Redirect": target})
    return RedirectResponse(target, status_code=303)


def _forbidden(request: Request, error: PageForbidden) -> Response:
    del error
    message = "Für diese Seite fehlt Ihnen die Berechtigung."
    return render(request, "error.html", {"message": message}, status=403)
