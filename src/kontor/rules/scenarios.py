"""Test scenarios for DMN models: read them from JSON or CSV, run them, report pass/fail."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from kontor.json_input import loads_bounded
from kontor.rules.dmn import Definitions, evaluate_decision
from kontor.rules.dmn.tck.compare import values_match
from kontor.rules.errors import InvalidScenario
from kontor.rules.feel import FeelSyntaxError, FeelWarning, compile_expression, to_feel, to_json

INPUT_PREFIX = "in:"
OUTPUT_PREFIX = "out:"
WHOLE_RESULT = "result"
_FEEL_LITERAL = re.compile(
    r"""^(-?\d+(\.\d+)?|true|false|null|".*"|\[.*\]|\{.*\}"""
    r"""|(date|time|date and time|duration)\s*\(.*\))$""",
    re.DOTALL,
)


@dataclass(frozen=True)
class Scenario:
    """One expectation: the decision's value for these inputs (a context is matched by key)."""

    name: str
    decision: str
    inputs: Mapping[str, Any]
    expected: Any


@dataclass(frozen=True)
class ScenarioOutcome:
    """How one scenario went."""

    scenario: Scenario
    passed: bool
    actual: Any
    messages: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        """JSON-compatible outcome."""
        return {
            "name": self.scenario.name,
            "decision": self.scenario.decision,
            "passed": self.passed,
            "expected": to_json(self.scenario.expected),
            "actual": to_json(self.actual),
            "messages": list(self.messages),
        }


@dataclass
class ScenarioReport:
    """Outcomes of a scenario run with totals."""

    outcomes: list[ScenarioOutcome] = field(default_factory=list)

    @property
    def passed(self) -> int:
        """Number of scenarios that passed."""
        return sum(1 for outcome in self.outcomes if outcome.passed)

    @property
    def failed(self) -> int:
        """Number of scenarios that failed."""
        return len(self.outcomes) - self.passed

    def to_json(self) -> dict[str, Any]:
        """JSON-compatible report."""
        return {
            "total": len(self.outcomes),
            "passed": self.passed,
            "failed": self.failed,
            "scenarios": [outcome.to_json() for outcome in self.outcomes],
        }


def parse_scenarios(text: str, file_name: str | None = None) -> list[Scenario]:
    """Scenarios from CSV (by ``.csv`` suffix) or else JSON text."""
    if file_name is not None and file_name.lower().endswith(".csv"):
        return parse_csv_scenarios(text)
    return parse_json_scenarios(text)


def parse_json_scenarios(text: str) -> list[Scenario]:
    """Scenarios from a JSON list of {"name"?, "decision", "input", "expected"}; numbers exact."""
    try:
        document = loads_bounded(text, parse_float=Decimal)
    except json.JSONDecodeError as error:
        raise InvalidScenario(
            f"scenarios are not valid JSON: {error.msg}", line=error.lineno, column=error.colno
        ) from None
    except ValueError as error:  # too deep, or an integer of thousands of digits
        raise InvalidScenario(f"scenarios are not valid JSON: {error}", field="$") from None
    if not isinstance(document, list):
        raise InvalidScenario("scenarios must be a JSON list", field="$")
    return [_json_scenario(index, item) for index, item in enumerate(document, start=1)]


def _json_scenario(index: int, item: Any) -> Scenario:
    where = f"scenario {index}"
    if not isinstance(item, dict):
        raise InvalidScenario(f"{where} must be a JSON object", scenario=index)
    decision, inputs = item.get("decision"), item.get("input", {})
    if not isinstance(decision, str) or not decision:
        raise InvalidScenario(f"{where} needs a 'decision' name", scenario=index, field="decision")
    if not isinstance(inputs, dict):
        raise InvalidScenario(f"{where}: 'input' must be an object", scenario=index, field="input")
    if "expected" not in item:
        raise InvalidScenario(f"{where} needs 'expected'", scenario=index, field="expected")
    name = str(item.get("name") or where)
    return Scenario(name, decision, to_feel(inputs), to_feel(item["expected"]))


def parse_csv_scenarios(text: str) -> list[Scenario]:
    """Scenarios from CSV: ``decision``, optional ``name``, ``in:<input>``, ``out:<output>``."""
    rows = list(csv.DictReader(io.StringIO(text)))
    columns = list(rows[0].keys()) if rows else []
    if "decision" not in columns:
        raise InvalidScenario("the CSV needs a 'decision' column", field="decision")
    outputs = [column for column in columns if column.startswith(OUTPUT_PREFIX)]
    if not outputs:
        raise InvalidScenario("the CSV needs at least one 'out:' column", field="out:")
    whole = f"{OUTPUT_PREFIX}{WHOLE_RESULT}"
    if whole in outputs and len(outputs) > 1:
        raise InvalidScenario(f"'{whole}' cannot be combined with other outputs", field=whole)
    scenarios = []
    for number, row in enumerate(rows, start=2):  # line 1 is the header
        inputs = {
            column.removeprefix(INPUT_PREFIX): literal_or_text(value)
            for column, value in row.items()
            if column.startswith(INPUT_PREFIX) and value.strip() != ""
        }
        expected: Any = (
            literal_or_text(row[whole])
            if whole in outputs
            else {
                column.removeprefix(OUTPUT_PREFIX): literal_or_text(row[column])
                for column in outputs
            }
        )
        name = (row.get("name") or "").strip() or f"line {number}"
        scenarios.append(Scenario(name, row["decision"].strip(), inputs, expected))
    return scenarios


def literal_or_text(text: str | None) -> Any:
    """A CSV cell: a FEEL literal where it looks like one, null when empty, else the text."""
    stripped = (text or "").strip()
    if not stripped:
        return None
    if not _FEEL_LITERAL.match(stripped):
        return stripped
    warnings: list[FeelWarning] = []
    try:
        value = compile_expression(stripped).evaluate({}, warnings)
    except FeelSyntaxError:
        return stripped
    return stripped if warnings else value


def run_scenarios(model: Definitions, scenarios: Sequence[Scenario]) -> ScenarioReport:
    """Evaluate every scenario against ``model``."""
    report = ScenarioReport()
    for scenario in scenarios:
        result = evaluate_decision(model, scenario.decision, scenario.inputs)
        report.outcomes.append(
            ScenarioOutcome(
                scenario,
                expected_matches(scenario.expected, result.value),
                result.value,
                tuple(str(message) for message in result.messages),
            )
        )
    return report


def expected_matches(expected: Any, actual: Any) -> bool:
    """Whether ``actual`` meets ``expected``; an expected context names the outputs it checks."""
    if isinstance(expected, dict) and isinstance(actual, dict):
        return all(key in actual and values_match(expected[key], actual[key]) for key in expected)
    if isinstance(expected, dict) and len(expected) == 1:
        return values_match(next(iter(expected.values())), actual)  # a single-output table
    return values_match(expected, actual)
