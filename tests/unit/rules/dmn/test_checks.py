"""Deploy-time checks: overlapping rules in UNIQUE tables and gaps."""

from __future__ import annotations

from collections.abc import Callable

from kontor.rules.dmn import Definitions
from kontor.rules.dmn.checks import check_model

Build = Callable[[str], Definitions]


def model_with(build: Build, hit_policy: str, rules: str, input_values: str = "") -> Definitions:
    values = f"<inputValues><text>{input_values}</text></inputValues>" if input_values else ""
    return build(
        f"""
<inputData id="lob" name="lob"><variable name="lob" typeRef="string"/></inputData>
<inputData id="sum" name="sum"><variable name="sum" typeRef="number"/></inputData>
<decision id="d" name="Triage"><variable name="Triage"/>
  <informationRequirement><requiredInput href="#lob"/></informationRequirement>
  <informationRequirement><requiredInput href="#sum"/></informationRequirement>
  <decisionTable id="t" hitPolicy="{hit_policy}">
    <input label="lob"><inputExpression><text>lob</text></inputExpression>{values}</input>
    <input label="sum"><inputExpression><text>sum</text></inputExpression></input>
    <output name="action"/>
    {rules}
  </decisionTable></decision>"""
    )


def rule(rule_id: str, lob: str, amount: str) -> str:
    return (
        f'<rule id="{rule_id}"><inputEntry><text>{lob}</text></inputEntry>'
        f"<inputEntry><text>{amount}</text></inputEntry>"
        '<outputEntry><text>"x"</text></outputEntry></rule>'
    )


def test_overlap_in_unique_table(build_model: Build) -> None:
    rules = rule("r1", '"motor"', "&lt;= 100") + rule("r2", '"motor","home"', "[100..200]")
    findings = check_model(model_with(build_model, "UNIQUE", rules))
    overlaps = [finding for finding in findings if finding.code == "overlap"]
    assert [finding.rule_ids for finding in overlaps] == [("r1", "r2")]
    assert overlaps[0].decision == "Triage"


def test_no_overlap_at_open_bounds(build_model: Build) -> None:
    rules = rule("r1", '"motor"', "&lt; 100") + rule("r2", '"motor"', "&gt;= 100")
    findings = check_model(model_with(build_model, "UNIQUE", rules, '"motor"'))
    assert findings == []


def test_gaps_are_reported(build_model: Build) -> None:
    rules = rule("r1", '"motor"', "&lt; 100") + rule("r2", '"home"', "-")
    findings = check_model(model_with(build_model, "FIRST", rules, '"motor","home","travel"'))
    gaps = [str(finding) for finding in findings if finding.code == "gap"]
    assert any('lob "motor", sum = 100' in gap for gap in gaps)
    assert any('lob "travel"' in gap for gap in gaps)


def test_tables_with_complex_entries_are_skipped(build_model: Build) -> None:
    rules = rule("r1", '"motor"', "&lt; sum + 1") + rule("r2", '"motor"', "-")
    assert check_model(model_with(build_model, "UNIQUE", rules)) == []
