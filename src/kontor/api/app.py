"""The FastAPI application: assembles routers, auth, error mapping and tracing."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from prometheus_client import CollectorRegistry

from kontor import __version__
from kontor.api.middleware import TracingMiddleware
from kontor.api.problems import install_problem_handlers
from kontor.api.routes import audit, health, messages, process, rules, tenants, usage
from kontor.api.security import PrincipalProvider
from kontor.bootstrap import Kontor, bootstrap
from kontor.platform import Principal, development_principal
from kontor.settings import Environment, Settings


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
    routers = (health.router, tenants.router, messages.router, rules.router, process.router)
    for router in (*routers, audit.router, usage.router):
        app.include_router(router)
    app.add_middleware(TracingMiddleware, registry=metrics)
    return app


def principal_provider(settings: Settings) -> PrincipalProvider:
    """Who the caller is: the development principal until login arrives with platform security."""
    if settings.environment in (Environment.DEVELOPMENT, Environment.TEST):
        principal = development_principal()
        return lambda _request: principal

    def nobody(_request: Request) -> Principal | None:
        return None

    return nobody
