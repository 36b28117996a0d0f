"""``kontor dmn eval|check|test|tck`` and ``kontor feel`` on small DMN files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from kontor.cli import app
from support.backends import SHARED
from support.dmn import RISK_DMN, TRIAGE_DMN, broken_risk_xml, overlapping_risk_xml

runner = CliRunner()


def _run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_eval_prints_value_messages_and_explanation() -> None:
    code, out, _ = _run(
        "dmn", "eval", str(RISK_DMN), "--decision", "Premium",
        "--input", '{"Sum Insured": 250000.50, "Line of Business": "household"}', "--explain",
    )  # fmt: skip
    assert code == 0
    result = json.loads(out)
    assert result["value"] == 500.001
    assert result["messages"] == []
    table = result["explanation"]["tables"][0]
    assert table["matched"] == [{"index": 1, "ruleId": "high"}]


def test_eval_without_explain_has_no_explanation() -> None:
    code, out, _ = _run(
        "dmn", "eval", str(RISK_DMN), "-d", "Risk Class", "-i", '{"Line of Business": "liability"}'
    )
    assert code == 0
    assert json.loads(out) == {"decision": "Risk Class", "value": "medium", "messages": []}


def test_bad_feel_names_file_line_and_element(tmp_path: Path) -> None:
    broken = tmp_path / "broken.dmn"
    broken.write_text(broken_risk_xml(), encoding="utf-8")
    code, _, err = _run("dmn", "eval", str(broken), "-d", "Premium")
    assert code == 2
    assert f"{broken}:39:" in err
    assert "Premium" in err


def test_missing_file_and_bad_input_exit_2(tmp_path: Path) -> None:
    assert _run("dmn", "eval", str(tmp_path / "none.dmn"), "-d", "x")[0] == 2
    code, _, err = _run("dmn", "eval", str(RISK_DMN), "-d", "Premium", "-i", "[1]")
    assert code == 2
    assert "--input must be a JSON object" in err


def test_check_reports_overlaps(tmp_path: Path) -> None:
    assert json.loads(_run("dmn", "check", str(RISK_DMN))[1])["warnings"] == []
    overlapping = tmp_path / "overlap.dmn"
    overlapping.write_text(overlapping_risk_xml(), encoding="utf-8")
    code, out, _ = _run("dmn", "check", str(overlapping))
    assert code == 0
    [warning] = json.loads(out)["warnings"]
    assert (warning["code"], warning["rules"]) == ("overlap", ["low", "high"])


def test_json_scenarios_pass_and_fail(tmp_path: Path) -> None:
    scenarios = tmp_path / "scenarios.json"
    scenarios.write_text(
        json.dumps(
            [
                {
                    "name": "small household",
                    "decision": "Risk Class",
                    "input": {"Sum Insured": 5000, "Line of Business": "household"},
                    "expected": "low",
                },
                {
                    "decision": "Premium",
                    "input": {"Sum Insured": 100000, "Line of Business": "household"},
                    "expected": 100,
                },
            ]
        ),
        encoding="utf-8",
    )
    code, out, _ = _run("dmn", "test", str(RISK_DMN), str(scenarios))
    assert code == 1
    assert "PASS small household" in out
    assert "FAIL scenario 2: expected 100, got 200" in out
    assert out.strip().endswith("2 scenarios: 1 passed, 1 failed")


def test_csv_scenarios_parse_feel_literals_and_plain_text(tmp_path: Path) -> None:
    scenarios = tmp_path / "scenarios.csv"
    scenarios.write_text(
        "name,decision,in:Sum Insured,in:Line of Business,out:Risk Class\n"
        'big,Risk Class,100000,"""household""",high\n'
        "liability,Risk Class,,liability,medium\n",
        encoding="utf-8",
    )
    code, out, _ = _run("dmn", "test", str(RISK_DMN), str(scenarios), "--json")
    assert code == 0, out
    assert json.loads(out)["passed"] == 2


def test_unreadable_scenarios_exit_2(tmp_path: Path) -> None:
    scenarios = tmp_path / "scenarios.json"
    scenarios.write_text('[{"input": {}}]', encoding="utf-8")
    code, _, err = _run("dmn", "test", str(RISK_DMN), str(scenarios))
    assert code == 2
    assert "scenario 1 needs a 'decision' name" in err


def test_tck_prints_cases_and_totals(tmp_path: Path) -> None:
    folder = tmp_path / "0001-risk"
    folder.mkdir()
    (folder / "risk.dmn").write_text(RISK_DMN.read_text(encoding="utf-8"), encoding="utf-8")
    (folder / "0001-risk-test-01.xml").write_text(_TCK_CASES, encoding="utf-8")
    code, out, _ = _run("dmn", "tck", str(tmp_path))
    assert code == 0
    assert "passed  0001-risk/0001-risk-test-01:001" in out
    assert "failed  0001-risk/0001-risk-test-01:002" in out
    assert out.strip().endswith("2 cases: 1 passed, 1 failed, 0 errors")
    assert json.loads(_run("dmn", "tck", str(tmp_path), "--json")[1])["passed"] == 1


def test_feel_prints_value_and_warnings() -> None:
    code, out, _ = _run("feel", "Sum * 12", "--context", '{"Sum": 0.1}')
    assert (code, json.loads(out)) == (0, 1.2)
    code, out, err = _run("feel", '1 + "a"')
    assert (code, json.loads(out)) == (0, None)
    assert "warning:" in err
    code, _, err = _run("feel", "1 +")
    assert code == 2
    assert "line 1" in err


@pytest.mark.skipif(not TRIAGE_DMN.is_file(), reason=f"{SHARED} has no bench/dmn/triage.dmn")
def test_shared_triage_model_evaluates_and_checks() -> None:
    code, out, _ = _run(
        "dmn", "eval", str(TRIAGE_DMN), "-d", "triage",
        "-i", '{"lineOfBusiness": "household", "sumInsured": 1000, "region": "north",'
        ' "claimsCount": 0, "buildingYear": 1990}',
    )  # fmt: skip
    assert code == 0
    assert "value" in json.loads(out)
    code, out, _ = _run("dmn", "check", str(TRIAGE_DMN))
    assert code == 0
    assert isinstance(json.loads(out)["warnings"], list)


_TCK_CASES = """<?xml version="1.0" encoding="UTF-8"?>
<testCases xmlns="http://www.omg.org/spec/DMN/20160719/testcase"
           xmlns:xsd="http://www.w3.org/2001/XMLSchema"
           xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
  <modelName>risk.dmn</modelName>
  <testCase id="001">
    <inputNode name="Sum Insured"><value xsi:type="xsd:decimal">5000</value></inputNode>
    <inputNode name="Line of Business"><value xsi:type="xsd:string">household</value></inputNode>
    <resultNode name="Risk Class">
      <expected><value xsi:type="xsd:string">low</value></expected>
    </resultNode>
  </testCase>
  <testCase id="002">
    <inputNode name="Line of Business"><value xsi:type="xsd:string">liability</value></inputNode>
    <resultNode name="Risk Class">
      <expected><value xsi:type="xsd:string">low</value></expected>
    </resultNode>
  </testCase>
</testCases>
"""
