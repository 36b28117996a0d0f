"""``kontor serve`` and ``kontor worker``: the long-running processes."""

from __future__ import annotations

import logging
import os
import signal
import threading
import time
from typing import TYPE_CHECKING, Any

import typer
import uvicorn
from sqlalchemy import Engine
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from kontor import db
from kontor.bootstrap import Kontor, bootstrap, seed_development
from kontor.cli.common import fail, load_settings, require_migrated
from kontor.observability import configure_tracing
from kontor.settings import LOOPBACK_HOSTS, Environment, Settings

if TYPE_CHECKING:
    from kontor.api.probes import ProbeServer

log = logging.getLogger(__name__)


def _require_migrated(settings: Settings) -> None:
    engine = db.create_database_engine(settings.effective_database_url)
    try:
        require_migrated(engine)
        if settings.environment is Environment.DEVELOPMENT:
            _announce_demo_logins(engine, settings)
    finally:
        engine.dispose()


def _announce_demo_logins(engine: Engine, settings: Settings) -> None:
    logins = seed_development(engine, settings)
    if not logins:
        return
    lines = [
        "",
        "Demo tenants and users were created. Their passwords are shown this once:",
        *(f"  {d.login:<34} {d.password}   ({d.group_id} in {d.tenant_id})" for d in logins),
        f"Log in at {settings.public_url}/login in a browser, or with POST /api/auth/login "
        '{"login": ..., "password": ...} (try it under /docs);',
        "'kontor user reset-password LOGIN' sets a new password if you lose this one.",
        "",
    ]
    typer.echo("\n".join(lines), err=True)


def _refuse_open_host(host: str, settings: Settings) -> None:
    if host in LOOPBACK_HOSTS or settings.environment is Environment.PRODUCTION:
        return
    fail(
        f"refusing to listen on {host} in {settings.environment.value} mode: it has demo users "
        "and development defaults. Set KONTOR_ENVIRONMENT=production and KONTOR_SECRET_KEY "
        "to serve beyond this machine."
    )


def _served_at(settings: Settings, host: str, port: int) -> Settings:
    """``settings`` whose ``public_url`` is the loopback address served, unless it was set:
    the login link printed and the links in e-mails then open this server (``--port``).

    Set in the environment too, so the processes of ``--workers`` read the same."""
    if "public_url" in settings.model_fields_set or host not in LOOPBACK_HOSTS:
        return settings
    name = f"[{host}]" if ":" in host else host
    served = f"http://{name}:{port}"
    os.environ["KONTOR_PUBLIC_URL"] = served
    return settings.model_copy(update={"public_url": served})


def serve(
    host: str | None = typer.Option(None, help="Address to bind (default from settings)."),
    port: int | None = typer.Option(None, help="Port (default from settings)."),
    workers: int = typer.Option(
        1, min=1, help="Server processes behind the one port (more than one: PostgreSQL only)."
    ),
) -> None:
    """Run the API with the dispatcher, job executor and scheduler (embedded mode)."""
    settings = load_settings()
    bind = host or settings.host
    _refuse_open_host(bind, settings)
    settings = _served_at(settings, bind, port or settings.port)
    if workers > 1 and settings.effective_database_url.startswith("sqlite"):
        fail(
            "--workers needs PostgreSQL (KONTOR_DATABASE_URL): SQLite has one writer at a time, "
            "so more server processes would only queue for it"
        )
    _require_migrated(settings)
    # uvicorn stops on SIGTERM/SIGINT, then raises the signal again under the handler it found;
    # with these, a stop that completed in time ends the process with exit code 0.
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: None)
    options: dict[str, Any] = {
        "host": bind,
        "port": port or settings.port,
        "log_config": None,
        "access_log": False,
        "timeout_graceful_shutdown": max(1, round(settings.shutdown_timeout_seconds)),
    }
    if workers > 1:
        from kontor.api.shared_metrics import shared_metrics_folder

        # each process builds the app itself; uvicorn replaces a process that dies; their
        # metrics are added up over a folder they share
        with shared_metrics_folder():
            uvicorn.run(f"{__name__}:served_app", factory=True, workers=workers, **options)
    else:
        from kontor.web import create_app  # here: every other command starts a second sooner

        uvicorn.run(create_app(settings), **options)
        _exit_despite_stuck_requests()
    log.info("server stopped")


def served_app() -> ASGIApp:
    """The app of one of several ``kontor serve --workers`` processes (a uvicorn factory)."""
    from kontor.web import create_app

    return _ExitDespiteStuckRequests(create_app(load_settings()))


class _ExitDespiteStuckRequests:
    """Once the app has stopped, end its process even if request threads are still stuck.

    uvicorn's worker process returns after the app's shutdown and Python would then wait for
    those threads forever; a daemon thread ends the process a moment later instead.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "lifespan":
            await self.app(scope, receive, send)
            return

        async def send_noting_shutdown(message: Message) -> None:
            await send(message)
            if message["type"] == "lifespan.shutdown.complete":
                from kontor.api.shared_metrics import leave_shared_metrics

                leave_shared_metrics()
                threading.Thread(target=_exit_despite_stuck_requests, daemon=True).start()

        await self.app(scope, receive, send_noting_shutdown)


def _exit_despite_stuck_requests() -> None:
    """End the process even if request threads outlived the graceful shutdown timeout.

    Python would wait for them forever; their open transactions roll back when the process ends.
    """
    others = [
        thread
        for thread in threading.enumerate()
        if thread is not threading.main_thread() and not thread.daemon
    ]
    deadline = time.monotonic() + 1  # idle pool threads end on their own within it
    for thread in others:
        thread.join(timeout=max(0.0, deadline - time.monotonic()))
    stuck = [thread for thread in others if thread.is_alive()]
    if stuck:
        log.warning(
            "%d thread(s) still running after the shutdown timeout; ending the process, their "
            "open transactions roll back",
            len(stuck),
        )
        logging.shutdown()
        os._exit(0)


def worker(
    probe_port: int | None = typer.Option(
        None,
        min=1,
        max=65535,
        help="Serve /healthz, /readyz and /metrics on this port of KONTOR_HOST "
        "(default KONTOR_WORKER_PROBE_PORT; unset: no probes).",
    ),
) -> None:
    """Run process jobs and timers, consume messages from RabbitMQ, run retries (scaled out)."""
    settings = load_settings()
    probe_port = probe_port or settings.worker_probe_port
    if probe_port is not None:
        _refuse_open_host(settings.host, settings)
    _require_migrated(settings)
    if not settings.uses_rabbitmq:
        log.info(
            "KONTOR_BROKER_URL is in-process: this worker runs process jobs, timers and retries"
        )
    configure_tracing(settings.otlp_endpoint, settings.service_name, "worker")
    kontor = bootstrap(settings)
    stopped = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stopped.set())
    kontor.start(consume=True)
    probes = _probes(kontor, settings.host, probe_port)
    log.info("worker started")
    stopped.wait()
    if probes is not None:
        probes.stop()
    kontor.stop()
    log.info("worker stopped")


def _probes(kontor: Kontor, host: str, port: int | None) -> ProbeServer | None:
    """The worker's probes listening on ``host:port`` (none without a port); a port that cannot
    be bound stops the worker before it reports itself started."""
    if port is None:
        return None
    from kontor.api.probes import ProbeServer, ProbeUnavailable  # only a worker with probes

    probes = ProbeServer(kontor, host, port)
    try:
        probes.start()
    except ProbeUnavailable as error:
        kontor.stop()
        fail(f"{error}: is another process using port {port}?")
    log.info("probes listening on %s", probes.address)
    return probes
