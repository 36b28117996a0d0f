"""Type checks with item definitions, implicit conversions and the explanation of a run."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from kontor.rules.dmn import Definitions, evaluate_decision

Build = Callable[[str], Definitions]

TYPES = """
<itemDefinition name="tRisk"><typeRef>string</typeRef>
  <allowedValues><text>"low","high"</text></allowedValues></itemDefinition>
<itemDefinition name="tNumbers" isCollection="true"><typeRef>number</typeRef></itemDefinition>
<itemDefinition name="tPerson">
  <itemComponent name="name"><typeRef>string</typeRef></itemComponent>
  <itemComponent name="age"><typeRef>number</typeRef></itemComponent>
</itemDefinition>
<inputData id="risk" name="risk"><variable name="risk" typeRef="tRisk"/></inputData>
<inputData id="person" name="person"><variable name="person" typeRef="tPerson"/></inputData>
<decision id="echo" name="echo"><variable name="echo" typeRef="tRisk"/>
  <informationRequirement><requiredInput href="#risk"/></informationRequirement>
  <literalExpression><text>risk</text></literalExpression></decision>
<decision id="one" name="one"><variable name="one" typeRef="number"/>
  <literalExpression><text>[1]</text></literalExpression></decision>
<decision id="many" name="many"><variable name="many" typeRef="tNumbers"/>
  <literalExpression><text>5</text></literalExpression></decision>
<decision id="age" name="age next year"><variable name="age next year" typeRef="number"/>
  <informationRequirement><requiredInput href="#person"/></informationRequirement>
  <literalExpression><text>person.age + 1</text></literalExpression></decision>
"""


def test_allowed_values(build_model: Build) -> None:
    model = build_model(TYPES)
    assert evaluate_decision(model, "echo", {"risk": "low"}).value == "low"
    result = evaluate_decision(model, "echo", {"risk": "medium"})
    assert result.value is None
    assert any("tRisk" in message.text for message in result.messages)


def test_singleton_conversions(build_model: Build) -> None:
    model = build_model(TYPES)
    assert evaluate_decision(model, "one", {}).value == Decimal(1)
    assert evaluate_decision(model, "many", {}).value == [Decimal(5)]


def test_structured_input(build_model: Build) -> None:
    model = build_model(TYPES)
    good = evaluate_decision(model, "age next year", {"person": {"name": "Ann", "age": 41}})
    assert good.value == Decimal(42)
    bad = evaluate_decision(model, "age next year", {"person": {"name": 7, "age": 41}})
    assert bad.value is None
    assert bad.has_errors


def test_unknown_decision_gives_message(build_model: Build) -> None:
    model = build_model(TYPES)
    result = evaluate_decision(model, "nope", {})
    assert result.value is None
    assert result.has_errors


EXPLAINED = """
<inputData id="x" name="x"><variable name="x" typeRef="number"/></inputData>
<decision id="base" name="base"><variable name="base"/>
  <informationRequirement><requiredInput href="#x"/></informationRequirement>
  <literalExpression><text>x * 2</text></literalExpression></decision>
<decision id="d" name="class"><variable name="class"/>
  <informationRequirement><requiredDecision href="#base"/></informationRequirement>
  <decisionTable id="t" hitPolicy="COLLECT">
    <input label="doubled"><inputExpression><text>base</text></inputExpression></input>
    <output name="c"/>
    <rule id="small"><inputEntry><text>&lt; 10</text></inputEntry>
      <outputEntry><text>"s"</text></outputEntry></rule>
    <rule id="even"><inputEntry><text>-</text></inputEntry>
      <outputEntry><text>"e"</text></outputEntry></rule>
  </decisionTable></decision>
"""


def test_explanation_lists_matched_rules_inputs_and_decisions(build_model: Build) -> None:
    model = build_model(EXPLAINED)
    result = evaluate_decision(model, "class", {"x": 3}, explain=True)
    assert result.value == ["s", "e"]
    explanation = result.explanation
    assert explanation is not None
    assert explanation.decisions == {"base": Decimal(6), "class": ["s", "e"]}
    [trace] = explanation.tables
    assert trace.table_id == "t"
    assert trace.inputs == (("doubled", Decimal(6)),)
    assert [(rule.index, rule.rule_id) for rule in trace.matched] == [(0, "small"), (1, "even")]
    document = explanation.to_json()
    assert document["tables"][0]["matched"][0] == {"index": 0, "ruleId": "small"}
    assert evaluate_decision(model, "class", {"x": 3}).explanation is None
