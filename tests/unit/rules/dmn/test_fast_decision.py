"""The fast path for decision tables gives exactly what the general evaluation gives."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kontor.rules.dmn import Definitions, evaluate_decision, evaluate_many, load_dmn
from kontor.rules.dmn.fast_decision import disable_fast_plans, fast_plan


def _table(hit_policy: str, kind_type: str = "string", amount_type: str = "number") -> str:
    """A table over kind (string), amount (number) and urgent (boolean), two outputs."""
    return f"""
  <inputData id="i_kind" name="kind"><variable name="kind" typeRef="{kind_type}"/></inputData>
  <inputData id="i_amount" name="amount">
    <variable name="amount" typeRef="{amount_type}"/></inputData>
  <inputData id="i_urgent" name="urgent"><variable name="urgent" typeRef="boolean"/></inputData>
  <decision id="d" name="route">
    <variable name="route"/>
    <informationRequirement><requiredInput href="#i_kind"/></informationRequirement>
    <informationRequirement><requiredInput href="#i_amount"/></informationRequirement>
    <informationRequirement><requiredInput href="#i_urgent"/></informationRequirement>
    <decisionTable hitPolicy="{hit_policy}">
      <input><inputExpression typeRef="string"><text>kind</text></inputExpression></input>
      <input><inputExpression><text>amount</text></inputExpression></input>
      <input><inputExpression><text>urgent</text></inputExpression></input>
      <output name="queue" typeRef="string"/>
      <output name="level" typeRef="number"/>
      <rule><inputEntry><text>"motor","home"</text></inputEntry>
            <inputEntry><text>&gt; 1000</text></inputEntry>
            <inputEntry><text>true</text></inputEntry>
            <outputEntry><text>"senior"</text></outputEntry><outputEntry><text>3</text></outputEntry></rule>
      <rule><inputEntry><text>"motor"</text></inputEntry>
            <inputEntry><text>[10..1000]</text></inputEntry><inputEntry><text>-</text></inputEntry>
            <outputEntry><text>"team"</text></outputEntry><outputEntry><text>2</text></outputEntry></rule>
      <rule><inputEntry><text>-</text></inputEntry>
            <inputEntry><text>&lt; 10</text></inputEntry><inputEntry><text>false</text></inputEntry>
            <outputEntry><text>"auto"</text></outputEntry><outputEntry><text>1</text></outputEntry></rule>
      <rule><inputEntry><text>"home"</text></inputEntry>
            <inputEntry><text>&gt; 1000</text></inputEntry><inputEntry><text>-</text></inputEntry>
            <outputEntry><text>"senior"</text></outputEntry><outputEntry><text>3</text></outputEntry></rule>
      <rule><inputEntry><text>"travel"</text></inputEntry>
            <inputEntry><text>-</text></inputEntry><inputEntry><text>-</text></inputEntry>
            <outputEntry><text>"team"</text></outputEntry><outputEntry><text>2.5</text></outputEntry></rule>
    </decisionTable>
  </decision>"""


VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.sampled_from(["motor", "home", "travel", "marine", ""]),
    st.integers(min_value=-5, max_value=3000),
    st.sampled_from([10**40, -(10**40), 1000, 10, 9]),
    st.decimals(min_value=-5, max_value=2000, places=3, allow_nan=False),
    st.sampled_from([Decimal("1000.0"), Decimal("NaN"), Decimal("1E+7000")]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.lists(st.integers(), max_size=2),
)
RECORDS = st.dictionaries(st.sampled_from(["kind", "amount", "urgent", "other"]), VALUES)

MODELS = {
    "first": _table("FIRST"),
    "unique": _table("UNIQUE"),
    "any": _table("ANY"),
    "untyped kind": _table("FIRST", kind_type="Any"),
    "amount as string": _table("FIRST", amount_type="string"),
    "urgent ignored": _table("FIRST")
    .replace("<text>true</text>", "<text>-</text>")
    .replace("<text>false</text>", "<text>-</text>"),
}


@pytest.fixture(scope="module")
def models(build_model_once: Callable[[str], Definitions]) -> dict[str, Definitions]:
    return {name: build_model_once(body) for name, body in MODELS.items()}


@pytest.fixture(scope="module")
def general_models(build_model_once: Callable[[str], Definitions]) -> dict[str, Definitions]:
    """The same models, evaluated on the general path only."""
    found = {name: build_model_once(body) for name, body in MODELS.items()}
    for model in found.values():
        disable_fast_plans(model)
    return found


@pytest.fixture(scope="module")
def build_model_once() -> Callable[[str], Definitions]:
    def build(body: str) -> Definitions:
        document = (
            '<definitions xmlns="https://www.omg.org/spec/DMN/20230324/MODEL/" id="defs" '
            f'name="test" namespace="http://example.com/test">{body}</definitions>'
        )
        return load_dmn(document, file_name="test.dmn")

    return build


@pytest.mark.parametrize("name", list(MODELS))
def test_the_tables_have_a_fast_plan(models: dict[str, Definitions], name: str) -> None:
    assert fast_plan(models[name], "route") is not None


@pytest.mark.parametrize("name", list(MODELS))
def test_general_models_have_no_fast_plan(
    general_models: dict[str, Definitions], name: str
) -> None:
    assert fast_plan(general_models[name], "route") is None


@pytest.mark.parametrize("name", list(MODELS))
@settings(max_examples=150, deadline=None)
@given(record=RECORDS, explain=st.booleans())
def test_fast_and_general_paths_agree(
    models: dict[str, Definitions],
    general_models: dict[str, Definitions],
    name: str,
    record: dict[str, Any],
    explain: bool,
) -> None:
    fast = evaluate_decision(models[name], "route", record, explain=explain)
    general = evaluate_decision(general_models[name], "route", record, explain=explain)
    assert fast == general
    assert (fast.explanation is None) is not explain


def test_evaluate_many_gives_each_record_its_own_result(models: dict[str, Definitions]) -> None:
    records = [
        {"kind": "motor", "amount": 50, "urgent": False},
        {"kind": "motor", "amount": "much", "urgent": False},  # wrong type: null and a message
        {"kind": "home", "amount": 5000, "urgent": True},
    ]
    results = evaluate_many(models["first"], "route", records)
    assert [result.value for result in results] == [
        {"queue": "team", "level": Decimal(2)},
        None,
        {"queue": "senior", "level": Decimal(3)},
    ]
    assert [result.has_errors for result in results] == [False, True, False]
    assert results == [evaluate_decision(models["first"], "route", record) for record in records]


def test_a_caller_changing_a_result_does_not_change_the_next_one(
    models: dict[str, Definitions],
) -> None:
    record = {"kind": "motor", "amount": 50, "urgent": False}
    first = evaluate_decision(models["first"], "route", record)
    first.value["queue"] = "changed"
    assert evaluate_decision(models["first"], "route", record).value["queue"] == "team"


def test_unique_violation_still_reported(models: dict[str, Definitions]) -> None:
    result = evaluate_decision(
        models["unique"], "route", {"kind": "home", "amount": 5000, "urgent": True}
    )
    assert result.value is None
    assert any("UNIQUE" in str(message) for message in result.messages)


def test_explanation_on_request_names_the_matched_rule(models: dict[str, Definitions]) -> None:
    record = {"kind": "travel", "amount": 5, "urgent": True}
    plain = evaluate_decision(models["first"], "route", record)
    explained = evaluate_decision(models["first"], "route", record, explain=True)
    assert plain.value == explained.value == {"queue": "team", "level": Decimal("2.5")}
    assert explained.explanation is not None
    assert [rule.index for rule in explained.explanation.tables[0].matched] == [4]
