"""Scenario files: JSON and CSV reading, FEEL literals in cells, matching of contexts."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from kontor.rules.dmn import load_dmn
from kontor.rules.errors import InvalidScenario
from kontor.rules.scenarios import (
    expected_matches,
    literal_or_text,
    parse_csv_scenarios,
    parse_json_scenarios,
    parse_scenarios,
    run_scenarios,
)
from support.dmn import RISK_DMN


@pytest.mark.parametrize(
    ("cell", "value"),
    [
        ("42", Decimal(42)),
        ("-0.5", Decimal("-0.5")),
        ("true", True),
        ('"quoted"', "quoted"),
        ('date("2026-07-01")', dt.date(2026, 7, 1)),
        ("[1, 2]", [Decimal(1), Decimal(2)]),
        ("household", "household"),
        ("2026-07-01", "2026-07-01"),
        ("", None),
        ("[unknown name]", "[unknown name]"),
    ],
)
def test_cells_are_feel_literals_where_they_look_like_one(cell: str, value: object) -> None:
    assert literal_or_text(cell) == value


def test_json_numbers_stay_exact_decimals() -> None:
    [scenario] = parse_json_scenarios(
        '[{"decision": "Premium", "input": {"Sum Insured": 0.1}, "expected": 12345678901.23}]'
    )
    assert scenario.inputs == {"Sum Insured": Decimal("0.1")}
    assert scenario.expected == Decimal("12345678901.23")
    assert scenario.name == "scenario 1"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{", "not valid JSON"),
        ("{}", "must be a JSON list"),
        ('[{"decision": "x"}]', "needs 'expected'"),
        ('[{"decision": "x", "input": [], "expected": 1}]', "'input' must be an object"),
    ],
)
def test_bad_json_scenarios_say_what_is_wrong(text: str, message: str) -> None:
    with pytest.raises(InvalidScenario, match=message):
        parse_json_scenarios(text)


def test_csv_outputs_become_a_context_or_the_whole_result() -> None:
    named = parse_csv_scenarios("decision,in:a,out:x,out:y\nd,1,2,\n")
    assert named[0].expected == {"x": Decimal(2), "y": None}
    assert named[0].name == "line 2"
    whole = parse_scenarios("decision,out:result\nd,ok\n", "cases.CSV")
    assert whole[0].expected == "ok"
    with pytest.raises(InvalidScenario, match="'out:result' cannot be combined"):
        parse_csv_scenarios("decision,out:result,out:x\nd,1,2\n")
    with pytest.raises(InvalidScenario, match="'decision' column"):
        parse_csv_scenarios("in:a,out:x\n1,2\n")


def test_expected_context_checks_only_the_outputs_it_names() -> None:
    assert expected_matches({"a": Decimal(1)}, {"a": Decimal("1.0"), "b": "other"})
    assert not expected_matches({"a": Decimal(1)}, {"b": Decimal(1)})
    assert expected_matches({"Risk Class": "low"}, "low")
    assert not expected_matches("low", "high")


def test_run_reports_actual_values_and_messages() -> None:
    model = load_dmn(RISK_DMN)
    scenarios = parse_json_scenarios(
        '[{"decision": "Risk Class", "input": {"Line of Business": "household",'
        ' "Sum Insured": 1}, "expected": "low"},'
        ' {"decision": "No Such", "input": {}, "expected": 1}]'
    )
    report = run_scenarios(model, scenarios)
    assert (report.passed, report.failed) == (1, 1)
    failed = report.to_json()["scenarios"][1]
    assert failed["actual"] is None
    assert "no decision named 'No Such'" in failed["messages"][0]
