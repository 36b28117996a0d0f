"""The FastAPI application: assembles routers, auth, error mapping and tracing."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from prometheus_client import CollectorRegistry

from kontor import __version__
from kontor.api.authentication import principal_provider
from kontor.api.middleware import TracingMiddleware
from kontor.api.problems import install_problem_handlers
from kontor.api.routes import (
    audit,
    auth,
    cases,
    health,
    messages,
    process,
    rules,
    tenants,
    usage,
    users,
)
from kontor.bootstrap import Kontor, bootstrap
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
    )
    app.state.kontor = kontor
    app.state.principal_provider = principal_provider(settings)
    install_problem_handlers(app)
    for router in (
        health.router,
        auth.router,
        users.router,
        tenants.router,
        messages.router,
        rules.router,
        process.router,
        audit.router,
        usage.router,
        cases.router,
    ):
        app.include_router(router)
    app.add_middleware(TracingMiddleware, registry=metrics)
    return app
