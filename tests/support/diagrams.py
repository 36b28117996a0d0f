"""Models with diagram information (BPMN DI), as a modeler saves them, for the browser's viewers."""

from __future__ import annotations

CLAIM_DIAGRAM = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI"
  xmlns:dc="http://www.omg.org/spec/DD/20100524/DC"
  xmlns:di="http://www.omg.org/spec/DD/20100524/DI"
  xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="claim-diagram" targetNamespace="http://t">
  <bpmn:process id="Claim" name="Schadenprüfung" isExecutable="true">
    <bpmn:startEvent id="S" name="Schaden gemeldet"/>
    <bpmn:serviceTask id="Score" name="Bewerten"><bpmn:extensionElements>
      <zeebe:taskDefinition type="score" retries="1"/></bpmn:extensionElements></bpmn:serviceTask>
    <bpmn:userTask id="Review" name="Prüfen"/>
    <bpmn:endEvent id="E" name="Erledigt"/>
    <bpmn:sequenceFlow id="f1" sourceRef="S" targetRef="Score"/>
    <bpmn:sequenceFlow id="f2" sourceRef="Score" targetRef="Review"/>
    <bpmn:sequenceFlow id="f3" sourceRef="Review" targetRef="E"/>
  </bpmn:process>
  <bpmndi:BPMNDiagram id="diagram">
    <bpmndi:BPMNPlane id="plane" bpmnElement="Claim">
      <bpmndi:BPMNShape id="S_di" bpmnElement="S">
        <dc:Bounds x="100" y="100" width="36" height="36"/></bpmndi:BPMNShape>
      <bpmndi:BPMNShape id="Score_di" bpmnElement="Score">
        <dc:Bounds x="200" y="78" width="100" height="80"/></bpmndi:BPMNShape>
      <bpmndi:BPMNShape id="Review_di" bpmnElement="Review">
        <dc:Bounds x="360" y="78" width="100" height="80"/></bpmndi:BPMNShape>
      <bpmndi:BPMNShape id="E_di" bpmnElement="E">
        <dc:Bounds x="520" y="100" width="36" height="36"/></bpmndi:BPMNShape>
      <bpmndi:BPMNEdge id="f1_di" bpmnElement="f1">
        <di:waypoint x="136" y="118"/><di:waypoint x="200" y="118"/></bpmndi:BPMNEdge>
      <bpmndi:BPMNEdge id="f2_di" bpmnElement="f2">
        <di:waypoint x="300" y="118"/><di:waypoint x="360" y="118"/></bpmndi:BPMNEdge>
      <bpmndi:BPMNEdge id="f3_di" bpmnElement="f3">
        <di:waypoint x="460" y="118"/><di:waypoint x="520" y="118"/></bpmndi:BPMNEdge>
    </bpmndi:BPMNPlane>
  </bpmndi:BPMNDiagram>
</bpmn:definitions>"""
"""A claim: an external ``score`` worker rates it (topic ``score``), then a person reviews it."""


def claim_diagram(key: str) -> str:
    """``CLAIM_DIAGRAM`` as process ``key`` whose score has the topic ``{key}-score``."""
    return (
        CLAIM_DIAGRAM.replace('id="Claim"', f'id="{key}"')
        .replace('bpmnElement="Claim"', f'bpmnElement="{key}"')
        .replace('type="score"', f'type="{key}-score"')
    )


def routing_model(key: str, rules: list[tuple[str, str, int]]) -> str:
    """A DMN model ``key`` whose decision 'Route' routes new tasks by their name.

    Each rule is (condition on the task's name, candidate group, priority); the first that
    matches decides (hit policy FIRST), as the ``task.created`` hook point expects.
    """
    body = "".join(
        f'<rule id="{key}_r{n}"><inputEntry id="{key}_i{n}"><text>{condition}</text></inputEntry>'
        f'<outputEntry id="{key}_g{n}"><text>"{group}"</text></outputEntry>'
        f'<outputEntry id="{key}_p{n}"><text>{priority}</text></outputEntry></rule>'
        for n, (condition, group, priority) in enumerate(rules)
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/"'
        f' id="{key}" name="{key}" namespace="http://kontor.example/{key}">'
        '<decision id="route" name="Route"><decisionTable id="table" hitPolicy="FIRST">'
        '<input id="task_name" label="Aufgabe"><inputExpression id="e" typeRef="string">'
        "<text>name</text></inputExpression></input>"
        '<output id="o1" label="Gruppe" name="candidateGroups" typeRef="string"/>'
        '<output id="o2" label="Priorität" name="priority" typeRef="number"/>'
        f"{body}</decisionTable></decision></definitions>"
    )
