"""Issue 14, first acceptance point, through the message bus.

A BPMN process with two user tasks and a boundary timer: the first task is routed by the
decision bound to ``task.created``, delegated, resolved and completed; the second misses its
completion deadline on the fake clock and is escalated by the decision bound to
``task.deadline_missed``; rebinding ``task.created`` routes the next instance's task
differently without a restart; the case timeline shows every step in order with actors and
decision explanations. In-process on SQLite and PostgreSQL, and on PostgreSQL with the
RabbitMQ transport and two workers.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from kontor import db
from kontor.bootstrap import Kontor, bootstrap, load_schema
from kontor.casework.cases import Case, OpenCase, Timeline
from kontor.casework.tasks import Task, TaskState, TaskStore, WorkOnTask
from kontor.casework.tasks.tables import tasks
from kontor.messaging import Command, FakeClock
from kontor.process import DeployProcess, StartProcess
from kontor.process.store import InstanceStore
from kontor.settings import Settings
from support.backends import (
    AMQP_URL,
    POSTGRES_URL,
    create_postgres_schema,
    drop_postgres_schema,
    postgres_url_with_schema,
    sqlite_url,
)
from support.cases import case_types
from support.decisions import bind, decision_table
from support.messaging import delete_broker_names, undispatched, unique_broker_names, wait_for
from support.process_world import chain, model, process

TENANT = "t1"
START = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
APPLICATION = model(
    process(
        "Antrag",
        '<bpmn:startEvent id="S"/><bpmn:userTask id="Review" name="Antrag prüfen"/>'
        '<bpmn:userTask id="Issue" name="Police ausstellen"><bpmn:extensionElements>'
        '<zeebe:taskSchedule dueDate="=issue_due"/></bpmn:extensionElements></bpmn:userTask>'
        '<bpmn:boundaryEvent id="Expiry" attachedToRef="Issue"><bpmn:timerEventDefinition>'
        "<bpmn:timeDuration>P1D</bpmn:timeDuration></bpmn:timerEventDefinition>"
        '</bpmn:boundaryEvent><bpmn:endEvent id="Issued"/><bpmn:endEvent id="Expired"/>',
        chain("S", "Review", "Issue", "Issued"),
        chain("Expiry", "Expired"),
    )
)
ROUTING = decision_table(
    "routing", "Zuständigkeit", "variables.amount", "number",
    [("candidateGroups", "string"), ("priority", "number")],
    [("> 10000", ['"seniors"', "80"]), ("-", ['"claims"', "40"])],
)  # fmt: skip
NEW_ROUTING = decision_table(
    "routing_new", "Zuständigkeit neu", "variables.amount", "number",
    [("candidateGroups", "string"), ("priority", "number")],
    [("-", ['"triage"', "10"])],
)  # fmt: skip
ESCALATION = decision_table(
    "escalation", "Eskalation", "kind", "string",
    [("assignee", "string"), ("priority", "number")],
    [('"completion"', ['"chef"', "95"]), ("-", ["null", "60"])],
)  # fmt: skip


@dataclass
class Deployment:
    """Kontor as deployed: one process, or several workers sharing the database and broker."""

    workers: list[Kontor]
    clock: FakeClock

    def __post_init__(self) -> None:
        self._turn = itertools.cycle(self.workers)

    def handle(self, command: Command) -> Any:
        """Handle a command on the next worker and wait until everything it caused is done."""
        result = next(self._turn).bus.handle(command)
        self.settle()
        return result

    def settle(self) -> None:
        """Return once every committed message has been delivered."""
        engine = self.workers[0].engine
        wait_for(lambda: undispatched(engine) == 0, "the outbox to drain")

    def later(self, delta: dt.timedelta) -> None:
        """Let time pass; every worker runs its background round (timers, process jobs)."""
        self.clock.advance(delta)
        for _ in range(2):  # a fired timer's consequences may schedule more due work
            for worker in self.workers:
                worker.background_round()
            self.settle()

    def work(self, task_id: str, operation: str, actor: str, **arguments: Any) -> Task:
        command = WorkOnTask(
            tenant_id=TENANT, actor=actor, actor_groups=["seniors"], task_id=task_id,
            operation=operation, arguments=arguments,
        )  # fmt: skip
        task: Task = self.handle(command)
        return task

    def task(self, instance_id: str, name: str) -> tuple[Task, list[str]]:
        """The task called ``name`` of a process instance, and its history's operations."""
        with self.workers[0].bus.unit_of_work() as uow:
            [task_id] = uow.connection.execute(
                select(tasks.c.task_id).where(
                    tasks.c.process_instance_id == instance_id, tasks.c.name == name
                )
            ).scalars()
            store = TaskStore(uow.connection, TENANT)
            task, _ = store.get(task_id)
            return task, [entry.operation for entry in store.history(task_id)]

    def timeline(self, case_id: str) -> list[tuple[str, str | None, dict[str, Any]]]:
        with self.workers[0].bus.unit_of_work() as uow:
            entries = Timeline(uow.connection, TENANT).entries(case_id)
        return [(e.kind, e.actor, dict(e.details)) for e in entries]

    def instance_status(self, instance_id: str) -> str:
        with self.workers[0].bus.unit_of_work() as uow:
            return InstanceStore(uow.connection, TENANT).get(instance_id).status.value


TRANSPORTS = [
    pytest.param(("sqlite", "inprocess", 1), id="sqlite-inprocess"),
    pytest.param(("postgres", "inprocess", 1), id="postgres-inprocess"),
    pytest.param(("postgres", "rabbitmq", 2), id="postgres-rabbitmq-two-workers"),
]


@pytest.fixture(params=TRANSPORTS)
def deployment(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Deployment]:
    store, transport, count = request.param
    if store == "postgres" and not POSTGRES_URL:
        pytest.skip("PostgreSQL tests need KONTOR_TEST_POSTGRES_URL (CI sets it)")
    if transport == "rabbitmq" and not AMQP_URL:
        pytest.skip("RabbitMQ tests need KONTOR_TEST_AMQP_URL (CI sets it)")
    schema = create_postgres_schema() if store == "postgres" else None
    url = postgres_url_with_schema(schema) if schema else sqlite_url(tmp_path)
    names = unique_broker_names()
    settings = Settings(
        database_url=url,
        broker_url=AMQP_URL if transport == "rabbitmq" else "inprocess://",
        dispatcher_poll_seconds=0.05,
        **names,
    )
    load_schema()
    migrated = db.create_database_engine(url)
    db.upgrade(migrated)
    migrated.dispose()
    clock = FakeClock(START)
    workers = [bootstrap(settings, clock=clock, case_types=case_types()) for _ in range(count)]
    for worker in workers:
        worker.start(consume=True, pump=False)
    try:
        yield Deployment(workers, clock)
    finally:
        for worker in workers:
            worker.stop()
        if transport == "rabbitmq" and AMQP_URL:
            delete_broker_names(AMQP_URL, names)
        if schema:
            drop_postgres_schema(schema)


def open_case(deployment: Deployment, key: str) -> Case:
    case: Case = deployment.handle(
        OpenCase(tenant_id=TENANT, actor="clerk", case_type="claim", business_key=key,
                 title=f"Antrag {key}", data={"claim_number": key})
    )  # fmt: skip
    return case


def start(deployment: Deployment, case: Case, amount: int) -> str:
    due = (START + dt.timedelta(hours=4)).isoformat()
    instance_id: str = deployment.handle(
        StartProcess(tenant_id=TENANT, actor="clerk", process_key="Antrag", case_id=case.case_id,
                     variables={"amount": amount, "issue_due": due})
    )  # fmt: skip
    return instance_id


def test_routing_delegation_escalation_and_rebinding_show_in_the_case_timeline(
    deployment: Deployment,
) -> None:
    first_worker = deployment.workers[0]
    deployment.handle(DeployProcess(tenant_id=TENANT, bpmn_xml=APPLICATION))
    bind(first_worker, TENANT, "task.created", "routing", "Zuständigkeit", ROUTING)
    bind(first_worker, TENANT, "task.deadline_missed", "escalation", "Eskalation", ESCALATION)
    case = open_case(deployment, "A-1")
    instance = start(deployment, case, 25000)

    # the first task: routed by the bound decision, delegated, resolved, completed
    review, _ = deployment.task(instance, "Antrag prüfen")
    assert (review.state, review.candidate_groups, review.priority) == (
        TaskState.READY,
        ("seniors",),
        80,
    )
    deployment.work(review.id, "claim", "anna")
    deployment.work(review.id, "delegate", "anna", user_id="ben", reason="Zweitmeinung")
    deployment.work(review.id, "resolve", "ben", data={"risk": "ok"})
    deployment.work(review.id, "complete", "anna", data={"approved": True})

    # the second task misses its completion deadline and is escalated by the bound decision
    issue, _ = deployment.task(instance, "Police ausstellen")
    assert issue.due_at == START + dt.timedelta(hours=4)
    deployment.later(dt.timedelta(hours=3, minutes=59))
    assert deployment.task(instance, "Police ausstellen")[0].assignee is None
    deployment.later(dt.timedelta(minutes=1))
    issue, operations = deployment.task(instance, "Police ausstellen")
    assert (issue.state, issue.assignee, issue.priority) == (TaskState.RESERVED, "chef", 95)
    assert operations[-2:] == ["deadline_missed", "escalate"]
    deployment.work(issue.id, "start", "chef")
    deployment.work(issue.id, "complete", "chef", data={"policy": "P-1"})
    assert deployment.instance_status(instance) == "completed"
    deployment.later(dt.timedelta(days=1))  # the boundary timer ended with its task
    assert deployment.task(instance, "Police ausstellen")[0].state == TaskState.COMPLETED

    # the case timeline: every step in order, with actors and the decisions' explanations
    timeline = deployment.timeline(case.case_id)
    steps = [(kind, actor, details.get("task_name")) for kind, actor, details in timeline]
    assert steps == [
        ("created", "clerk", None),
        ("task_create", None, "Antrag prüfen"),
        ("task_route", None, "Antrag prüfen"),
        ("task_claim", "anna", "Antrag prüfen"),
        ("task_delegate", "anna", "Antrag prüfen"),
        ("task_resolve", "ben", "Antrag prüfen"),
        ("task_complete", "anna", "Antrag prüfen"),
        ("task_create", None, "Police ausstellen"),
        ("task_route", None, "Police ausstellen"),
        ("task_deadline_missed", None, "Police ausstellen"),
        ("task_escalate", None, "Police ausstellen"),
        ("task_start", "chef", "Police ausstellen"),
        ("task_complete", "chef", "Police ausstellen"),
        ("process_completed", None, None),
    ]
    route, missed = timeline[2][2], timeline[9][2]
    assert (route["decision"], route["output"]) == (
        "Zuständigkeit",
        {"candidateGroups": "seniors", "priority": 80},
    )
    assert route["explanation"]
    assert (missed["decision"], missed["kind"], missed["output"]) == (
        "Eskalation",
        "completion",
        {"assignee": "chef", "priority": 95},
    )
    assert missed["explanation"]
    assert timeline[4][2]["user_id"] == "ben"  # the delegation names the delegate

    # rebinding task.created routes the next instance's task differently, without a restart
    bind(first_worker, TENANT, "task.created", "routing_new", "Zuständigkeit neu", NEW_ROUTING)
    second = start(deployment, open_case(deployment, "A-2"), 25000)
    next_review, _ = deployment.task(second, "Antrag prüfen")
    assert (next_review.candidate_groups, next_review.priority) == (("triage",), 10)
