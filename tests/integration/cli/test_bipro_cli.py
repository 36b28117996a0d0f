"""``kontor bipro``: list accesses without passwords, poll one now, list the inbox."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine
from typer.testing import CliRunner

from kontor.bootstrap import Kontor
from kontor.bootstrap import bootstrap as real_bootstrap
from kontor.cli import app, bipro_cmd
from kontor.integration.bipro import (
    BiproClient,
    BiproTransportError,
    ClientPolicy,
    Portal,
    ProviderMock,
    demo_shipments,
    provider_mock,
)
from kontor.integration.bipro.accesses import AccessDraft
from kontor.messaging import FakeClock
from kontor.settings import Settings
from support.http_servers import serving
from support.messaging import WAIT_BOUND_SECONDS, wait_for

PASSWORD = "cli-geheim-0815"


@pytest.fixture
def kontor(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> Kontor:
    clock = FakeClock()

    def test_bootstrap(settings: Settings, **_: object) -> Kontor:
        return real_bootstrap(settings, engine=engine, clock=clock)

    monkeypatch.setattr(bipro_cmd, "bootstrap", test_bootstrap)
    return test_bootstrap(Settings())


@pytest.fixture
def provider() -> Iterator[tuple[ProviderMock, str]]:
    mock = provider_mock({"makler": PASSWORD}, demo_shipments())
    with serving(mock.app()) as base:
        yield mock, base


def run(*args: str) -> tuple[int, object]:
    result = CliRunner().invoke(app, list(args))
    output = json.loads(result.stdout) if result.exit_code == 0 else result.stderr
    return result.exit_code, output


def test_the_bipro_commands_list_poll_and_show_the_inbox(
    kontor: Kontor, provider: tuple[ProviderMock, str]
) -> None:
    mock, base = provider
    assert kontor.integration is not None
    assert kontor.integration.bipro is not None
    draft = AccessDraft("Portal", "Beispiel AG", f"{base}/sts", f"{base}/transfer", "makler",
                        PASSWORD)  # fmt: skip
    with kontor.bus.unit_of_work() as uow:
        access = kontor.integration.bipro.create(uow, "dev", draft, "owner-1")
        uow.commit()
    kontor.stop()

    code, listed = run("bipro", "accesses", "--tenant", "dev")
    assert code == 0
    assert [a["name"] for a in listed] == ["Portal"]  # type: ignore[union-attr]
    assert PASSWORD not in json.dumps(listed)

    code, polled = run("bipro", "poll", access.access_id, "--tenant", "dev")
    assert code == 0, polled
    assert polled["imported"] == ["L-2026-0001", "L-2026-0002", "L-2026-0003"]  # type: ignore[index]
    assert mock.pending("makler") == []

    code, inbox = run("bipro", "inbox", "--tenant", "dev")
    assert code == 0
    assert len(inbox) == 3  # type: ignore[arg-type]

    code, error = run("bipro", "poll", "no-such-access", "--tenant", "dev")
    assert code == 1
    assert "no portal access 'no-such-access'" in str(error)


def test_kontor_bipro_mock_serves_the_demo_shipments(tmp_path: Path) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    command = [sys.executable, "-m", "kontor.cli", "bipro", "mock", "--port", str(port)]
    environment = {**os.environ, "KONTOR_BIPRO_MOCK_PASSWORD": PASSWORD}
    server = subprocess.Popen(command, env=environment, cwd=tmp_path, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    portal = Portal(f"{base}/sts", f"{base}/transfer", "makler", PASSWORD)
    try:
        with BiproClient(portal, ClientPolicy(allow_private=True)) as client:
            wait_for(lambda: _answers(client), "the provider mock to answer")
            assert [s.shipment_id for s in client.list_shipments()] == [
                "L-2026-0001", "L-2026-0002", "L-2026-0003",
            ]  # fmt: skip
    finally:
        server.terminate()
        server.wait(timeout=WAIT_BOUND_SECONDS)


def _answers(client: BiproClient) -> bool:
    try:
        client.token()
    except BiproTransportError:
        return False
    return True
