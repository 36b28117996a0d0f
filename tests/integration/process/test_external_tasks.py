"""External task workers over HTTP: fetch and lock by topic, complete, fail, throw, take over."""

from __future__ import annotations

import datetime as dt
import threading
from typing import Any

import pytest
from fastapi.testclient import TestClient
from httpx2 import Response
from sqlalchemy import Engine, text

from kontor.api import create_app
from kontor.bootstrap import bootstrap
from kontor.messaging import FakeClock
from kontor.platform import ADMINISTRATORS, TenantKind
from kontor.process import TaskHandlers
from kontor.process.messages import CompleteExternalTask
from kontor.settings import Environment, Settings
from support.backends import BACKENDS
from support.identity import TEST_TENANT, api_caller
from support.messaging import WAIT_BOUND_SECONDS, wait_for
from support.process_world import chain, checked, model, process

on_every_backend = pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
on_postgres = pytest.mark.parametrize(
    "database_url", [pytest.param("postgres", id="postgres")], indirect=True
)

CHECKED = checked(retries=3)
PARALLEL = model(
    process(
        "Parallel",
        '<bpmn:startEvent id="S"/><bpmn:parallelGateway id="Fork"/>'
        '<bpmn:serviceTask id="Left"><bpmn:extensionElements>'
        '<zeebe:taskDefinition type="left"/></bpmn:extensionElements></bpmn:serviceTask>'
        '<bpmn:serviceTask id="Right"><bpmn:extensionElements>'
        '<zeebe:taskDefinition type="right"/></bpmn:extensionElements></bpmn:serviceTask>'
        '<bpmn:parallelGateway id="Join"/><bpmn:endEvent id="E"/>',
        chain("S", "Fork", "Left", "Join", "E"),
        chain("Fork", "Right", "Join"),
    )
)
MINUTE_MS = 60_000
TASKS = "/api/process/external-tasks"


class Workers:
    """The API of a wired Kontor on a fake clock, driven the way external workers drive it."""

    def __init__(self, engine: Engine) -> None:
        self.clock = FakeClock()
        self.handlers = TaskHandlers()
        settings = Settings(environment=Environment.TEST, secret_key="a-real-secret-for-tests")
        self.kontor = bootstrap(
            settings, clock=self.clock, engine=engine, task_handlers=self.handlers
        )
        self.client = TestClient(create_app(settings, self.kontor))
        self.client.headers.update(api_caller(self.kontor).headers)

    def deploy(self, xml: str) -> None:
        response = self.client.post("/api/process/definitions", content=xml)
        assert response.status_code == 201, response.json()

    def start(self, key: str, **body: Any) -> str:
        response = self.client.post(f"/api/process/definitions/{key}/start", json=body)
        assert response.status_code == 201, response.json()
        return str(response.json()["instance_id"])

    def fetch(
        self, worker: str, *topics: str, max_tasks: int = 10, lock_ms: int = MINUTE_MS, **more: Any
    ) -> list[dict[str, Any]]:
        body = {
            "worker_id": worker,
            "max_tasks": max_tasks,
            "topics": [
                {"name": t, "lock_duration_ms": lock_ms, **more} for t in topics or ["check"]
            ],
        }
        response = self.client.post(f"{TASKS}/fetch-and-lock", json=body)
        assert response.status_code == 200, response.json()
        tasks: list[dict[str, Any]] = response.json()
        return tasks

    def report(self, job_id: str, action: str, **body: Any) -> Response:
        return self.client.post(f"{TASKS}/{job_id}/{action}", json=body)

    def instance(self, instance_id: str) -> dict[str, Any]:
        response = self.client.get(f"/api/process/instances/{instance_id}")
        assert response.status_code == 200, response.json()
        shown: dict[str, Any] = response.json()
        return shown

    def completed_elements(self, instance_id: str) -> list[str]:
        activities = self.client.get(f"/api/process/instances/{instance_id}/activities").json()
        return [a["element_id"] for a in activities if a["outcome"] == "completed"]


@pytest.fixture
def workers(engine: Engine) -> Workers:
    return Workers(engine)


@on_every_backend
def test_two_workers_fetch_disjoint_tasks_with_their_input(workers: Workers) -> None:
    workers.deploy(CHECKED)
    started = {workers.start("Checked", variables={"claim": n, "note": "x"}) for n in range(3)}
    first = workers.fetch("w1", max_tasks=2, variables=["claim"])
    second = workers.fetch("w2", max_tasks=2)
    assert (len(first), len(second)) == (2, 1)
    assert {t["instance_id"] for t in first + second} == started
    assert workers.fetch("w3") == []
    task = first[0]
    assert (task["topic"], task["element_id"], task["retries"]) == ("check", "Check", 3)
    assert (task["process_key"], task["headers"]) == ("Checked", {"rule": "strict"})
    assert set(task["variables"]) == {"claim"}
    assert set(second[0]["variables"]) == {"claim", "note"}
    assert task["locked_until"].startswith("2026-01-01T00:01:00")


@on_every_backend
def test_an_expired_lock_lets_another_worker_take_over_and_refuses_the_late_one(
    workers: Workers,
) -> None:
    workers.deploy(CHECKED)
    instance = workers.start("Checked")
    [task] = workers.fetch("w1")
    workers.clock.advance(dt.timedelta(seconds=30))
    assert workers.fetch("w2") == []  # still locked
    extended = workers.report(
        task["job_id"], "extend-lock", worker_id="w1", new_duration_ms=MINUTE_MS
    )
    assert extended.json()["locked_until"].startswith("2026-01-01T00:01:30")
    workers.clock.advance(dt.timedelta(seconds=90))
    [again] = workers.fetch("w2")
    assert (again["job_id"], again["idempotency_key"]) == (task["job_id"], task["idempotency_key"])
    late = workers.report(task["job_id"], "complete", worker_id="w1", variables={"ok": False})
    assert (late.status_code, late.json()["code"]) == (409, "process.external_task_not_locked")
    assert "w1" in late.json()["detail"]
    done = workers.report(again["job_id"], "complete", worker_id="w2", variables={"ok": True})
    assert done.status_code == 204
    shown = workers.instance(instance)
    assert (shown["status"], shown["variables"], shown["jobs"]) == ("completed", {"ok": True}, [])
    gone = workers.report(task["job_id"], "complete", worker_id="w2")
    assert (gone.status_code, gone.json()["code"]) == (404, "process.external_task_not_found")


@on_every_backend
def test_a_failure_with_retries_offers_the_task_again_after_the_timeout(workers: Workers) -> None:
    workers.deploy(CHECKED)
    instance = workers.start("Checked")
    [task] = workers.fetch("w1")
    failed = workers.report(
        task["job_id"], "failure", worker_id="w1", error_message="scoring service down",
        retries=2, retry_timeout_ms=MINUTE_MS,
    )  # fmt: skip
    assert failed.status_code == 204
    [job] = workers.instance(instance)["jobs"]
    assert (job["retries"], job["error_message"], job["lock_owner"]) == (
        2, "scoring service down", None
    )  # fmt: skip
    assert workers.fetch("w1") == []
    workers.clock.advance(dt.timedelta(minutes=1))
    [retry] = workers.fetch("w2")
    assert (retry["job_id"], retry["retries"]) == (task["job_id"], 2)
    assert retry["idempotency_key"] == task["idempotency_key"]
    assert workers.report(retry["job_id"], "complete", worker_id="w2").status_code == 204
    assert workers.instance(instance)["status"] == "completed"


@on_every_backend
def test_a_failure_without_retries_raises_an_incident(workers: Workers) -> None:
    workers.deploy(CHECKED)
    instance = workers.start("Checked")
    [task] = workers.fetch("w1")
    failed = workers.report(
        task["job_id"], "failure", worker_id="w1", error_message="policy 4711 unknown", retries=0
    )
    assert failed.status_code == 204
    shown = workers.instance(instance)
    [incident] = shown["incidents"]
    assert incident["element_id"] == "Check"
    assert "policy 4711 unknown" in incident["reason"]
    assert shown["jobs"][0]["error_message"] == "policy 4711 unknown"
    workers.clock.advance(dt.timedelta(days=1))
    assert workers.fetch("w1") == []  # parked until the incident is resolved


@on_every_backend
def test_a_bpmn_error_takes_the_boundary_path(workers: Workers) -> None:
    workers.deploy(CHECKED)
    instance = workers.start("Checked")
    [task] = workers.fetch("w1")
    thrown = workers.report(
        task["job_id"], "bpmn-error", worker_id="w1", error_code="REJECTED",
        message="not insured", variables={"why": "no cover"},
    )  # fmt: skip
    assert thrown.status_code == 204
    shown = workers.instance(instance)
    assert (shown["status"], shown["variables"]) == ("completed", {"why": "no cover"})
    assert workers.completed_elements(instance)[-2:] == ["OnRejected", "Refused"]


@on_every_backend
def test_types_with_an_in_process_handler_are_not_offered(workers: Workers) -> None:
    workers.handlers.register("left", lambda variables, headers: {"left": True})
    workers.deploy(PARALLEL)
    workers.start("Parallel")
    [task] = workers.fetch("w1", "left", "right")
    assert task["topic"] == "right"


@on_every_backend
def test_workers_see_only_their_tenants_tasks(workers: Workers) -> None:
    workers.deploy(CHECKED)
    workers.start("Checked")
    [task] = workers.fetch("w1")
    other = api_caller(workers.kontor, "makler-b", kind=TenantKind.INSURER, group=ADMINISTRATORS)
    workers.client.headers.update(other.headers)
    assert workers.fetch("w2") == []
    foreign = workers.report(task["job_id"], "complete", worker_id="w1")
    assert foreign.status_code == 404


@on_every_backend
def test_bad_reports_are_problems_naming_the_field(workers: Workers) -> None:
    no_topics = workers.client.post(
        f"{TASKS}/fetch-and-lock", json={"worker_id": "w1", "topics": []}
    )
    assert no_topics.status_code == 422
    assert no_topics.json()["errors"][0]["location"] == "body.topics"
    negative = workers.report("job-1", "failure", worker_id="w1", error_message="x", retries=-1)
    assert negative.json()["errors"][0]["location"] == "body.retries"


@on_postgres
def test_a_completion_is_applied_again_when_another_branch_moved_the_instance(
    workers: Workers, engine: Engine
) -> None:
    workers.deploy(PARALLEL)
    instance = workers.start("Parallel")
    tasks = {task["topic"]: task for task in workers.fetch("w1", "left", "right")}
    bus = workers.kontor.bus
    other_branch = workers.kontor.registry.command_handler(CompleteExternalTask.type_name)
    answers: list[object] = []

    def complete_left() -> None:
        command = CompleteExternalTask(
            tenant_id=TEST_TENANT, job_id=tasks["left"]["job_id"], worker_id="w1",
            variables={"left": "done"},
        )  # fmt: skip
        try:
            answers.append(bus.handle(command))
        except Exception as error:  # reported by the assertion below
            answers.append(error)

    with bus.unit_of_work() as uow:
        right = CompleteExternalTask(
            tenant_id=TEST_TENANT, job_id=tasks["right"]["job_id"], worker_id="w1",
            variables={"right": "done"},
        )  # fmt: skip
        other_branch(right, uow)
        worker = threading.Thread(target=complete_left)
        worker.start()
        _wait_until_a_session_waits_for(
            uow.connection.execute(text("SELECT pg_backend_pid()")).scalar_one(), engine
        )
        uow.commit()
    worker.join(timeout=WAIT_BOUND_SECONDS)
    assert answers == [None]
    shown = workers.instance(instance)
    assert (shown["status"], shown["variables"]) == ("completed", {"left": "done", "right": "done"})


def _wait_until_a_session_waits_for(holder: int, engine: Engine) -> None:
    """Wait until some session waits for a lock held by the session with pid ``holder``."""
    blocked = text(
        "SELECT count(*) FROM pg_stat_activity WHERE :holder = ANY(pg_blocking_pids(pid))"
    )

    def a_statement_waits() -> bool:
        with engine.connect() as connection:  # a new transaction: activity is not cached
            return bool(connection.execute(blocked, {"holder": holder}).scalar_one())

    wait_for(a_statement_waits, "the worker's completion to wait for the instance's lock")
