"""The abuse tier: hostile or careless input sent to a real ``kontor serve``.

Each case is one test taking ``abused`` (a running server on SQLite, and on PostgreSQL when
``KONTOR_TEST_POSTGRES_URL`` is set, with the ``Wait`` process and the ``risk`` decision
deployed). It asserts the exact answer, that nothing was stored (``abused.row_counts()`` before
and after) and, where the abuse takes time, that ``abused.assert_responsive()`` passes while
it is still in progress. Sizes stay bounded so the tier runs in well under two minutes.

A module that needs other settings for its server names them in ``SERVER_SETTINGS`` (a dict of
``KONTOR_…`` environment variables). A case needing its own model deploys it first
(``abused.deploy(xml)``, BPMN or DMN) under a process or decision id of its own, so that cases
sharing the module's server stay independent.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from support.abuse import PATIENCE, AbusedServer
from support.dmn import risk_xml
from support.models import WAIT
from support.server import database_env, running_server


def server_settings(request: pytest.FixtureRequest) -> dict[str, str]:
    """The module's ``SERVER_SETTINGS`` (environment variables), e.g. a smaller limit."""
    settings: dict[str, str] = getattr(request.module, "SERVER_SETTINGS", {})
    return settings


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def abused(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[AbusedServer]:
    """A running server with a waiting process and a decision deployed."""
    data_dir = tmp_path_factory.mktemp("abuse")
    with (
        database_env(data_dir, request.param, **server_settings(request)) as env,
        running_server(env) as server,
        server.client(timeout=PATIENCE) as client,
    ):
        url = env.get("KONTOR_DATABASE_URL") or f"sqlite:///{data_dir / 'kontor.db'}"
        abused = AbusedServer(server, client, url)
        abused.deploy(WAIT)
        abused.deploy(risk_xml())
        yield abused
