"""Resolving incidents through the bus: the job runs again, the incident row is closed."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest
from sqlalchemy import Engine

from kontor.process import IncidentRaised, ResolveIncident, TaskHandlers
from kontor.process.errors import InvalidProcessCommand
from kontor.process.store import HistoryStore, operations
from support.backends import BACKENDS
from support.process_world import TENANT, World, chain, model, process

pytestmark = pytest.mark.parametrize("database_url", BACKENDS, indirect=True)

SCORED = model(
    process(
        "Scored",
        '<bpmn:startEvent id="S"/><bpmn:serviceTask id="Score"><bpmn:extensionElements>'
        '<zeebe:taskDefinition type="score" retries="1"/></bpmn:extensionElements>'
        '</bpmn:serviceTask><bpmn:endEvent id="E"/>',
        chain("S", "Score", "E"),
    )
)


class Scorer:
    """A scoring service that is down until told otherwise."""

    def __init__(self) -> None:
        self.up = False
        self.calls = 0

    def __call__(self, variables: Mapping[str, Any], headers: Mapping[str, str]) -> dict[str, Any]:
        self.calls += 1
        if not self.up:
            raise ConnectionError("scoring service down")
        return {"score": 7}


@pytest.fixture
def scorer() -> Scorer:
    return Scorer()


@pytest.fixture
def world(engine: Engine, scorer: Scorer) -> World:
    handlers = TaskHandlers()
    handlers.register("score", scorer)
    world = World(engine, handlers)
    world.deploy(SCORED)
    return world


def stuck(world: World) -> tuple[str, IncidentRaised]:
    instance = world.start("Scored")
    assert world.executor.run_until_idle().incidents == 1
    [incident] = world.of(IncidentRaised)
    return instance, incident


def test_a_resolved_incident_runs_its_job_again(world: World, scorer: Scorer) -> None:
    instance, incident = stuck(world)
    assert world.executor.run_until_idle().claimed == 0  # parked while the incident is open
    scorer.up = True
    world.handle(
        ResolveIncident(
            tenant_id=TENANT, instance_id=instance, incident_id=incident.incident_id,
            retries=2, actor="ops-anna",
        )
    )  # fmt: skip
    assert world.executor.run_until_idle().completed == 1
    assert scorer.calls == 2
    assert world.status(instance) == "completed"
    assert world.record(instance).state.variables["score"] == 7
    with world.kontor.bus.unit_of_work() as uow:
        [row] = HistoryStore(uow.connection, TENANT).incidents(instance, open_only=False)
        log = operations(uow.connection, TENANT, instance)
    assert row.resolved_at is not None
    assert [(entry.operation, entry.actor) for entry in log] == [("resolve_incident", "ops-anna")]


def test_an_incident_can_be_named_by_its_row_id(world: World, scorer: Scorer) -> None:
    instance, _ = stuck(world)
    with world.kontor.bus.unit_of_work() as uow:
        [row] = HistoryStore(uow.connection, TENANT).incidents(instance)
    scorer.up = True
    world.handle(
        ResolveIncident(tenant_id=TENANT, instance_id=instance, incident_id=row.incident_id)
    )
    world.executor.run_until_idle()
    assert world.status(instance) == "completed"


def test_resolving_an_unknown_incident_is_refused_and_changes_nothing(world: World) -> None:
    instance, _ = stuck(world)
    before = world.record(instance)
    with pytest.raises(InvalidProcessCommand, match="'incident-404'"):
        world.handle(
            ResolveIncident(tenant_id=TENANT, instance_id=instance, incident_id="incident-404")
        )
    after = world.record(instance)
    assert (after.revision, after.state.incidents) == (before.revision, before.state.incidents)
