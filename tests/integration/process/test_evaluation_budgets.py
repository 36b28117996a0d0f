"""A process condition beyond its FEEL budget raises an incident instead of taking a branch."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import Engine

from kontor.process import IncidentRaised
from support.backends import BACKENDS
from support.identity import acting
from support.process_world import TENANT, World, chain, model, process

pytestmark = pytest.mark.parametrize("database_url", BACKENDS, indirect=True)

ROUTED = model(
    process(
        "Routed",
        '<bpmn:startEvent id="S"/><bpmn:exclusiveGateway id="Route" default="Route_Auto"/>',
        '<bpmn:userTask id="Manual"/><bpmn:endEvent id="Auto"/>',
        chain("S", "Route"),
        '<bpmn:sequenceFlow id="Route_Manual" sourceRef="Route" targetRef="Manual">'
        "<bpmn:conditionExpression>=count(for i in 1..n return i) &gt; 5"
        "</bpmn:conditionExpression></bpmn:sequenceFlow>",
        '<bpmn:sequenceFlow id="Route_Auto" sourceRef="Route" targetRef="Auto"/>',
    )
)


@pytest.fixture
def world(engine: Engine) -> World:
    world = World(engine)
    world.deploy(ROUTED)
    return world


def test_a_condition_beyond_its_budget_becomes_an_incident_at_its_gateway(world: World) -> None:
    instance = world.start("Routed", variables={"n": 10**7})
    [incident] = world.of(IncidentRaised)
    assert incident.instance_id == instance
    assert incident.element_id == "Route"
    assert "evaluation budget exceeded" in incident.reason
    assert "max_list_size" in incident.reason
    # the default flow was not taken: the instance waits at the gateway, nothing completed
    assert world.status(instance) == "active"
    assert "Auto" not in world.completed(instance)


def test_a_condition_within_its_budget_routes_as_before(world: World) -> None:
    small = world.start("Routed", variables={"n": 3})
    large = world.start("Routed", variables={"n": 6})
    assert world.of(IncidentRaised) == []
    assert world.status(small) == "completed"
    assert world.task("Manual").instance_id == large


LOOPING_DMN = """<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="https://www.omg.org/spec/DMN/20230324/MODEL/" id="loops" name="loops"
  namespace="http://example.com/loops">
  <inputData id="n" name="n"><variable name="n" typeRef="number"/></inputData>
  <decision id="counted" name="counted"><variable name="counted" typeRef="number"/>
    <informationRequirement><requiredInput href="#n"/></informationRequirement>
    <literalExpression><text>count(for i in 1..n return i)</text></literalExpression>
  </decision>
</definitions>
"""

COUNTED = model(
    process(
        "Counted",
        '<bpmn:startEvent id="S"/><bpmn:businessRuleTask id="Count">'
        '<bpmn:extensionElements><zeebe:calledDecision decisionId="counted"'
        ' resultVariable="total"/></bpmn:extensionElements></bpmn:businessRuleTask>',
        '<bpmn:userTask id="Check"/>',
        chain("S", "Count", "Check"),
    )
)


def test_a_decision_beyond_its_budget_fails_its_business_rule_task(world: World) -> None:
    with world.kontor.bus.unit_of_work() as uow:
        world.kontor.rules.deploy(uow, acting(TENANT), LOOPING_DMN.encode(), "loops.dmn")
        uow.commit()
    world.deploy(COUNTED)
    fine = world.start("Counted", variables={"n": 3})
    instance = world.start("Counted", variables={"n": 10**7})
    for _ in range(3):  # the decision job's retries
        world.executor.run_until_idle()
        world.clock.advance(dt.timedelta(minutes=1))
    assert world.task("Check").instance_id == fine
    assert world.task("Check").variables["total"] == 3
    [incident] = world.of(IncidentRaised)
    assert (incident.instance_id, incident.element_id) == (instance, "Count")
    assert "max_list_size" in incident.reason
