"""Notifications arrive live over Server-Sent Events from a real server: woken in-process, or
found by the stream's poll when another process wrote them; never another user's."""

from __future__ import annotations

import datetime as dt
import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import httpx2 as httpx
import pytest
import uvicorn
from sqlalchemy import Engine

from kontor.api import create_app
from kontor.bootstrap import Kontor, bootstrap
from kontor.messaging import FakeClock
from kontor.platform import ADMINISTRATORS, TenantKind, deactivate_user
from kontor.process.messages import IncidentRaised
from kontor.settings import Environment, Settings
from support.backends import BACKENDS
from support.identity import Caller, api_caller

pytestmark = pytest.mark.parametrize("database_url", BACKENDS, indirect=True)

INSURER, OTHER = "versicherer", "andere-versicherung"
BOUND = 30.0  # seconds; generous: a missing event fails the test, a slow machine does not
START = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


def wired(engine: Engine, poll_seconds: float) -> Kontor:
    """A Kontor process on ``engine`` whose streams poll every ``poll_seconds``."""
    settings = Settings(environment=Environment.TEST, notification_poll_seconds=poll_seconds)
    return bootstrap(settings, clock=FakeClock(START), engine=engine)


@contextmanager
def serve(kontor: Kontor) -> Iterator[str]:
    """Serve ``kontor``'s API over HTTP on a free local port for the block."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    app = create_app(kontor.settings, kontor)
    config = uvicorn.Config(
        app, host="127.0.0.1", port=port, log_level="warning", timeout_graceful_shutdown=5
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + BOUND
    while not server.started:  # waits for the event "listening"; the bound only stops a hang
        assert thread.is_alive(), "the server stopped while starting"
        assert time.monotonic() < deadline, "the server did not start"
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(BOUND)


def incident(reason: str, tenant_id: str = INSURER) -> IncidentRaised:
    """A process incident in ``tenant_id`` that notifies its administrators."""
    return IncidentRaised(
        tenant_id=tenant_id, instance_id="i-1", process_key="Order", incident_id="inc-1",
        element_id="Book", reason=reason,
    )  # fmt: skip


def admin(kontor: Kontor, login: str, tenant_id: str = INSURER) -> Caller:
    """An administrator of an insurer tenant."""
    return api_caller(kontor, tenant_id, kind=TenantKind.INSURER, group=ADMINISTRATORS, login=login)


def events_of(response: httpx.Response) -> Callable[[], dict[str, Any]]:
    """A reader of the next notification (its id and data) from an SSE response."""
    lines = response.iter_lines()

    def next_event() -> dict[str, Any]:
        event: dict[str, Any] = {}
        for line in lines:
            field, _, value = line.partition(":")
            if field in ("id", "data", "event"):
                event[field] = value.strip()
            elif line == "" and "data" in event:
                return {"id": event["id"], **json.loads(event["data"])}
        raise AssertionError("the stream ended")

    return next_event


@pytest.fixture
def kontor(engine: Engine) -> Kontor:
    # no poll within the bound: what arrives was woken in-process
    return wired(engine, poll_seconds=3600)


@pytest.fixture
def server(kontor: Kontor) -> Iterator[str]:
    with serve(kontor) as base:
        yield base


def test_an_event_reaches_the_right_user_live_and_no_one_elses(kontor: Kontor, server: str) -> None:
    mine = admin(kontor, "admin@versicherer.test")
    foreign = admin(kontor, "admin@andere.test", OTHER)
    kontor.bus.publish(incident("waiting before the stream opened"))

    with httpx.Client(base_url=server, timeout=BOUND) as client:
        stream = client.stream("GET", "/api/notifications/stream", headers=mine.headers)
        with stream as response:
            assert response.status_code == 200
            assert response.headers["content-type"].startswith("text/event-stream")
            next_event = events_of(response)
            assert next_event()["subject"].endswith("waiting before the stream opened")

            kontor.bus.publish(incident("another tenant's", OTHER))
            kontor.bus.publish(incident("live"))
            live = next_event()
            assert live["subject"].endswith("live")  # the other tenant's never came
            assert live["kind"] == "process.incident_raised"
        [listed_for_foreign] = client.get("/api/notifications", headers=foreign.headers).json()
        assert listed_for_foreign["subject"].endswith("another tenant's")

        # a reconnecting browser resumes after the last event it got
        kontor.bus.publish(incident("after reconnecting"))
        resume = {**mine.headers, "Last-Event-ID": live["id"]}
        with client.stream("GET", "/api/notifications/stream", headers=resume) as response:
            assert events_of(response)()["subject"].endswith("after reconnecting")


def test_a_notification_written_by_another_process_arrives_by_polling(engine: Engine) -> None:
    api = wired(engine, poll_seconds=0.2)
    worker = wired(engine, poll_seconds=0.2)  # its own in-process hub: no wake reaches the API
    mine = admin(api, "admin@versicherer.test")

    with (
        serve(api) as base,
        httpx.Client(base_url=base, timeout=BOUND) as client,
        client.stream("GET", "/api/notifications/stream", headers=mine.headers) as response,
    ):
        worker.bus.publish(incident("from the worker"))
        assert events_of(response)()["subject"].endswith("from the worker")


def test_the_stream_ends_when_its_user_is_deactivated(engine: Engine) -> None:
    api = wired(engine, poll_seconds=0.2)
    mine = admin(api, "admin@versicherer.test")

    with (
        serve(api) as base,
        httpx.Client(base_url=base, timeout=BOUND) as client,
        client.stream("GET", "/api/notifications/stream", headers=mine.headers) as response,
    ):
        with api.bus.unit_of_work() as uow:
            deactivate_user(uow, INSURER, mine.principal.user_id, actor=None)
            uow.commit()
        # the server closes the stream; one left open would send pings past the bound
        deadline = time.monotonic() + BOUND
        for _ in response.iter_lines():
            assert time.monotonic() < deadline, "the stream stayed open"
        assert response.is_closed
