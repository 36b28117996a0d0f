"""The FEEL adapter: JSON in, JSON out, other languages refused, syntax errors → incidents."""

import pytest

from kontor.messaging import FakeClock
from kontor.process.bpmn import Expression, parse_bpmn
from kontor.process.runtime import IncidentRaised, start
from kontor.process.runtime.feel_evaluator import (
    FeelEvaluator,
    UnrepresentableNumber,
    UnsupportedExpressionLanguage,
)
from kontor.rules.feel import EvaluationLimits


def test_feel_values_come_back_as_json():
    evaluator = FeelEvaluator()
    variables = {"claim": {"amount": 1200, "lines": ["car", "home"]}}
    assert evaluator.evaluate(Expression("claim.amount * 1.5"), variables) == 1800
    assert evaluator.evaluate(Expression("count(claim.lines) = 2"), variables) is True
    assert evaluator.evaluate(Expression("claim.amount / 1000"), variables) == 1.2


def test_names_with_spaces_are_found():
    evaluator = FeelEvaluator()
    assert evaluator.evaluate(Expression("sum insured + 1"), {"sum insured": 9}) == 10


def test_other_languages_are_refused():
    with pytest.raises(UnsupportedExpressionLanguage, match="javascript"):
        FeelEvaluator().evaluate(Expression("approved", "javascript"), {})


def test_juel_is_evaluated_alongside_feel():
    assert FeelEvaluator().evaluate(Expression("${approved}", "juel"), {"approved": True})


def test_a_feel_syntax_error_parks_the_token_in_an_incident(document, flow):
    definitions = parse_bpmn(
        document(
            '<bpmn:startEvent id="S"/><bpmn:scriptTask id="T"><bpmn:extensionElements>'
            '<zeebe:script expression="=1 +" resultVariable="x"/></bpmn:extensionElements>'
            '</bpmn:scriptTask><bpmn:endEvent id="E"/>'
            + flow("f1", "S", "T")
            + flow("f2", "T", "E")
        )
    )
    state, effects = start(definitions, "P", {}, FakeClock(), evaluator=FeelEvaluator())
    [incident] = [e for e in effects if isinstance(e, IncidentRaised)]
    assert incident.element_id == "T"
    assert "expression '1 +' failed" in incident.reason
    assert state.status.value == "active"


def test_a_variable_feel_cannot_represent_is_refused_naming_it():
    evaluator = FeelEvaluator()
    assert evaluator.evaluate(Expression("amount > 1000"), {"amount": 10**40}) is True
    for amount in (float("nan"), float("inf")):
        with pytest.raises(UnrepresentableNumber, match="variable 'amount': a number outside"):
            evaluator.evaluate(Expression("amount > 1000"), {"id": 1, "amount": amount})


def test_a_condition_beyond_its_budget_parks_the_token_in_an_incident(document, flow):
    definitions = parse_bpmn(
        document(
            '<bpmn:startEvent id="S"/><bpmn:exclusiveGateway id="G" default="f3"/>'
            '<bpmn:endEvent id="Big"/><bpmn:endEvent id="Small"/>'
            + flow("f1", "S", "G")
            + '<bpmn:sequenceFlow id="f2" sourceRef="G" targetRef="Big"><bpmn:conditionExpression>'
            "=count(for i in 1..n return i) &gt; 5</bpmn:conditionExpression></bpmn:sequenceFlow>"
            + flow("f3", "G", "Small")
        )
    )
    limits = EvaluationLimits(max_iterations=1000)
    evaluator = FeelEvaluator(limits)
    state, effects = start(definitions, "P", {"n": 5000}, FakeClock(), evaluator=evaluator)
    [incident] = [e for e in effects if isinstance(e, IncidentRaised)]
    assert incident.element_id == "G"
    assert "evaluation budget exceeded: too many iterations (max_iterations = 1000)" in (
        incident.reason
    )
    assert state.status.value == "active"
    done, _effects = start(definitions, "P", {"n": 3}, FakeClock(), evaluator=evaluator)
    assert done.status.value == "completed"
