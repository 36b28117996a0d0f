"""Business-rule tasks evaluate a DMN decision deployed through the rules service."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import Engine

from kontor.process import IncidentRaised
from support.backends import BACKENDS
from support.dmn import risk_xml
from support.identity import acting
from support.process_world import TENANT, World, chain, model, process

pytestmark = pytest.mark.parametrize("database_url", BACKENDS, indirect=True)


def rated(decision: str) -> str:
    """Start → business-rule task evaluating ``decision`` into ``rating`` → user task."""
    return model(
        process(
            "Rated",
            '<bpmn:startEvent id="S"/><bpmn:businessRuleTask id="Rate">'
            f'<bpmn:extensionElements><zeebe:calledDecision decisionId="{decision}"'
            ' resultVariable="rating"/></bpmn:extensionElements></bpmn:businessRuleTask>',
            '<bpmn:userTask id="Check"/><bpmn:endEvent id="E"/>',
            chain("S", "Rate", "Check", "E"),
        )
    )


@pytest.fixture
def world(engine: Engine) -> World:
    world = World(engine)
    with world.kontor.bus.unit_of_work() as uow:
        world.kontor.rules.deploy(uow, acting(TENANT), risk_xml().encode(), "r.dmn")
        uow.commit()
    return world


@pytest.mark.parametrize(("decision", "expected"), [("riskClass", "high"), ("premium", 400)])
def test_the_task_puts_the_decision_result_into_its_variable(
    world: World, decision: str, expected: object
) -> None:
    world.deploy(rated(decision))
    inputs = {"Sum Insured": 200000, "Line of Business": "household"}
    world.start("Rated", variables=inputs)
    assert world.executor.run_until_idle().completed == 1
    assert world.task("Check").variables == {**inputs, "rating": expected}


def test_an_unknown_decision_becomes_an_incident_naming_it(world: World) -> None:
    world.deploy(rated("noSuchDecision"))
    instance = world.start("Rated")
    for _ in range(3):  # the decision job's retries
        world.executor.run_until_idle()
        world.clock.advance(dt.timedelta(minutes=1))
    [incident] = world.of(IncidentRaised)
    assert (incident.instance_id, incident.element_id) == (instance, "Rate")
    assert "'noSuchDecision'" in incident.reason
