"""The app tests' Kontor: a fake clock inside the calculation window, and a client of its API."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from kontor.bootstrap import Kontor
from kontor.messaging import FakeClock
from support.kontor_app import app_client, kontor_on
from support.transfer import INSIDE_WINDOW


@pytest.fixture
def kontor(engine: Engine) -> Kontor:
    """A Kontor whose clock stands at 09:00 Berlin on a Monday (inside the window)."""
    return kontor_on(engine, FakeClock(INSIDE_WINDOW))


@pytest.fixture
def client(kontor: Kontor) -> Iterator[TestClient]:
    """A started test client of the API."""
    with app_client(kontor) as test_client:
        yield test_client
