"""``kontor bpmn run`` runs collaborations: pools, message flows, signals, called processes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from kontor.cli import app

HERE = Path(__file__).resolve().parent
BROKER_INSURER = str(HERE / "collaboration" / "broker_insurer.bpmn")
RISK_CHECK = str(HERE / "collaboration" / "risk_check.bpmn")
TIMERS = str(HERE.parents[1] / "conformance" / "bpmn" / "models" / "timers.bpmn")
HEADER = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"'
    ' xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="d" targetNamespace="http://t">\n'
)
VARIABLES = ["--var", 'antragsnummer="A-1"', "--var", "beitrag=5000"]
runner = CliRunner()


def _run(*args: str) -> tuple[int, dict[str, Any]]:
    result = runner.invoke(app, ["bpmn", "run", *args, "--json"])
    return result.exit_code, json.loads(result.output)


def _completed(instance: dict[str, Any]) -> list[str]:
    return [activity["id"] for activity in instance["completed"]]


def test_pools_exchange_messages_call_processes_of_other_files_and_hear_signals() -> None:
    code, report = _run(BROKER_INSURER, RISK_CHECK, *VARIABLES)
    assert code == 0
    assert report["outcome"] == "completed"
    started = [(i["process"], i["started_by"], i["outcome"]) for i in report["instances"]]
    assert started == [
        ("Makler", "start", "completed"),
        ("Versicherer", "message 'Antrag'", "completed"),  # the send task's message flow
        ("Risikopruefung", "call from 'RisikoPruefen'", "completed"),  # found in the other file
        ("Statistik", "signal 'Vertrag gebucht'", "completed"),  # a signal start event
    ]
    broker, insurer, risk, _ = report["instances"]
    # the insurer's policy message reached the broker's catch event, with the insurer's data
    assert _completed(broker) == [
        "MaklerStart", "AntragSenden", "PoliceEmpfangen", "KundeInformieren", "MaklerEnde"
    ]  # fmt: skip
    assert broker["variables"]["risiko"] == "gering"
    # the signal reached the instance that threw it, too
    assert "GebuchtGehoert" in _completed(insurer)
    # the clock jumped over the two hours the called process waited
    assert _completed(risk) == ["RisikoStart", "ZweiStundenWarten", "Einstufen", "RisikoEnde"]
    assert report["messages_to_black_box_pools"] == [
        {"name": "Kundeninfo", "from": "Makler/KundeInformieren", "to": "Pool_Kunde"}
    ]
    assert report["undelivered_messages"] == []
    assert len(report["activity_counts"]) == 20
    assert {row["count"] for row in report["activity_counts"]} == {1}


def test_a_called_process_missing_from_the_files_is_an_incident_at_the_call_activity() -> None:
    code, report = _run(BROKER_INSURER, *VARIABLES)
    assert code == 1
    assert report["outcome"] == "incident"
    assert report["incidents"] == [
        {
            "instance": 2,
            "process": "Versicherer",
            "element": "RisikoPruefen",
            "reason": "no process 'Risikopruefung' in the given files",
        }
    ]
    assert report["instances"][0]["waiting_at"] == ["PoliceEmpfangen"]
    text = runner.invoke(app, ["bpmn", "run", BROKER_INSURER, *VARIABLES]).output
    assert "instance 2: incident at 'RisikoPruefen'" in text
    assert "Makler/AntragSenden (Antrag senden) [sendTask] ×1" in text


def _write(path: Path, processes: str) -> str:
    path.write_text(f"{HEADER}{processes}\n</bpmn:definitions>\n")
    return str(path)


SENDER = (
    '<bpmn:message id="M" name="Hallo"/>'
    '<bpmn:process id="Sender" isExecutable="true"><bpmn:startEvent id="S1"/>'
    '<bpmn:intermediateThrowEvent id="Say"><bpmn:messageEventDefinition messageRef="M"/>'
    '</bpmn:intermediateThrowEvent><bpmn:endEvent id="E1"/>'
    '<bpmn:sequenceFlow id="a1" sourceRef="S1" targetRef="Say"/>'
    '<bpmn:sequenceFlow id="a2" sourceRef="Say" targetRef="E1"/></bpmn:process>'
)
LATE_LISTENER = (
    '<bpmn:process id="Listener" isExecutable="true"><bpmn:startEvent id="S2"/>'
    '<bpmn:intermediateCatchEvent id="Later"><bpmn:timerEventDefinition>'
    "<bpmn:timeDuration>PT1H</bpmn:timeDuration></bpmn:timerEventDefinition>"
    '</bpmn:intermediateCatchEvent><bpmn:intermediateCatchEvent id="Hear">'
    '<bpmn:messageEventDefinition messageRef="M"/></bpmn:intermediateCatchEvent>'
    '<bpmn:endEvent id="E2"/><bpmn:sequenceFlow id="b1" sourceRef="S2" targetRef="Later"/>'
    '<bpmn:sequenceFlow id="b2" sourceRef="Later" targetRef="Hear"/>'
    '<bpmn:sequenceFlow id="b3" sourceRef="Hear" targetRef="E2"/></bpmn:process>'
)


def test_a_message_waits_until_someone_listens_and_one_nobody_takes_is_reported(
    tmp_path: Path,
) -> None:
    model = _write(tmp_path / "late.bpmn", SENDER + LATE_LISTENER)
    code, report = _run(model, "--process", "Sender", "--process", "Listener")
    assert code == 0
    assert [i["outcome"] for i in report["instances"]] == ["completed", "completed"]
    assert _completed(report["instances"][1]) == ["S2", "Later", "Hear", "E2"]
    assert report["undelivered_messages"] == []

    alone = _write(tmp_path / "alone.bpmn", SENDER)
    code, report = _run(alone)
    assert code == 0
    assert report["undelivered_messages"] == [{"name": "Hallo", "from": "Sender/Say", "to": None}]
    text = runner.invoke(app, ["bpmn", "run", alone]).output
    assert "message 'Hallo' from Sender/Say: nobody took it" in text


def test_counts_say_how_often_each_activity_ran() -> None:
    code, report = _run(TIMERS)
    assert code == 0
    counts = {row["id"]: row["count"] for row in report["activity_counts"]}
    assert counts["Remind"] == 2


def test_a_model_with_errors_is_refused_with_the_report_before_anything_runs(
    tmp_path: Path,
) -> None:
    broken = _write(
        tmp_path / "broken.bpmn",
        '<bpmn:process id="P" isExecutable="true"><bpmn:task id="Lonely"/></bpmn:process>',
    )
    result = runner.invoke(app, ["bpmn", "run", BROKER_INSURER, broken])
    assert result.exit_code == 1
    assert f"{broken}: error:" in result.output
    assert "no start event" in result.output
    assert "refused: " in result.output
    assert "instance 1" not in result.output


def test_a_process_without_none_start_event_starts_as_if_its_trigger_had_come() -> None:
    code, report = _run(BROKER_INSURER, RISK_CHECK, *VARIABLES, "--process", "Versicherer")
    assert code == 0
    first = report["instances"][0]
    assert (first["process"], first["started_by"]) == (
        "Versicherer", "start at 'AntragEingegangen' (message)"
    )  # fmt: skip
    assert first["outcome"] == "completed"
    # the policy follows its message flow to the broker, whose instance was never started
    assert report["undelivered_messages"] == [
        {"name": "Police", "from": "Versicherer/PoliceSenden", "to": "PoliceEmpfangen"}
    ]


PARALLEL_START = (
    '<bpmn:message id="Docs" name="unterlagen"/><bpmn:signal id="Ok" name="freigegeben"/>'
    '<bpmn:process id="Claim" isExecutable="true">'
    '<bpmn:startEvent id="Both" parallelMultiple="true">'
    '<bpmn:messageEventDefinition messageRef="Docs"/><bpmn:signalEventDefinition signalRef="Ok"/>'
    '</bpmn:startEvent><bpmn:endEvent id="Done"/>'
    '<bpmn:sequenceFlow id="c1" sourceRef="Both" targetRef="Done"/></bpmn:process>'
    '<bpmn:process id="Sender" isExecutable="true"><bpmn:startEvent id="S1"/>'
    '<bpmn:intermediateThrowEvent id="SendDocs"><bpmn:messageEventDefinition messageRef="Docs"/>'
    '</bpmn:intermediateThrowEvent><bpmn:intermediateThrowEvent id="Approve">'
    '<bpmn:signalEventDefinition signalRef="Ok"/></bpmn:intermediateThrowEvent>'
    '<bpmn:endEvent id="E1"/><bpmn:sequenceFlow id="a1" sourceRef="S1" targetRef="SendDocs"/>'
    '<bpmn:sequenceFlow id="a2" sourceRef="SendDocs" targetRef="Approve"/>'
    '<bpmn:sequenceFlow id="a3" sourceRef="Approve" targetRef="E1"/></bpmn:process>'
)


def test_a_parallel_multiple_start_event_waits_for_each_of_its_triggers(tmp_path: Path) -> None:
    model = _write(tmp_path / "parallel.bpmn", PARALLEL_START)
    code, report = _run(model, "--process", "Sender")
    assert code == 0
    started = [(i["process"], i["started_by"]) for i in report["instances"]]
    assert started == [("Sender", "start"), ("Claim", "all of 'Both'")]
    assert report["undelivered_messages"] == []
