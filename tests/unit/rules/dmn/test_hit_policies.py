"""Every hit policy of decision tables, defaults, multiple outputs and violations."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest

from kontor.rules.dmn import Definitions, evaluate_decision

Build = Callable[[str], Definitions]


def table(
    hit_policy: str,
    rules: list[tuple[str, str]],
    *,
    aggregation: str | None = None,
    output_values: str | None = None,
    default: str | None = None,
) -> str:
    """A decision 'D' over input data 'x' (number) with one output column."""
    extra = f' aggregation="{aggregation}"' if aggregation else ""
    values = f"<outputValues><text>{output_values}</text></outputValues>" if output_values else ""
    default_entry = (
        f"<defaultOutputEntry><text>{default}</text></defaultOutputEntry>" if default else ""
    )
    rule_xml = "".join(
        f'<rule id="r{index}"><inputEntry><text>{test}</text></inputEntry>'
        f"<outputEntry><text>{output}</text></outputEntry></rule>"
        for index, (test, output) in enumerate(rules, start=1)
    )
    return f"""
<inputData id="x" name="x"><variable name="x" typeRef="number"/></inputData>
<decision id="d" name="D">
  <variable name="D"/>
  <informationRequirement><requiredInput href="#x"/></informationRequirement>
  <decisionTable id="t" hitPolicy="{hit_policy}"{extra}>
    <input id="i"><inputExpression typeRef="number"><text>x</text></inputExpression></input>
    <output id="o" name="out">{values}{default_entry}</output>
    {rule_xml}
  </decisionTable>
</decision>"""


RULES = [("&lt; 10", '"low"'), ("&lt; 20", '"mid"'), ("&gt;= 0", '"any"')]


def run(model: Definitions, x: object) -> object:
    return evaluate_decision(model, "D", {"x": x}).value


def test_unique_single_match_and_violation(build_model: Build) -> None:
    model = build_model(table("UNIQUE", [("&lt; 10", '"low"'), ("&gt;= 10", '"high"')]))
    assert run(model, 3) == "low"
    assert run(model, 12) == "high"
    overlapping = build_model(table("UNIQUE", RULES))
    result = evaluate_decision(overlapping, "D", {"x": 5})
    assert result.value is None
    assert any("UNIQUE" in message.text for message in result.messages)


def test_unique_without_match_is_null(build_model: Build) -> None:
    model = build_model(table("UNIQUE", [("&lt; 10", '"low"')]))
    assert run(model, 50) is None


def test_any_requires_equal_outputs(build_model: Build) -> None:
    model = build_model(table("ANY", [("&lt; 10", '"a"'), ("&lt; 20", '"a"'), ("&lt; 5", '"b"')]))
    assert run(model, 7) == "a"
    result = evaluate_decision(model, "D", {"x": 1})
    assert result.value is None
    assert result.has_errors


def test_first_stops_at_first_match(build_model: Build) -> None:
    model = build_model(table("FIRST", RULES))
    assert run(model, 5) == "low"
    assert run(model, 15) == "mid"
    assert run(model, 25) == "any"


def test_priority_uses_output_value_order(build_model: Build) -> None:
    model = build_model(table("PRIORITY", RULES, output_values='"any","mid","low"'))
    assert run(model, 5) == "any"
    model = build_model(table("PRIORITY", RULES, output_values='"mid","low","any"'))
    assert run(model, 5) == "mid"


def test_rule_order_and_output_order(build_model: Build) -> None:
    assert run(build_model(table("RULE ORDER", RULES)), 5) == ["low", "mid", "any"]
    ordered = build_model(table("OUTPUT ORDER", RULES, output_values='"any","mid","low"'))
    assert run(ordered, 5) == ["any", "mid", "low"]


NUMBERS = [("&lt; 10", "1"), ("&lt; 20", "2"), ("&gt;= 0", "2")]


@pytest.mark.parametrize(
    ("aggregation", "expected"),
    [(None, [1, 2, 2]), ("SUM", 5), ("MIN", 1), ("MAX", 2), ("COUNT", 2)],
)
def test_collect_aggregations(
    build_model: Build, aggregation: str | None, expected: object
) -> None:
    model = build_model(table("COLLECT", NUMBERS, aggregation=aggregation))
    value = run(model, 5)
    if isinstance(expected, list):
        assert value == [Decimal(item) for item in expected]
    else:
        assert value == Decimal(expected)  # type: ignore[arg-type]


def test_collect_count_without_match_is_zero(build_model: Build) -> None:
    model = build_model(table("COLLECT", [("&lt; 0", "1")], aggregation="COUNT"))
    assert run(model, 5) == Decimal(0)


def test_abbreviated_hit_policy_and_default_output(build_model: Build) -> None:
    model = build_model(table("F", [("&lt; 10", '"low"')], default='"none"'))
    assert run(model, 5) == "low"
    assert run(model, 50) == "none"


def test_multiple_outputs_give_a_context(build_model: Build) -> None:
    model = build_model(
        """
<inputData id="x" name="x"><variable name="x" typeRef="string"/></inputData>
<decision id="d" name="D">
  <variable name="D"/>
  <informationRequirement><requiredInput href="#x"/></informationRequirement>
  <decisionTable hitPolicy="UNIQUE">
    <input><inputExpression typeRef="string"><text>x</text></inputExpression></input>
    <output name="action"/><output name="score"/>
    <rule id="r1"><inputEntry><text>"a","b"</text></inputEntry>
      <outputEntry><text>"accept"</text></outputEntry><outputEntry><text>1 + 1</text></outputEntry>
    </rule>
    <rule id="r2"><inputEntry><text>-</text></inputEntry>
      <outputEntry><text>"refer"</text></outputEntry><outputEntry><text>x</text></outputEntry>
      <annotationEntry><text>ignored</text></annotationEntry>
    </rule>
  </decisionTable>
</decision>"""
    )
    assert evaluate_decision(model, "D", {"x": "c"}).value == {"action": "refer", "score": "c"}
    assert evaluate_decision(model, "D", {"x": "b"}).has_errors  # both rules match


def test_input_values_restrict_inputs(build_model: Build) -> None:
    model = build_model(
        """
<inputData id="x" name="x"><variable name="x" typeRef="string"/></inputData>
<decision id="d" name="D">
  <variable name="D"/>
  <informationRequirement><requiredInput href="#x"/></informationRequirement>
  <decisionTable hitPolicy="UNIQUE">
    <input><inputExpression typeRef="string"><text>x</text></inputExpression>
      <inputValues><text>"a","b"</text></inputValues></input>
    <output name="out"/>
    <rule><inputEntry><text>-</text></inputEntry><outputEntry><text>"ok"</text></outputEntry></rule>
  </decisionTable>
</decision>"""
    )
    assert evaluate_decision(model, "D", {"x": "a"}).value == "ok"
    result = evaluate_decision(model, "D", {"x": "z"})
    assert result.value is None
    assert result.has_errors


def test_output_type_and_allowed_output_values(build_model: Build) -> None:
    model = build_model(
        """
<inputData id="x" name="x"><variable name="x" typeRef="number"/></inputData>
<decision id="d" name="D">
  <variable name="D"/>
  <informationRequirement><requiredInput href="#x"/></informationRequirement>
  <decisionTable hitPolicy="FIRST">
    <input><inputExpression typeRef="number"><text>x</text></inputExpression></input>
    <output name="out" typeRef="string"><outputValues><text>"a","b"</text></outputValues></output>
    <rule id="ok"><inputEntry><text>1</text></inputEntry>
      <outputEntry><text>"a"</text></outputEntry></rule>
    <rule id="not-allowed"><inputEntry><text>2</text></inputEntry>
      <outputEntry><text>"z"</text></outputEntry></rule>
    <rule id="wrong-type"><inputEntry><text>3</text></inputEntry>
      <outputEntry><text>42</text></outputEntry></rule>
  </decisionTable>
</decision>"""
    )
    assert run(model, 1) == "a"
    for x, problem in ((2, "not an allowed output value"), (3, "does not conform")):
        result = evaluate_decision(model, "D", {"x": x})
        assert result.value is None
        assert any(problem in message.text for message in result.messages)


def test_a_table_without_requirements_reads_the_callers_data_as_camunda_does(
    build_model: Build,
) -> None:
    body = table("FIRST", RULES).replace(
        '<inputData id="x" name="x"><variable name="x" typeRef="number"/></inputData>', ""
    )
    model = build_model(
        body.replace(
            '<informationRequirement><requiredInput href="#x"/></informationRequirement>', ""
        )
    )
    assert run(model, 15) == "mid"
