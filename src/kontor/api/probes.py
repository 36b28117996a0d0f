"""The probes of a process that serves no API (``kontor worker``): ``/healthz``, ``/readyz`` and
``/metrics``, the same routes as the API's, on a port of their own."""

from __future__ import annotations

import threading
import time

import uvicorn
from fastapi import FastAPI

from kontor import __version__
from kontor.api.body_routes import request_limits
from kontor.api.problems import install_problem_handlers
from kontor.api.routes import health
from kontor.bootstrap import Kontor

STARTUP_SECONDS = 10.0
"""How long ``ProbeServer.start`` waits for the port to be bound."""


def probe_app(kontor: Kontor) -> FastAPI:
    """An app with only the health routes, answering for ``kontor``."""
    app = FastAPI(
        title="Kontor worker probes",
        version=__version__,
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
    )
    app.state.kontor = kontor
    app.state.request_limits = request_limits(kontor.settings)
    install_problem_handlers(app)
    app.include_router(health.router)
    return app


class ProbeUnavailable(RuntimeError):
    """The probes could not listen on their address (taken, or not this machine's)."""


class ProbeServer:
    """``probe_app`` served by uvicorn on ``host:port`` in a thread of its own."""

    def __init__(self, kontor: Kontor, host: str, port: int) -> None:
        self.address = f"{host}:{port}"
        config = uvicorn.Config(
            probe_app(kontor), host=host, port=port, log_config=None, access_log=False,
            lifespan="off",
        )  # fmt: skip
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, name="kontor-probes", daemon=True)

    def start(self) -> None:
        """Listen; ``ProbeUnavailable`` when the address cannot be bound."""
        self._thread.start()
        deadline = time.monotonic() + STARTUP_SECONDS
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise ProbeUnavailable(f"the probes cannot listen on {self.address}")
            time.sleep(0.01)

    def stop(self) -> None:
        """Stop listening; waits briefly for the thread (a probe answers in milliseconds)."""
        self._server.should_exit = True
        self._thread.join(timeout=5)
