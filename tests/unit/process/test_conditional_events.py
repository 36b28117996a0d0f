"""Conditional events on the pure runtime: scopes, variable filters, incidents, durability."""

import json

from kontor.process.bpmn import Severity, parse_bpmn, validate
from kontor.process.runtime import (
    ActivityCompleted,
    InstanceState,
    complete_user_task,
    resolve_incident,
    set_variables,
    start,
)
from kontor.process.runtime.feel_evaluator import FeelEvaluator

FEEL = FeelEvaluator()


def _conditional(condition, attributes=""):
    return (
        f"<bpmn:conditionalEventDefinition{attributes}>"
        f'<bpmn:condition xsi:type="bpmn:tFormalExpression">{condition}</bpmn:condition>'
        "</bpmn:conditionalEventDefinition>"
    )


X_IS_ONE = _conditional("=x = 1")


def _completed(effects):
    return [e.element_id for e in effects if isinstance(e, ActivityCompleted)]


def _reload(state):
    return InstanceState.from_dict(json.loads(json.dumps(state.to_dict())))


def _boundary_on_task(document, flow, attributes, interrupting=False):
    cancel = "true" if interrupting else "false"
    return parse_bpmn(
        document(
            '<bpmn:startEvent id="S"/><bpmn:userTask id="T"/><bpmn:endEvent id="E"/>'
            f'<bpmn:boundaryEvent id="B" attachedToRef="T" cancelActivity="{cancel}">'
            f"{_conditional('=x &gt; 0', attributes)}</bpmn:boundaryEvent>"
            '<bpmn:endEvent id="BE"/>'
            + flow("f1", "S", "T")
            + flow("f2", "T", "E")
            + flow("f3", "B", "BE")
        )
    )


def test_variable_events_restrict_the_kinds_of_change_that_count(document, flow, clock):
    definitions = _boundary_on_task(
        document, flow, ' camunda:variableName="x" camunda:variableEvents="update, delete"'
    )
    state, _ = start(definitions, "P", {}, clock, evaluator=FEEL)
    state, effects = set_variables(definitions, state, {"x": 1}, clock, evaluator=FEEL)
    assert "B" not in _completed(effects)  # created, not updated
    state, effects = set_variables(definitions, _reload(state), {"x": 2}, clock, evaluator=FEEL)
    assert _completed(effects) == ["B", "BE"]
    state, effects = set_variables(definitions, state, {}, clock, evaluator=FEEL, remove=["x"])
    assert _completed(effects) == []  # deleted: counts, but x > 0 no longer holds
    assert "x" not in state.variables


def test_a_change_in_a_sub_process_does_not_reach_a_sibling_activity(document, flow, clock):
    definitions = parse_bpmn(
        document(
            '<bpmn:startEvent id="S"/><bpmn:parallelGateway id="Fork"/>'
            '<bpmn:userTask id="A"/><bpmn:endEvent id="EA"/>'
            '<bpmn:boundaryEvent id="BA" attachedToRef="A">'
            + X_IS_ONE
            + '</bpmn:boundaryEvent><bpmn:endEvent id="BAE"/>'
            + '<bpmn:subProcess id="Sub"><bpmn:startEvent id="SS"/><bpmn:userTask id="B"/>'
            + '<bpmn:boundaryEvent id="BB" attachedToRef="B">'
            + X_IS_ONE
            + '</bpmn:boundaryEvent><bpmn:endEvent id="BBE"/><bpmn:endEvent id="SE"/>'
            + flow("s1", "SS", "B")
            + flow("s2", "B", "SE")
            + flow("s3", "BB", "BBE")
            + '</bpmn:subProcess><bpmn:endEvent id="ES"/>'
            + flow("f1", "S", "Fork")
            + flow("f2", "Fork", "A")
            + flow("f3", "A", "EA")
            + flow("f4", "BA", "BAE")
            + flow("f5", "Fork", "Sub")
            + flow("f6", "Sub", "ES")
        )
    )
    state, _ = start(definitions, "P", {}, clock, evaluator=FEEL)
    inner = next(s.id for s in state.scopes.values() if s.element_id == "Sub")
    state, effects = set_variables(
        definitions, state, {"x": 1}, clock, evaluator=FEEL, scope_id=inner
    )
    assert _completed(effects) == ["BB", "BBE", "Sub", "ES"]  # BA does not see the inner x
    state, effects = set_variables(definitions, state, {"x": 1}, clock, evaluator=FEEL)
    assert _completed(effects) == ["BA", "BAE"]


def test_resolving_a_failed_condition_evaluates_it_again(document, flow, clock):
    definitions = parse_bpmn(
        document(
            '<bpmn:startEvent id="S"/>'
            '<bpmn:intermediateCatchEvent id="C">'
            + _conditional("${ready == true}")
            + '</bpmn:intermediateCatchEvent><bpmn:endEvent id="E"/>'
            + flow("f1", "S", "C")
            + flow("f2", "C", "E")
        )
    )
    state, effects = start(definitions, "P", {}, clock, evaluator=FEEL)
    (incident,) = _reload(state).incidents.values()
    assert incident.element_id == "C"
    assert "condition of 'C'" in incident.reason
    state, effects = set_variables(definitions, state, {"ready": True}, clock, evaluator=FEEL)
    assert _completed(effects) == []  # the subscription rests while the incident is open
    state, effects = resolve_incident(definitions, state, incident.id, clock, evaluator=FEEL)
    assert _completed(effects) == ["C", "E"]
    assert state.status.value == "completed"


def test_an_event_based_gateway_takes_a_conditional_branch(document, flow, clock):
    definitions = parse_bpmn(
        document(
            '<bpmn:startEvent id="S"/><bpmn:userTask id="Work"/>'
            '<bpmn:eventBasedGateway id="G"/>'
            '<bpmn:intermediateCatchEvent id="Ready">'
            + _conditional("=ready")
            + "</bpmn:intermediateCatchEvent>"
            '<bpmn:intermediateCatchEvent id="Late"><bpmn:timerEventDefinition>'
            "<bpmn:timeDuration>PT1H</bpmn:timeDuration></bpmn:timerEventDefinition>"
            '</bpmn:intermediateCatchEvent><bpmn:endEvent id="E1"/><bpmn:endEvent id="E2"/>'
            + flow("f0", "S", "Work")
            + flow("f1", "Work", "G")
            + flow("f2", "G", "Ready")
            + flow("f3", "G", "Late")
            + flow("f4", "Ready", "E1")
            + flow("f5", "Late", "E2")
        )
    )
    state, _ = start(definitions, "P", {"ready": False}, clock, evaluator=FEEL)
    (task,) = state.user_tasks.values()
    state, _ = complete_user_task(definitions, state, task.id, {}, clock, evaluator=FEEL)
    state, effects = set_variables(definitions, state, {"ready": True}, clock, evaluator=FEEL)
    assert _completed(effects) == ["G", "Ready", "E1"]
    assert not state.timers


def test_old_incident_rows_load_without_a_subscription(document, flow, clock):
    definitions = _boundary_on_task(document, flow, "")
    state, _ = start(definitions, "P", {}, clock, evaluator=FEEL)
    stored = state.to_dict()
    stored["incidents"] = {
        "incident-9": {"id": "incident-9", "token_id": "t", "element_id": "T", "reason": "r"}
    }
    assert InstanceState.from_dict(stored).incidents["incident-9"].subscription_id is None


def test_wrong_conditional_definitions_are_deploy_errors(document, flow):
    xml = document(
        '<bpmn:startEvent id="S"/><bpmn:userTask id="T"/><bpmn:endEvent id="E"/>'
        '<bpmn:boundaryEvent id="NoCondition" attachedToRef="T">'
        "<bpmn:conditionalEventDefinition/></bpmn:boundaryEvent>"
        '<bpmn:boundaryEvent id="BadEvents" attachedToRef="T" cancelActivity="false">'
        + _conditional("=x", ' camunda:variableEvents="create, change"')
        + '</bpmn:boundaryEvent><bpmn:endEvent id="E1"/><bpmn:endEvent id="E2"/>'
        + flow("f1", "S", "T")
        + flow("f2", "T", "E")
        + flow("f3", "NoCondition", "E1")
        + flow("f4", "BadEvents", "E2")
    )
    errors = {
        (issue.element_id, issue.code)
        for issue in validate(parse_bpmn(xml))
        if issue.severity is Severity.ERROR
    }
    assert errors == {
        ("NoCondition", "condition_missing"),
        ("BadEvents", "variable_events_unknown"),
    }
