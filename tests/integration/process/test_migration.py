"""Acceptance: waiting instances migrate from version 1 to 2 and complete on the new path."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from kontor.bootstrap import Kontor, bootstrap
from kontor.messaging import Command, Event, FakeClock, HandlerRegistry
from kontor.process import (
    CompleteUserTask,
    CorrelateMessage,
    DeployProcess,
    InstanceMigrated,
    MigrateInstances,
    MigrationReport,
    ProcessInstanceCompleted,
    StartProcess,
    UserTaskActivated,
)
from kontor.process.errors import InvalidMigrationPlan
from kontor.process.store import HistoryStore, InstanceRecord, InstanceStore, operations
from kontor.settings import Settings
from support.backends import BACKENDS

pytestmark = pytest.mark.parametrize("database_url", BACKENDS, indirect=True)

MODELS = Path(__file__).resolve().parent / "models"
V1 = (MODELS / "claim_review_v1.bpmn").read_text()
V2 = (MODELS / "claim_review_v2.bpmn").read_text()
KEY = "ClaimReview"
MAPPING = {"Review": "Check", "Withdrawn": "CheckWithdrawn"}
COUNT = 100


class World:
    """A wired Kontor with 100 claims waiting in version 1 and version 2 deployed."""

    def __init__(self, engine: Engine) -> None:
        registry = HandlerRegistry()
        self.events: list[Event] = []
        for kind in (UserTaskActivated, ProcessInstanceCompleted, InstanceMigrated):
            registry.subscribe(kind, lambda e, _uow: self.events.append(e), "test.seen")
        self.kontor: Kontor = bootstrap(
            Settings(), clock=FakeClock(), engine=engine, registry=registry
        )
        self.handle(DeployProcess(tenant_id="t1", bpmn_xml=V1))
        self.instances = [
            self.handle(
                StartProcess(tenant_id="t1", process_key=KEY, variables={"claimId": f"C-{n}"})
            )
            for n in range(COUNT)
        ]
        self.handle(DeployProcess(tenant_id="t1", bpmn_xml=V2))

    def handle(self, command: Command) -> Any:
        return self.kontor.bus.handle(command)

    def migrate(self, mapping: dict[str, str], **fields: Any) -> MigrationReport:
        report: MigrationReport = self.handle(
            MigrateInstances(
                tenant_id="t1", process_key=KEY, source_version=1, target_version=2,
                mapping=mapping, **fields,
            )
        )  # fmt: skip
        return report

    def activated(self, element_id: str) -> list[UserTaskActivated]:
        return [
            e
            for e in self.events
            if isinstance(e, UserTaskActivated) and e.element_id == element_id
        ]

    def complete(self, element_id: str, *, but: str = "") -> None:
        for task in self.activated(element_id):
            if task.instance_id == but:
                continue
            self.handle(
                CompleteUserTask(tenant_id="t1", instance_id=task.instance_id, task_id=task.task_id)
            )

    def migrated(self) -> list[InstanceMigrated]:
        return [e for e in self.events if isinstance(e, InstanceMigrated)]

    def records(self) -> list[InstanceRecord]:
        with self.kontor.bus.unit_of_work() as uow:
            store = InstanceStore(uow.connection, "t1")
            return [store.get(instance) for instance in self.instances]


@pytest.fixture
def world(engine: Engine) -> World:
    return World(engine)


def test_waiting_instances_migrate_and_complete_on_the_new_path(world: World) -> None:
    dry = world.migrate(MAPPING, dry_run=True)
    assert (dry.total, dry.migrated, dry.failed) == (COUNT, COUNT, 0)
    assert {r.definition_version for r in world.records()} == {1}  # a dry run changes nothing
    assert world.migrated() == []  # and tells nobody
    v1_definition = world.records()[0].definition_id

    report = world.migrate(MAPPING, actor="ops")

    assert (report.total, report.migrated, report.failed) == (COUNT, COUNT, 0)
    assert {i.instance_id for i in report.instances} == set(world.instances)
    assert report.model_dump()["instances"][0]["problems"] == []  # JSON-able for the API
    assert {r.definition_version for r in world.records()} == {2}
    first = world.instances[0]
    with world.kontor.bus.unit_of_work() as uow:
        [waiting] = InstanceStore(uow.connection, "t1").subscribers("message", "withdrawn", "C-0")
        [logged] = operations(uow.connection, "t1", first)
    assert (waiting.instance_id, waiting.element_id) == (first, "CheckWithdrawn")
    assert (logged.operation, logged.actor) == ("migrate", "ops")
    assert logged.details == {"source_version": 1, "target_version": 2, "mapping": MAPPING}
    migrated = world.migrated()
    assert [e.instance_id for e in migrated] == world.instances  # once per instance
    event = migrated[0]
    review = next(t for t in world.activated("Review") if t.instance_id == first)
    assert (event.tenant_id, event.process_key) == ("t1", KEY)
    assert (event.source_definition_id, event.source_version) == (v1_definition, 1)
    assert (event.target_definition_id, event.target_version) == (
        world.records()[0].definition_id, 2
    )  # fmt: skip
    assert event.target_definition_id != v1_definition
    assert event.user_task_elements == {"Review": "Check"}  # old element id -> new one
    [task] = event.user_tasks
    assert (task.task_id, task.source_element_id, task.target_element_id) == (
        review.task_id, "Review", "Check"
    )  # fmt: skip

    world.handle(CorrelateMessage(tenant_id="t1", name="withdrawn", correlation_key="C-0"))
    world.complete("Review", but=first)  # tasks people hold keep their ids across migration
    assert len(world.activated("Approve")) == COUNT - 1
    world.complete("Approve")

    ended = [e for e in world.events if isinstance(e, ProcessInstanceCompleted)]
    assert len(ended) == COUNT
    with world.kontor.bus.unit_of_work() as uow:
        history = HistoryStore(uow.connection, "t1")
        withdrawn = history.activity_history(first)
        settled = history.activity_history(world.instances[1])
    assert [(r.element_id, r.outcome) for r in withdrawn] == [
        ("Received", "completed"), ("Check", "terminated"), ("CheckWithdrawn", "completed"),
        ("Closed", "completed"),
    ]  # fmt: skip
    assert [r.element_id for r in settled] == ["Received", "Check", "Approve", "Settled"]


def test_an_unmapped_removed_element_refuses_every_instance_and_changes_nothing(
    world: World,
) -> None:
    before = {r.instance_id: r.revision for r in world.records()}

    report = world.migrate({})

    assert (report.total, report.migrated, report.failed) == (COUNT, 0, COUNT)
    for result in report.instances:
        [problem] = result.problems
        assert "active element 'Review' has no counterpart in the target" in problem
    assert {r.instance_id: r.revision for r in world.records()} == before
    assert {r.definition_version for r in world.records()} == {1}
    assert world.migrated() == []
    with world.kontor.bus.unit_of_work() as uow:
        assert operations(uow.connection, "t1", world.instances[0]) == []


def test_a_mapping_to_a_missing_element_is_refused_before_any_instance(world: World) -> None:
    with pytest.raises(InvalidMigrationPlan, match="'Review' to 'Nowhere'") as refused:
        world.migrate({"Review": "Nowhere"})
    assert refused.value.details["problems"] == [
        "mapping sends 'Review' to 'Nowhere', which the target does not have"
    ]
    with pytest.raises(InvalidMigrationPlan, match="has no version 3"):
        world.handle(
            MigrateInstances(tenant_id="t1", process_key=KEY, source_version=1, target_version=3)
        )
