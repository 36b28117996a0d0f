"""One trace follows a request through the real processes: the API request, the command, the
event handlers and the service-task job, exported over OTLP/HTTP to a real receiver.

Embedded (SQLite): ``kontor serve`` runs everything. Scaled out (PostgreSQL + RabbitMQ): the
request is answered by ``kontor serve`` while ``kontor worker`` consumes the events and runs the
job, so the trace context crosses the outbox, the broker and the job table.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx2 as httpx
import pytest

from support.backends import AMQP_URL
from support.installed import KONTOR
from support.messaging import delete_broker_names, unique_broker_names, wait_for
from support.otlp import ReceivedSpan, TraceCollector, otlp_receiver
from support.server import Server, database_env, running_server
from support.traced_handlers import ECHO

pytestmark = pytest.mark.slow

MODEL = f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="traced" targetNamespace="http://kontor.test">
  <bpmn:process id="Traced" isExecutable="true">
    <bpmn:startEvent id="Start"/>
    <bpmn:sequenceFlow id="toEcho" sourceRef="Start" targetRef="Echo"/>
    <bpmn:serviceTask id="Echo">
      <bpmn:extensionElements><zeebe:taskDefinition type="{ECHO}"/></bpmn:extensionElements>
    </bpmn:serviceTask>
    <bpmn:sequenceFlow id="toEnd" sourceRef="Echo" targetRef="End"/>
    <bpmn:endEvent id="End"/>
  </bpmn:process>
</bpmn:definitions>
"""


def _tracing_env(otlp: str) -> dict[str, str]:
    tests = str(Path(__file__).parents[1])
    return {
        "KONTOR_OTLP_ENDPOINT": otlp,
        "KONTOR_PROCESS_TASK_HANDLER_MODULES": '["support.traced_handlers"]',
        "PYTHONPATH": tests,  # the handler module lives beside the tests
        "OTEL_BSP_SCHEDULE_DELAY": "100",  # export within a tenth of a second, not five
    }


@contextmanager
def _platform(tmp_path: Path, scaled_out: bool, otlp: str) -> Iterator[Server]:
    """``kontor serve`` alone on SQLite, or with a ``kontor worker`` on PostgreSQL + RabbitMQ."""
    if not scaled_out:
        with (
            database_env(tmp_path, "sqlite", **_tracing_env(otlp)) as env,
            running_server(env) as server,
        ):
            yield server
        return
    if not AMQP_URL:
        pytest.skip("RabbitMQ tests need KONTOR_TEST_AMQP_URL (CI sets it)")
    names = unique_broker_names()
    broker = {
        "KONTOR_BROKER_URL": AMQP_URL,
        "KONTOR_BROKER_EXCHANGE": names["broker_exchange"],
        "KONTOR_BROKER_QUEUE": names["broker_queue"],
    }
    with database_env(tmp_path, "postgres", **_tracing_env(otlp), **broker) as env:
        log = (tmp_path / "worker.log").open("wb")
        try:
            with running_server(env) as server:
                worker = subprocess.Popen(
                    [*KONTOR, "worker"], env=env, stdout=subprocess.DEVNULL, stderr=log
                )
                try:
                    yield server
                finally:
                    worker.terminate()
                    worker.wait(timeout=60)
        finally:
            log.close()
            delete_broker_names(AMQP_URL, names)


def _job_span(collector: TraceCollector) -> ReceivedSpan | None:
    return next((s for s in collector.spans() if s.name == f"job {ECHO}"), None)


def _started(client: httpx.Client) -> str:
    files = {"file": ("traced.bpmn", MODEL.encode(), "text/xml")}
    deployed = client.post("/api/process/definitions", files=files)
    assert deployed.status_code == 201, deployed.text
    started = client.post("/api/process/definitions/Traced/start", json={"variables": {}})
    assert started.status_code == 201, started.text
    instance_id: str = started.json()["instance_id"]
    return instance_id


@pytest.mark.parametrize("scaled_out", [False, True], ids=["embedded", "serve+worker"])
def test_one_trace_spans_the_request_the_handlers_and_the_workers_job(
    tmp_path: Path, scaled_out: bool
) -> None:
    with otlp_receiver() as (otlp, collector), _platform(tmp_path, scaled_out, otlp) as server:
        with server.client() as client:
            instance_id = _started(client)
            wait_for(
                lambda: (
                    client.get(f"/api/process/instances/{instance_id}").json()["status"]
                    == "completed"
                ),
                "the instance to complete",
            )
        wait_for(lambda: _job_span(collector) is not None, "the job's span to be exported")
        job = _job_span(collector)
        assert job is not None
        wait_for(
            lambda: any(s.name.startswith("handle ") for s in collector.trace(job.trace_id)),
            "the handlers' spans to be exported",
        )
        spans = collector.trace(job.trace_id)

    roots = [s for s in spans if not s.parent_span_id]
    assert len(roots) == 1, [s.name for s in roots]
    request = roots[0]
    assert request.role == "serve"
    assert request.name.startswith("POST"), request.name
    assert any(s.name.startswith("command ") and s.role == "serve" for s in spans)
    handler_roles = {s.role for s in spans if s.name.startswith("handle ")}
    expected_role = "worker" if scaled_out else "serve"
    assert expected_role in handler_roles
    assert job.role == expected_role
    if scaled_out:
        assert request.instance != job.instance  # two processes, one trace
