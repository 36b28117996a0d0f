"""A wired Kontor on a fake clock, served over real HTTP, with callers in two tenants."""

from __future__ import annotations

from collections.abc import Iterator

import httpx2 as httpx
import pytest
from sqlalchemy import Engine

from kontor.bootstrap import Kontor, bootstrap
from kontor.messaging import FakeClock
from kontor.settings import Environment, Settings
from kontor.web import create_app
from support.http_servers import serving
from support.messaging import WAIT_BOUND_SECONDS


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def kontor(engine: Engine, clock: FakeClock) -> Iterator[Kontor]:
    settings = Settings(
        environment=Environment.TEST,
        secret_key="a-real-secret-for-tests",
        webhook_disable_after_failures=4,
        webhook_retry_base_seconds=10,
        webhook_retry_max_seconds=60,
    )
    wired = bootstrap(settings, engine=engine, clock=clock)
    yield wired
    assert wired.integration is not None
    wired.integration.close()


@pytest.fixture
def kontor_url(kontor: Kontor) -> Iterator[str]:
    """The Kontor served over real HTTP, where inbound webhooks arrive."""
    with serving(create_app(kontor.settings, kontor)) as base:
        yield base


@pytest.fixture
def client(kontor_url: str) -> Iterator[httpx.Client]:
    """A client of the served Kontor."""
    with httpx.Client(base_url=kontor_url, timeout=WAIT_BOUND_SECONDS) as http:
        yield http
