"""Camunda 7's official external-task clients run unchanged against a real Kontor server."""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx2 as httpx
import pytest

from support.camunda7 import INVOICE_WITH_APPROVAL
from support.messaging import WAIT_BOUND_SECONDS, wait_for
from support.server import Server, kontor_env, running_server

SUPPORT = Path(__file__).resolve().parents[1] / "support"
NODE_CLIENT = SUPPORT.parents[1] / "node_modules" / "camunda-external-task-client-js"


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    with running_server(kontor_env(tmp_path)) as running:
        yield running


def worker_command(client: str) -> list[str]:
    """How to start the worker written with ``client`` (skips when the client is missing)."""
    if client == "python":
        if importlib.util.find_spec("camunda") is None:
            pytest.skip("camunda-external-task-client-python3 is not installed (dev extra)")
        return [sys.executable, str(SUPPORT / "camunda7_python_worker.py")]
    node = shutil.which("node")
    if node is None or not NODE_CLIENT.is_dir():
        pytest.skip("Node.js or camunda-external-task-client-js (npm ci) is missing")
    return [node, str(SUPPORT / "camunda7_node_worker.mjs")]


def start_invoices(api: httpx.Client, *outcomes: str) -> dict[str, str]:
    """Deploy the invoice model (JUEL routing) and start one invoice per outcome; ids by outcome."""
    deployed = api.post("/api/process/definitions", content=INVOICE_WITH_APPROVAL,
                        headers={"content-type": "application/xml"})  # fmt: skip
    assert deployed.status_code in (200, 201), deployed.text
    started = {}
    for outcome in outcomes:
        body = {"variables": {"outcome": outcome}, "business_key": f"R-{outcome}"}
        answer = api.post("/api/process/definitions/invoice/start", json=body)
        assert answer.status_code == 201, answer.text
        started[outcome] = answer.json()["instance_id"]
    return started


def instance(api: httpx.Client, instance_id: str) -> dict[str, Any]:
    shown: dict[str, Any] = api.get(f"/api/process/instances/{instance_id}").json()
    return shown


@pytest.mark.parametrize(
    ("client", "types"),
    [("python", ("Double", "Date")), ("node", ("double", "date"))],  # as each client reports
)
def test_an_official_client_completes_fails_and_throws_bpmn_errors(
    server: Server, client: str, types: tuple[str, str]
) -> None:
    command = worker_command(client)
    token = server.headers["Authorization"].removeprefix("Bearer ")
    with server.client() as api:
        ids = start_invoices(api, "complete", "fail", "error")
        worker = subprocess.Popen(
            [*command, f"{server.base}/engine-rest", token, f"{client}-1"],
            env=server.env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
        )  # fmt: skip
        try:
            assert worker.stdout is not None
            assert worker.stdout.readline().strip() == "subscribed"

            def settled() -> bool:
                done = instance(api, ids["complete"])["status"] == "completed"
                caught = instance(api, ids["error"])["status"] == "completed"
                return done and caught and bool(instance(api, ids["fail"])["incidents"])

            wait_for(settled, f"the {client} worker to settle all three invoices")
        finally:
            worker.terminate()
            worker.wait(timeout=WAIT_BOUND_SECONDS)
            if worker.stdout:
                worker.stdout.close()
        completed = instance(api, ids["complete"])["variables"]
        assert completed["approved"] is True
        assert completed["fee"] == 19.99
        assert completed["amountCents"] == 2**40
        assert completed["checkedAt"] in (
            "2026-06-30T21:44:30.000+02:00", "2026-06-30T19:44:30.000+00:00"
        )  # fmt: skip
        assert (completed["feeType"], completed["feeSeen"]) == (types[0], 19.99)
        assert completed["checkedAtType"] == types[1]
        assert completed["worker"] == f"{client}-1"
        caught = instance(api, ids["error"])
        assert caught["variables"]["reason"] == "budget"
        assert "approved" not in caught["variables"]
        [incident] = instance(api, ids["fail"])["incidents"]
        assert "Buchhaltung nicht erreichbar" in incident["reason"]
        [failed] = api.get("/engine-rest/external-task", params={"noRetriesLeft": "true"}).json()
        assert (failed["processInstanceId"], failed["retries"]) == (ids["fail"], 0)
        assert failed["businessKey"] == "R-fail"
