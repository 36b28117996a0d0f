"""The TCK runner on a small self-made test folder: values, comparisons, errors, services."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from kontor.rules.dmn.tck import run_tck
from kontor.rules.dmn.tck.compare import numbers_match, values_match

MODEL = """<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="https://www.omg.org/spec/DMN/20230324/MODEL/" name="m" namespace="urn:m">
  <itemDefinition name="tPerson">
    <itemComponent name="name"><typeRef>string</typeRef></itemComponent>
    <itemComponent name="tags" isCollection="true"><typeRef>string</typeRef></itemComponent>
  </itemDefinition>
  <inputData id="p" name="person"><variable name="person" typeRef="tPerson"/></inputData>
  <inputData id="d" name="day"><variable name="day" typeRef="date"/></inputData>
  <decision id="greet" name="greeting"><variable name="greeting" typeRef="string"/>
    <informationRequirement><requiredInput href="#p"/></informationRequirement>
    <literalExpression><text>"Hi " + person.name + " " + string(count(person.tags))</text>
    </literalExpression></decision>
  <decision id="next" name="next day"><variable name="next day"/>
    <informationRequirement><requiredInput href="#d"/></informationRequirement>
    <literalExpression><text>day + duration("P1D")</text></literalExpression></decision>
  <decision id="third" name="third"><variable name="third"/>
    <literalExpression><text>1 / 3</text></literalExpression></decision>
  <decision id="bad" name="bad"><variable name="bad" typeRef="number"/>
    <literalExpression><text>"not a number"</text></literalExpression></decision>
  <decisionService id="svc" name="service"><variable name="service"/>
    <outputDecision href="#greet"/><inputData href="#p"/></decisionService>
</definitions>
"""

TESTS = """<?xml version="1.0" encoding="UTF-8"?>
<testCases xmlns="http://www.omg.org/spec/DMN/20160719/testcase"
    xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
    xmlns:xsd="http://www.w3.org/2001/XMLSchema">
  <modelName>m.dmn</modelName>
  <testCase id="components-and-lists">
    <inputNode name="person">
      <component name="name"><value xsi:type="xsd:string">Ann</value></component>
      <component name="tags"><list>
        <item><value xsi:type="xsd:string">a</value></item>
        <item><value xsi:type="xsd:string">b</value></item>
      </list></component>
    </inputNode>
    <resultNode name="greeting"><expected><value xsi:type="xsd:string">Hi Ann 2</value></expected>
    </resultNode>
  </testCase>
  <testCase id="dates-and-numbers">
    <inputNode name="day"><value xsi:type="xsd:date">2024-02-28</value></inputNode>
    <resultNode name="next day"><expected><value xsi:type="xsd:date">2024-02-29</value></expected>
    </resultNode>
    <resultNode name="third"><expected>
      <value xsi:type="xsd:decimal">0.3333333333333333333333333333333333</value></expected>
    </resultNode>
  </testCase>
  <testCase id="nil-input">
    <inputNode name="day"><value xsi:nil="true"/></inputNode>
    <resultNode name="next day"><expected><value xsi:nil="true"/></expected></resultNode>
  </testCase>
  <testCase id="error-result">
    <resultNode name="bad" errorResult="true"><expected><value xsi:nil="true"/></expected>
    </resultNode>
  </testCase>
  <testCase id="service" type="decisionService" invocableName="service">
    <inputNode name="person">
      <component name="name"><value xsi:type="xsd:string">Bo</value></component>
      <component name="tags"><list/></component>
    </inputNode>
    <resultNode name="greeting"><expected><value xsi:type="xsd:string">Hi Bo 0</value></expected>
    </resultNode>
  </testCase>
  <testCase id="wrong-expectation">
    <resultNode name="third"><expected><value xsi:type="xsd:decimal">0.5</value></expected>
    </resultNode>
  </testCase>
</testCases>
"""


def test_runner_reports_each_case(tmp_path: Path) -> None:
    folder = tmp_path / "0001-sample"
    folder.mkdir()
    (folder / "m.dmn").write_text(MODEL)
    (folder / "0001-sample-test-01.xml").write_text(TESTS)
    report = run_tck(tmp_path)
    statuses = {case.test_id.rsplit(":", 1)[1]: case.status for case in report.cases}
    assert statuses == {
        "components-and-lists": "passed",
        "dates-and-numbers": "passed",
        "nil-input": "passed",
        "error-result": "passed",
        "service": "passed",
        "wrong-expectation": "failed",
    }
    assert (report.passed, report.failed, report.errors) == (5, 1, 0)
    document = report.to_json()
    assert document["total"] == 6
    failed = next(case for case in document["cases"] if case["status"] == "failed")
    assert "expected" in failed["reason"]
    assert "wrong-expectation" in report.to_markdown("Sample")


def test_broken_model_makes_every_case_an_error(tmp_path: Path) -> None:
    folder = tmp_path / "0002-broken"
    folder.mkdir()
    (folder / "m.dmn").write_text("<definitions")
    (folder / "0002-broken-test-01.xml").write_text(TESTS)
    report = run_tck(tmp_path)
    assert report.errors == 6
    assert "malformed XML" in report.cases[0].reason


def test_value_comparison_rules() -> None:
    assert values_match([Decimal("1.0"), {"a": None}], [Decimal(1), {"a": None}])
    assert not values_match({"a": 1}, {"a": 1, "b": 2})
    assert not values_match(True, Decimal(1))
    assert numbers_match(Decimal("2778.69354943277"), Decimal("2778.693549432766768088520383"))
    assert not numbers_match(Decimal("0.3"), Decimal("0.30000001"))
