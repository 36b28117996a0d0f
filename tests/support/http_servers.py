"""Real local HTTP servers for tests: any ASGI app served by uvicorn in a thread."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import uvicorn

from support.messaging import wait_for


@contextmanager
def serving(app: Any) -> Iterator[str]:
    """Serve ``app`` on a free port of 127.0.0.1 while the block runs; yields its base URL."""
    config = uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="test-http-server", daemon=True)
    thread.start()
    wait_for(lambda: server.started or not thread.is_alive(), "the test HTTP server to start")
    assert server.started, "the test HTTP server did not start"
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join()
