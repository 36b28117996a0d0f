"""Camunda 7 models run unchanged: JUEL where expressions are evaluated, Camunda 7 attributes."""

from __future__ import annotations

from kontor.messaging import FakeClock
from kontor.process.bpmn import Severity, parse_bpmn, validate
from kontor.process.runtime import (
    IncidentRaised,
    InstanceStatus,
    UserTaskActivated,
    complete_user_task,
    correlate_message,
    start,
)
from kontor.process.runtime.feel_evaluator import FeelEvaluator

CAMUNDA = 'xmlns:camunda="http://camunda.org/schema/1.0/bpmn"'


def camunda7(body: str, root: str = "") -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" '
        f'{CAMUNDA} id="d" targetNamespace="Examples">{root}'
        f'<process id="P" isExecutable="true">{body}</process></definitions>'
    )


def run(xml: str, variables: dict[str, object]):
    definitions = parse_bpmn(xml)
    assert [i for i in validate(definitions) if i.severity is Severity.ERROR] == []
    return definitions, start(definitions, "P", variables, FakeClock(), evaluator=FeelEvaluator())


ROUTING = camunda7(
    '<startEvent id="S"/><sequenceFlow sourceRef="S" targetRef="G"/>'
    '<exclusiveGateway id="G" default="small"/>'
    '<sequenceFlow id="big" sourceRef="G" targetRef="Big">'
    "<conditionExpression>${amount &gt; 1000 &amp;&amp; !empty customer}</conditionExpression>"
    "</sequenceFlow>"
    '<sequenceFlow id="small" sourceRef="G" targetRef="Small"/>'
    '<serviceTask id="Big" camunda:expression="${\'big\'}" camunda:resultVariable="route"/>'
    '<serviceTask id="Small" camunda:expression="${\'small\'}" camunda:resultVariable="route"/>'
    '<sequenceFlow sourceRef="Big" targetRef="E1"/><endEvent id="E1"/>'
    '<sequenceFlow sourceRef="Small" targetRef="E2"/><endEvent id="E2"/>'
)


def test_juel_conditions_route_tokens_and_expression_tasks_set_their_result():
    _, big = run(ROUTING, {"amount": 1500, "customer": "Meier"})
    _, small = run(ROUTING, {"amount": 999, "customer": "Meier"})
    assert big.state.status is InstanceStatus.COMPLETED
    assert big.state.variables["route"] == "big"
    assert small.state.variables["route"] == "small"


def test_juel_assignment_due_date_and_input_parameters_are_evaluated():
    xml = camunda7(
        '<startEvent id="S"/><sequenceFlow sourceRef="S" targetRef="T"/>'
        '<userTask id="T" camunda:assignee="${owner}" camunda:candidateGroups="#{team}"'
        ' camunda:dueDate="${due}"><extensionElements><camunda:inputOutput>'
        '<camunda:inputParameter name="limit">${amount * 2}</camunda:inputParameter>'
        '<camunda:inputParameter name="label">Claim ${claim.number}</camunda:inputParameter>'
        "</camunda:inputOutput></extensionElements></userTask>"
        '<sequenceFlow sourceRef="T" targetRef="E"/><endEvent id="E"/>'
    )
    _, result = run(
        xml,
        {"owner": "anna", "team": "claims", "due": "2026-12-24", "amount": 0.1,
         "claim": {"number": "S-1"}},
    )  # fmt: skip
    [task] = [e for e in result.effects if isinstance(e, UserTaskActivated)]
    assert (task.assignee, task.candidate_groups, task.due_date) == (
        "anna",
        ("claims",),
        "2026-12-24",
    )
    assert task.variables["limit"] == 0.2
    assert task.variables["label"] == "Claim S-1"


def test_conditional_flows_out_of_an_activity_and_its_default_flow():
    xml = camunda7(
        '<startEvent id="S"/><sequenceFlow sourceRef="S" targetRef="T"/>'
        '<userTask id="T" default="otherwise"/>'
        '<sequenceFlow id="urgent" sourceRef="T" targetRef="Fast">'
        "<conditionExpression>${urgent}</conditionExpression></sequenceFlow>"
        '<sequenceFlow id="otherwise" sourceRef="T" targetRef="Slow"/>'
        '<userTask id="Fast"/><userTask id="Slow"/>'
    )
    definitions, result = run(xml, {})
    [task_id] = result.state.user_tasks
    clock, evaluator = FakeClock(), FeelEvaluator()
    urgent = complete_user_task(
        definitions, result.state, task_id, {"urgent": True}, clock, evaluator=evaluator
    )
    calm = complete_user_task(
        definitions, result.state, task_id, {"urgent": False}, clock, evaluator=evaluator
    )
    assert [t.element_id for t in urgent.state.user_tasks.values()] == ["Fast"]
    assert [t.element_id for t in calm.state.user_tasks.values()] == ["Slow"]


def test_a_receive_task_without_message_waits_for_one_named_after_it():
    xml = camunda7(
        '<startEvent id="S"/><sequenceFlow sourceRef="S" targetRef="wait"/>'
        '<receiveTask id="wait"/><sequenceFlow sourceRef="wait" targetRef="E"/><endEvent id="E"/>'
    )
    definitions, result = run(xml, {})
    assert result.state.status is InstanceStatus.ACTIVE
    done = correlate_message(
        definitions, result.state, "wait", None, {}, FakeClock(), evaluator=FeelEvaluator()
    )
    assert done.state.status is InstanceStatus.COMPLETED


def test_a_failing_juel_expression_becomes_an_incident_naming_it():
    xml = camunda7(
        '<startEvent id="S"/><sequenceFlow sourceRef="S" targetRef="X"/>'
        '<serviceTask id="X" camunda:expression="${missing + 1}" camunda:resultVariable="r"/>'
        '<sequenceFlow sourceRef="X" targetRef="E"/><endEvent id="E"/>'
    )
    _, result = run(xml, {})
    [incident] = [e for e in result.effects if isinstance(e, IncidentRaised)]
    assert "unknown variable 'missing'" in incident.reason


def test_camunda_7_parse_rules_are_enforced():
    xml = camunda7(
        '<startEvent id="S"/><sequenceFlow sourceRef="S" targetRef="C"/>'
        '<callActivity id="C" calledElement="Sub"><extensionElements>'
        '<camunda:in source="a"/></extensionElements></callActivity>'
        '<sequenceFlow sourceRef="C" targetRef="E"/><endEvent id="E">'
        '<escalationEventDefinition escalationRef="esc"/></endEvent>',
        '<escalation id="esc" name="no code"/>',
    )
    errors = {
        (i.element_id, i.code) for i in validate(parse_bpmn(xml)) if i.severity is Severity.ERROR
    }
    assert errors == {("C", "camunda7_invalid"), ("E", "escalation_code_missing")}


def test_a_timer_duration_in_juel_is_evaluated():
    xml = camunda7(
        '<startEvent id="S"/><sequenceFlow sourceRef="S" targetRef="W"/>'
        '<intermediateCatchEvent id="W"><timerEventDefinition>'
        "<timeDuration>${reminder}</timeDuration></timerEventDefinition></intermediateCatchEvent>"
        '<sequenceFlow sourceRef="W" targetRef="E"/><endEvent id="E"/>'
    )
    _, result = run(xml, {"reminder": "PT2H"})
    [timer] = result.state.timers.values()
    assert timer.element_id == "W"
    assert [i for i in result.effects if isinstance(i, IncidentRaised)] == []
