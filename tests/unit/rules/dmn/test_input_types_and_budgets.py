"""Inputs that do not conform to their typeRef, numbers beyond decimal128 and budgets in DMN."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest

from kontor.rules.dmn import Definitions, evaluate_decision
from kontor.rules.feel import EvaluationBudgetExceeded, EvaluationLimits

Build = Callable[[str], Definitions]

# The input expression is typed; the table handles null explicitly and has a catch-all.
ROUTING = """
<decision id="route" name="route"><variable name="route" typeRef="string"/>
  <decisionTable id="routing" hitPolicy="FIRST">
    <input id="i1" label="Amount"><inputExpression typeRef="number"><text>amount</text>
    </inputExpression></input>
    <output id="o1" name="route" typeRef="string"/>
    <rule id="big"><inputEntry><text>&gt;= 1000</text></inputEntry>
      <outputEntry><text>"manual"</text></outputEntry></rule>
    <rule id="missing"><inputEntry><text>null</text></inputEntry>
      <outputEntry><text>"ask for the amount"</text></outputEntry></rule>
    <rule id="rest"><inputEntry><text>-</text></inputEntry>
      <outputEntry><text>"auto-paid"</text></outputEntry></rule>
  </decisionTable>
</decision>
"""

TYPED_INPUT = """
<inputData id="amount" name="amount"><variable name="amount" typeRef="number"/></inputData>
<decision id="double" name="double"><variable name="double"/>
  <informationRequirement><requiredInput href="#amount"/></informationRequirement>
  <literalExpression><text>if amount = null then "no amount" else amount * 2</text>
  </literalExpression></decision>
"""

LOOPING = """
<inputData id="n" name="n"><variable name="n" typeRef="number"/></inputData>
<decision id="counted" name="counted"><variable name="counted" typeRef="number"/>
  <informationRequirement><requiredInput href="#n"/></informationRequirement>
  <literalExpression><text>count(for i in 1..n return i)</text></literalExpression></decision>
"""


def texts(result: object) -> list[str]:
    return [str(message) for message in result.messages]  # type: ignore[attr-defined]


def test_a_wrong_typed_table_input_is_null_with_a_warning_naming_it(build_model: Build) -> None:
    model = build_model(ROUTING)
    assert evaluate_decision(model, "route", {"amount": 5000}).value == "manual"
    assert evaluate_decision(model, "route", {"amount": 10}).value == "auto-paid"
    result = evaluate_decision(model, "route", {"amount": "x"}, explain=True)
    assert result.value == "ask for the amount"  # not the catch-all as if "x" were a number
    [warning] = [text for text in texts(result) if "Amount" in text]
    assert warning.startswith("warning: [decision 'route' id=route] input 'Amount'")
    assert "does not conform to type 'number'" in warning
    assert result.explanation is not None
    explained = result.explanation.to_json()
    assert explained["tables"][0]["inputs"] == {"Amount": None}
    assert warning in explained["messages"]


def test_a_wrong_typed_input_data_is_null_and_named(build_model: Build) -> None:
    model = build_model(TYPED_INPUT)
    assert evaluate_decision(model, "double", {"amount": 21}).value == Decimal(42)
    result = evaluate_decision(model, "double", {"amount": "x"})
    assert result.value == "no amount"
    assert any("input data 'amount'" in text for text in texts(result))


def test_a_number_beyond_decimal128_is_null_with_a_warning(build_model: Build) -> None:
    model = build_model(TYPED_INPUT)
    result = evaluate_decision(model, "double", {"amount": Decimal("1e9999999")})
    assert result.value == "no amount"
    assert "warning: [input data 'amount'] a number outside decimal128 became null" in texts(result)


def test_a_decision_beyond_its_budget_is_null_with_the_warning(build_model: Build) -> None:
    model = build_model(LOOPING)
    assert evaluate_decision(model, "counted", {"n": 3}).value == Decimal(3)
    result = evaluate_decision(model, "counted", {"n": 10**7}, explain=True)
    assert result.value is None
    [warning] = [text for text in texts(result) if "budget" in text]
    assert "a list of 10000000 items (max_list_size = 100000)" in warning
    assert result.explanation is not None
    assert warning in result.explanation.to_json()["messages"]


def test_limits_are_the_callers_choice(build_model: Build) -> None:
    model = build_model(LOOPING)
    small = EvaluationLimits(max_list_size=2)
    assert evaluate_decision(model, "counted", {"n": 3}, limits=small).value is None
    with pytest.raises(EvaluationBudgetExceeded) as raised:
        evaluate_decision(model, "counted", {"n": 3}, limits=EvaluationLimits(2, strict=True))
    assert raised.value.limit == "max_iterations"
