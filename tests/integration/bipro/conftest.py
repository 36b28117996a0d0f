"""A wired Kontor on a fake clock, a broker of it, and the shipped BiPRO provider mock served
over real HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from kontor.bootstrap import Kontor, bootstrap
from kontor.integration.bipro import ProviderMock, demo_shipments, provider_mock
from kontor.messaging import FakeClock
from kontor.platform import BROKERS, TenantKind
from kontor.settings import Environment, Settings
from kontor.web import create_app
from support.http_servers import serving
from support.identity import Caller, api_caller

PASSWORD = "streng-geheim-4711"


@pytest.fixture
def mock() -> ProviderMock:
    return provider_mock({"makler-1": PASSWORD}, demo_shipments())


@pytest.fixture
def provider(mock: ProviderMock) -> Iterator[str]:
    """The base URL of the served provider mock."""
    with serving(mock.app()) as url:
        yield url


@pytest.fixture
def kontor(engine: Engine) -> Iterator[Kontor]:
    settings = Settings(environment=Environment.TEST, secret_key="a-real-secret-for-tests")
    wired = bootstrap(settings, engine=engine, clock=FakeClock())
    yield wired
    assert wired.integration is not None
    wired.integration.close()


@pytest.fixture
def client(kontor: Kontor) -> Iterator[TestClient]:
    with TestClient(create_app(kontor.settings, kontor)) as test_client:
        yield test_client


@pytest.fixture
def broker(kontor: Kontor) -> Caller:
    """A user of the broker group of a broker tenant (which holds bipro:read and :write)."""
    return api_caller(kontor, "makler-b", kind=TenantKind.BROKER, group=BROKERS)


def access_body(provider: str, **changes: Any) -> dict[str, Any]:
    """A portal access at the provider mock."""
    return {
        "name": "Beispiel Leben",
        "insurer": "Beispiel Lebensversicherung AG",
        "sts_url": f"{provider}/sts",
        "transfer_url": f"{provider}/transfer",
        "username": "makler-1",
        "password": PASSWORD,
        **changes,
    }
