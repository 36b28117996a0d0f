"""The cockpit's activity tree: activities nested by the sub-processes of the model, with names."""

from __future__ import annotations

import datetime as dt

from kontor.process.store.history import ActivityInstance
from kontor.web.cockpit.activities import activity_tree, process_model, targets

MODEL = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d"
  targetNamespace="http://t">
  <bpmn:process id="Claim" isExecutable="true">
    <bpmn:startEvent id="S"/>
    <bpmn:subProcess id="Check" name="Prüfung">
      <bpmn:startEvent id="CS"/>
      <bpmn:subProcess id="Deep"><bpmn:startEvent id="DS"/><bpmn:userTask id="Look" name="Ansehen"/>
        <bpmn:sequenceFlow id="d1" sourceRef="DS" targetRef="Look"/></bpmn:subProcess>
      <bpmn:sequenceFlow id="c1" sourceRef="CS" targetRef="Deep"/>
    </bpmn:subProcess>
    <bpmn:sequenceFlow id="f1" sourceRef="S" targetRef="Check"/>
  </bpmn:process>
</bpmn:definitions>"""
AT = dt.datetime(2026, 12, 2, 9, 0, tzinfo=dt.UTC)


def activity(element_id: str) -> ActivityInstance:
    return ActivityInstance(element_id, "kind", "t1", AT, None, None)


def test_activities_are_nested_by_their_sub_processes_and_named() -> None:
    rows = [activity(e) for e in ("S", "Check", "CS", "Deep", "DS", "Look")]
    tree = activity_tree(rows, process_model(MODEL, "Claim"))
    assert [(node.name, node.depth) for node in tree] == [
        ("S", 0), ("Prüfung", 0), ("CS", 1), ("Deep", 1), ("DS", 2), ("Ansehen", 2),
    ]  # fmt: skip


def test_an_unreadable_model_shows_the_activities_flat() -> None:
    model = process_model("<kein bpmn", "Claim")
    tree = activity_tree([activity("Look")], model)
    assert [(node.name, node.depth) for node in tree] == [("Look", 0)]
    assert targets(model) == []


def test_tokens_may_move_to_every_element_by_name() -> None:
    assert targets(process_model(MODEL, "Claim")) == [
        ("Look", "Ansehen"), ("CS", "CS"), ("Deep", "Deep"), ("DS", "DS"),
        ("Check", "Prüfung"), ("S", "S"),
    ]  # fmt: skip
