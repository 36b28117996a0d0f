"""Small BPMN models shared by several test tiers."""

WAIT = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d"
  targetNamespace="http://t">
  <bpmn:process id="Wait" isExecutable="true">
    <bpmn:startEvent id="S"/>
    <bpmn:userTask id="Review"/>
    <bpmn:sequenceFlow id="f1" sourceRef="S" targetRef="Review"/>
  </bpmn:process>
</bpmn:definitions>"""
"""A process that waits in one user task (`Review`) right after its start."""
