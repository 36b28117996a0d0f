"""The usage meter counts billable transactions per tenant and Berlin month, as they commit."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from typer.testing import CliRunner

from kontor.api import create_app
from kontor.bootstrap import Kontor, bootstrap
from kontor.cli import app, usage_cmd
from kontor.messaging import FakeClock
from kontor.platform import Principal
from kontor.process import CompleteUserTask, DeployProcess, StartProcess
from kontor.settings import Environment, Settings
from support.backends import BACKENDS

pytestmark = pytest.mark.parametrize("database_url", BACKENDS, indirect=True)

MODEL = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"'
    ' id="d" targetNamespace="http://t"><bpmn:process id="Claim" isExecutable="true">'
    '<bpmn:startEvent id="S"/><bpmn:userTask id="Review"/>'
    '<bpmn:sequenceFlow id="f1" sourceRef="S" targetRef="Review"/>'
    "</bpmn:process></bpmn:definitions>"
)
# 23:30 UTC on 31 January is already February in Berlin.
LATE_JANUARY_UTC = dt.datetime(2026, 1, 31, 23, 30, tzinfo=dt.UTC)


def _wired(engine: Engine, **settings: object) -> Kontor:
    kontor = bootstrap(
        Settings(environment=Environment.TEST, **settings),  # type: ignore[arg-type]
        clock=FakeClock(LATE_JANUARY_UTC),
        engine=engine,
    )
    for tenant in ("t1", "t2"):
        kontor.bus.handle(DeployProcess(tenant_id=tenant, bpmn_xml=MODEL))
    return kontor


def _usage(kontor: Kontor, month: str | None = None) -> list[tuple[str, str, str, int]]:
    assert kontor.usage is not None
    with kontor.engine.connect() as connection:
        rows = kontor.usage.usage(connection, month)
    return [(u.tenant_id, u.month, u.action, u.count) for u in rows]


def test_started_processes_count_per_tenant_and_berlin_month(engine: Engine) -> None:
    kontor = _wired(engine)
    for tenant, starts in (("t1", 3), ("t2", 1)):
        for _ in range(starts):
            kontor.bus.handle(StartProcess(tenant_id=tenant, process_key="Claim"))
    kontor.clock.advance(dt.timedelta(days=30))  # type: ignore[attr-defined]
    kontor.bus.handle_all(
        [
            StartProcess(tenant_id="t1", process_key="Claim"),
            CompleteUserTask(tenant_id="t1", instance_id="nobody", task_id="none"),
        ]
    )

    assert _usage(kontor) == [
        ("t1", "2026-02", "process.start", 3),
        ("t2", "2026-02", "process.start", 1),
        ("t1", "2026-03", "process.start", 1),
    ]
    assert _usage(kontor, "2026-03") == [("t1", "2026-03", "process.start", 1)]


def test_what_counts_is_a_setting(engine: Engine) -> None:
    kontor = _wired(engine, usage_billable_actions=["process.deploy"])
    kontor.bus.handle(StartProcess(tenant_id="t1", process_key="Claim"))

    assert _usage(kontor) == [
        ("t1", "2026-02", "process.deploy", 1),
        ("t2", "2026-02", "process.deploy", 1),
    ]


@pytest.fixture
def client(engine: Engine) -> Iterator[TestClient]:
    settings = Settings(environment=Environment.TEST)
    kontor = _wired(engine)
    for tenant in ("t1", "t2"):
        kontor.bus.handle(StartProcess(tenant_id=tenant, process_key="Claim"))
    with TestClient(create_app(settings, kontor)) as test_client:
        yield test_client


def test_a_tenant_reads_its_own_usage_and_the_operator_every_tenants(client: TestClient) -> None:
    broker = Principal("broker", "t1", permissions=frozenset({"usage:read"}))
    client.app.state.principal_provider = lambda _request: broker  # type: ignore[attr-defined]
    own = client.get("/api/usage", params={"month": "2026-02"})
    assert [(row["tenant_id"], row["count"]) for row in own.json()] == [("t1", 1)]
    assert client.get("/api/usage/tenants").status_code == 403
    assert client.get("/api/usage", params={"month": "2026-13"}).status_code == 422

    operator = Principal("operator", "operator", permissions=frozenset({"usage:read_all"}))
    client.app.state.principal_provider = lambda _request: operator  # type: ignore[attr-defined]
    every = client.get("/api/usage/tenants", params={"month": "2026-02"})
    assert [(row["tenant_id"], row["count"]) for row in every.json()] == [("t1", 1), ("t2", 1)]


def test_the_operator_reads_the_meter_on_the_command_line(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    kontor = _wired(engine)
    kontor.bus.handle(StartProcess(tenant_id="t2", process_key="Claim"))
    monkeypatch.setattr(
        usage_cmd, "bootstrap", lambda settings, **_: bootstrap(settings, engine=engine)
    )

    shown = CliRunner().invoke(app, ["usage", "show", "--month", "2026-02"])
    assert shown.exit_code == 0, shown.output
    assert json.loads(shown.output) == [
        {"tenant_id": "t2", "month": "2026-02", "action": "process.start", "count": 1}
    ]
    refused = CliRunner().invoke(app, ["usage", "show", "--month", "Feb"])
    assert refused.exit_code == 2
