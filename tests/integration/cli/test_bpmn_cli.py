"""``kontor bpmn check`` reports a model's problems; ``kontor bpmn run`` tries it out in memory."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from kontor.cli import app

MODELS = Path(__file__).resolve().parents[2] / "conformance" / "bpmn" / "models"
HEADER = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"'
    ' xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="d" targetNamespace="http://t">\n'
)
runner = CliRunner()


def _write(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "model.bpmn"
    path.write_text(f'{HEADER}<bpmn:process id="P" isExecutable="true">\n{body}\n'
                    "</bpmn:process>\n</bpmn:definitions>\n")  # fmt: skip
    return path


def test_check_accepts_a_sound_model() -> None:
    result = runner.invoke(app, ["bpmn", "check", str(MODELS / "claim_triage_feel.bpmn")])
    assert result.exit_code == 0, result.output
    assert "process 'ClaimTriage': executable" in result.output
    assert "0 error(s)" in result.output


def test_check_names_element_and_line_of_each_error(tmp_path: Path) -> None:
    model = _write(tmp_path, '<bpmn:task id="Lonely"/>\n<bpmn:endEvent id="End"/>')
    result = runner.invoke(app, ["bpmn", "check", str(model)])
    assert result.exit_code == 1
    assert "no start event" in result.output
    report = json.loads(runner.invoke(app, ["bpmn", "check", str(model), "--json"]).output)
    assert report["processes"]["P"]["executable"] is False
    lonely = [i for i in report["issues"] if i["element"] == "Lonely"]
    assert [i["line"] for i in lonely][:1] == [4]


def test_check_reports_broken_xml_with_its_line(tmp_path: Path) -> None:
    broken = tmp_path / "broken.bpmn"
    broken.write_text(f"{HEADER}<bpmn:process id='P'>\n<oops>\n</bpmn:definitions>")
    result = runner.invoke(app, ["bpmn", "check", str(broken)])
    assert result.exit_code == 1
    assert "broken.bpmn:" in result.output


def test_run_lists_completed_activities_and_final_variables() -> None:
    model = str(MODELS / "claim_triage_feel.bpmn")
    args = ["bpmn", "run", model, "--var", "amount=2000 + 3000", "--complete-user-tasks"]
    result = runner.invoke(app, [*args, "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["outcome"] == "completed"
    assert [a["id"] for a in report["completed"]][:4] == [
        "StartEvt", "AssessRisk", "RiskGw", "SeniorReview"
    ]  # fmt: skip
    assert report["completed"][3]["type"] == "userTask"
    assert report["variables"] == {"amount": 5000, "risk": "high"}
    text = runner.invoke(app, args).output
    assert "SeniorReview [userTask]" in text
    assert "risk = 'high'" in text


def test_run_skips_time_to_due_timers_and_stops_at_an_open_user_task() -> None:
    result = runner.invoke(app, ["bpmn", "run", str(MODELS / "timers.bpmn"), "--json"])
    report = json.loads(result.output)
    assert result.exit_code == 0
    assert report["outcome"] == "waiting"
    assert [a["id"] for a in report["completed"]].count("Remind") == 2
    assert report["completed"][-1]["id"] == "Deadline"
    assert report["waiting_at"] == ["Escalate"]


def test_run_completes_user_tasks_before_later_timers_when_asked() -> None:
    args = ["bpmn", "run", str(MODELS / "timers.bpmn"), "--complete-user-tasks", "--json"]
    report = json.loads(runner.invoke(app, args).output)
    assert [a["id"] for a in report["completed"]] == ["Start", "CoolingOff", "Review", "Done"]


def test_run_ends_in_an_incident_with_exit_code_1(tmp_path: Path) -> None:
    model = _write(
        tmp_path,
        '<bpmn:startEvent id="S"/><bpmn:scriptTask id="Calc" name="Berechnen">'
        '<bpmn:extensionElements><zeebe:script expression="=1 +" resultVariable="x"/>'
        '</bpmn:extensionElements></bpmn:scriptTask><bpmn:endEvent id="E"/>'
        '<bpmn:sequenceFlow id="f1" sourceRef="S" targetRef="Calc"/>'
        '<bpmn:sequenceFlow id="f2" sourceRef="Calc" targetRef="E"/>',
    )
    result = runner.invoke(app, ["bpmn", "run", str(model)])
    assert result.exit_code == 1
    assert "incident at 'Calc'" in result.output


def test_run_refuses_bad_variables_and_unknown_processes() -> None:
    model = str(MODELS / "sequence.bpmn")
    bad_var = runner.invoke(app, ["bpmn", "run", model, "--var", "amount"])
    assert bad_var.exit_code == 2
    assert "name=FEEL" in bad_var.output
    unknown = runner.invoke(app, ["bpmn", "run", model, "--process", "Nope"])
    assert unknown.exit_code == 1
    assert "no process 'Nope'" in unknown.output


LOOPING = (
    '<bpmn:startEvent id="S"/><bpmn:task id="Task_A"/>'
    '<bpmn:exclusiveGateway id="Gateway_B" default="out"/><bpmn:endEvent id="E"/>'
    '<bpmn:sequenceFlow id="f1" sourceRef="S" targetRef="Task_A"/>'
    '<bpmn:sequenceFlow id="f2" sourceRef="Task_A" targetRef="Gateway_B"/>'
    '<bpmn:sequenceFlow id="back" sourceRef="Gateway_B" targetRef="Task_A">'
    "<bpmn:conditionExpression>=again</bpmn:conditionExpression></bpmn:sequenceFlow>"
    '<bpmn:sequenceFlow id="out" sourceRef="Gateway_B" targetRef="E"/>'
)


def test_check_warns_about_a_loop_without_wait_state(tmp_path: Path) -> None:
    model = _write(tmp_path, LOOPING)
    result = runner.invoke(app, ["bpmn", "check", str(model)])
    assert result.exit_code == 0, result.output
    assert "warning: line 4, 'Task_A': loop without wait state: Task_A → Gateway_B → Task_A" in (
        result.output
    )


def test_run_stops_a_loop_without_wait_state_with_exit_code_1(tmp_path: Path) -> None:
    model = _write(tmp_path, LOOPING)
    result = runner.invoke(
        app, ["bpmn", "run", str(model), "--var", "again=true"],
        env={"KONTOR_PROCESS_STEP_MAX_ELEMENTS": "100"},
    )  # fmt: skip
    assert result.exit_code == 1
    assert "incident at 'S': loop without wait state: Task_A → Gateway_B → Task_A" in (
        result.output
    )
    finished = runner.invoke(app, ["bpmn", "run", str(model), "--var", "again=false"])
    assert finished.exit_code == 0, finished.output


def test_check_reports_problems_of_a_modelling_only_process_as_notes(tmp_path: Path) -> None:
    model = tmp_path / "modelling.bpmn"
    model.write_text(
        f'{HEADER}<bpmn:process id="P" isExecutable="false">\n'
        '<bpmn:startEvent id="S"/><bpmn:complexGateway id="G"/>\n'
        '<bpmn:sequenceFlow id="f" sourceRef="S" targetRef="G"/>\n'
        "</bpmn:process>\n</bpmn:definitions>\n"
    )
    result = runner.invoke(app, ["bpmn", "check", str(model)])
    assert result.exit_code == 0, result.output
    assert "note: line 4, 'G': gateway has no outgoing flow" in result.output
    assert "0 error(s)" in result.output
    assert "process 'P': not executable" in result.output


def test_check_names_element_and_attribute_of_unsupported_juel(tmp_path: Path) -> None:
    model = _write(
        tmp_path,
        '<bpmn:startEvent id="S"/><bpmn:exclusiveGateway id="G" default="f2"/>'
        '<bpmn:endEvent id="A"/><bpmn:endEvent id="B"/>\n'
        '<bpmn:sequenceFlow id="f0" sourceRef="S" targetRef="G"/>\n'
        '<bpmn:sequenceFlow id="f1" sourceRef="G" targetRef="A">'
        "<bpmn:conditionExpression>${riskService.isHigh(amount)}</bpmn:conditionExpression>"
        "</bpmn:sequenceFlow>\n"
        '<bpmn:sequenceFlow id="f2" sourceRef="G" targetRef="B"/>',
    )
    result = runner.invoke(app, ["bpmn", "check", str(model)])
    assert result.exit_code == 1
    assert (
        "error: line 6, 'f1': conditionExpression: JUEL '${riskService.isHigh(amount)}': "
        "method 'isHigh' is not supported (at character 15) [juel_unsupported]" in result.output
    )
