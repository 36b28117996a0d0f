"""The FastAPI application: assembles routers, auth, error mapping and tracing."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from prometheus_client import CollectorRegistry

from kontor import __version__
from kontor.api.authentication import principal_provider
from kontor.api.body_routes import request_limits
from kontor.api.middleware import StoppingMiddleware, TracingMiddleware
from kontor.api.problems import install_problem_handlers
from kontor.api.routes import (
    absences,
    attachments,
    audit,
    auth,
    bipro,
    cases,
    connectors,
    docs,
    forms,
    health,
    links,
    messages,
    notifications,
    portfolio_contracts,
    portfolio_customers,
    portfolio_imports,
    portfolio_transfer,
    portfolio_transfer_calculator,
    portfolio_transfer_intake,
    portfolio_transfer_ratios,
    process,
    profiles,
    rules,
    saved_filters,
    schedules,
    second_factor,
    task_analytics,
    task_bulk,
    task_deadlines,
    task_exports,
    tasks,
    tenants,
    usage,
    users,
    webhooks,
)
from kontor.bootstrap import Kontor, bootstrap
from kontor.observability import configure_tracing
from kontor.settings import Settings


def create_app(settings: Settings, kontor: Kontor | None = None) -> FastAPI:
    """Build the API for ``settings``; connections open at startup, not here.

    Pass ``kontor`` to serve an already wired process (tests do); it is then not started or
    stopped by the app.
    """
    metrics = kontor.metrics if kontor is not None else CollectorRegistry()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if kontor is not None:
            yield
            return
        wired = bootstrap(settings, metrics=metrics)
        app.state.kontor = wired
        wired.start()
        try:
            yield
        finally:
            wired.stop()

    app = FastAPI(
        title="Kontor",
        version=__version__,
        description="Integration & automation platform for German insurance.",
        lifespan=lifespan,
        docs_url=None,  # served by routes.docs from Kontor's own assets, not a CDN
        redoc_url=None,
    )
    app.state.kontor = kontor
    app.state.principal_provider = principal_provider(settings)
    app.state.request_limits = request_limits(settings)
    install_problem_handlers(app, retry_after_seconds=settings.busy_retry_after_seconds)
    # A request's path is matched against the routes in this order, one after the other:
    # the most asked (work lists, tasks, processes) come first.
    for router in (
        health.router,
        task_exports.router,  # before tasks: /export is no task id
        task_bulk.router,
        task_analytics.router,  # before tasks: /analytics is no task id
        attachments.uploads,  # before tasks: /attachments is no operation
        tasks.router,
        process.router,
        auth.router,
        users.router,
        tenants.router,
        messages.router,
        rules.router,
        audit.router,
        usage.router,
        notifications.router,
        cases.router,
        attachments.router,
        portfolio_transfer_intake.router,
        portfolio_transfer_ratios.router,
        portfolio_transfer_calculator.router,  # before the actions: no action names
        portfolio_transfer.router,
        links.router,
        portfolio_customers.router,
        portfolio_contracts.router,
        task_deadlines.router,
        absences.router,
        saved_filters.router,
        forms.router,
        portfolio_imports.router,
        second_factor.router,
        second_factor.administration,
        profiles.router,
        webhooks.router,
        connectors.router,
        schedules.router,
        bipro.router,
    ):
        app.include_router(router)
    app.include_router(docs.router)
    app.mount(
        docs.STATIC_URL,
        StaticFiles(directory=docs.static_directory(), check_dir=False),
        name="static",
    )
    for uploads in (rules.uploads, process.uploads, portfolio_imports.uploads, links.uploads):
        app.include_router(uploads)
    app.add_middleware(TracingMiddleware, registry=metrics)
    app.add_middleware(StoppingMiddleware, retry_after_seconds=settings.busy_retry_after_seconds)
    if configure_tracing(settings.otlp_endpoint, settings.service_name, "serve"):
        from opentelemetry.instrumentation.asgi import OpenTelemetryMiddleware

        # outermost: the request's span is the parent of every command the request handles
        app.add_middleware(
            OpenTelemetryMiddleware,
            excluded_urls="healthz,readyz,metrics",
            exclude_spans=["receive", "send"],
        )
    return app
