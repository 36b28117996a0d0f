"""A Kontor for tests on a test engine and a client of its app: the setup most API tests share."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from kontor.api import create_app
from kontor.bootstrap import Kontor, bootstrap
from kontor.messaging import FakeClock
from kontor.settings import Environment, Settings
from kontor.web import create_app as create_ui_app

TEST_SECRET = "a-real-secret-for-tests"


def testing_settings(**overrides: Any) -> Settings:
    """Settings of the test environment with a fixed secret, plus ``overrides``."""
    return Settings(environment=Environment.TEST, secret_key=TEST_SECRET, **overrides)


def kontor_on(engine: Engine, clock: FakeClock | None = None, **overrides: Any) -> Kontor:
    """A Kontor on ``engine`` with a fake clock (``clock`` or a new one) and test settings."""
    return bootstrap(testing_settings(**overrides), engine=engine, clock=clock or FakeClock())


@contextmanager
def app_client(kontor: Kontor, *, pages: bool = False) -> Iterator[TestClient]:
    """A started test client of ``kontor``'s API (with ``pages``: and the browser UI's pages)."""
    app = (create_ui_app if pages else create_app)(kontor.settings, kontor)
    with TestClient(app) as client:
        yield client
